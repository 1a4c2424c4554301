// Package cli is cbsd's command line: CBSD's argument grammar (k=v words
// anywhere, quotes stripped, positional names, masks, H_CBSD_<arg>,
// NOINTER), the command table, help, output as aligned tables or JSON, and
// the mapping of error categories to CBSD's messages and exit codes.
//
// Commands only parse and print; the work is done by package service.
package cli
