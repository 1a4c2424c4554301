//go:build !cbsdhelper

package oci

import "embed"

// The jail helper for this platform, put here by scripts/build.sh.
//
//go:embed helperbin/linux-amd64
var helperFS embed.FS
