//go:build linux && !amd64 && !arm64

package oci

import "embed"

// No helper is built for this platform: jails run with cbsd itself.
var helperFS embed.FS
