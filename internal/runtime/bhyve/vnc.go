package bhyve

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/cbsdgo/cbsd/internal/env"
	"github.com/cbsdgo/cbsd/internal/errdefs"
)

// vnc reads the framebuffer settings. As in bhyverun.sh, the password and
// ",wait" (vm_boot=cd with cd_vnc_wait=1) apply to UEFI guests only, and
// vga= is added when bhyve_vnc_vgaconf is not io.
func vnc(e *env.Env, p Paths, uefi bool) (VNC, error) {
	bad := func(k, want string) (VNC, error) {
		return VNC{}, fmt.Errorf("%s=%q: %s: %w", k, e.Get(k), want, errdefs.ErrInvalid)
	}
	port, err := strconv.Atoi(e.Get("vm_vnc_port"))
	if err != nil || port < 0 || port > 65535 {
		return bad("vm_vnc_port", "want 0 (auto), 1 (off) or a TCP port")
	}
	if port == 1 || e.Get("fbuf") == "0" {
		return VNC{}, nil
	}
	if port == 0 {
		port = p.VNCPort
		if port == 0 {
			port = AutoVNCPort(e.Name())
		}
	}
	c := VNC{Bind: e.Get("bhyve_vnc_tcp_bind"), Port: port}
	if c.Bind == "" || c.Bind == "0" || strings.ContainsAny(c.Bind, ", ") {
		return bad("bhyve_vnc_tcp_bind", "want an IP address")
	}
	w, h, ok := strings.Cut(e.Get("bhyve_vnc_resolution"), "x")
	if c.Width, err = strconv.Atoi(w); !ok || err != nil || c.Width <= 0 {
		return bad("bhyve_vnc_resolution", "want WIDTHxHEIGHT such as 1024x768")
	}
	if c.Height, err = strconv.Atoi(h); err != nil || c.Height <= 0 {
		return bad("bhyve_vnc_resolution", "want WIDTHxHEIGHT such as 1024x768")
	}
	switch c.VGAConf = e.Get("bhyve_vnc_vgaconf"); c.VGAConf {
	case "io", "on", "off":
	case "0", "":
		c.VGAConf = "io"
	default:
		return bad("bhyve_vnc_vgaconf", "want io, on or off")
	}
	if !uefi {
		return c, nil
	}
	c.Wait = e.Get("vm_boot") == "cd" && e.Bool("cd_vnc_wait")
	if pw := e.Get("vnc_password"); pw != "0" && pw != "" {
		if strings.ContainsAny(pw, ", \t") {
			return bad("vnc_password", "a comma or blank cannot be passed to bhyve")
		}
		c.Password = pw
	}
	return c, nil
}

// AutoVNCPort is the VNC port of vm_vnc_port=0 when the caller picked none:
// 5900 plus a hash of the name, within CBSD's 5900-6899 range.
func AutoVNCPort(name string) int { return 5900 + int(hash(name)%1000) }
