//go:build linux && (cbsdhelper || (!amd64 && !arm64))

package oci

import "embed"

// No helper is embedded: a platform without one runs jails with cbsd
// itself, and the helper (built with the cbsdhelper tag) carries none, so
// that its bytes depend on its source only.
var helperFS embed.FS
