//go:build !cbsdhelper

package oci

import "embed"

// The jail helper for this platform, put here by scripts/build.sh.
//
//go:embed helperbin/linux-arm64
var helperFS embed.FS
