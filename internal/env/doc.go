// Package env is the environment model: a jail's or VM's settings with
// CBSD's parameter names and defaults, name validation, and the text
// descriptor formats (jconf files and rc.conf_<J> descriptors).
//
// An Env is a flat set of CBSD parameters (strings, "0" meaning unset, as in
// CBSD's SQLite inventory). Typed accessors read the common ones.
package env
