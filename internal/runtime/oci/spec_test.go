package oci

import (
	"encoding/json"
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cbsdgo/cbsd/internal/runtime"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func baseSpec() *runtime.Spec {
	return &runtime.Spec{
		Name:        "web1",
		Hostname:    "web1.my.domain",
		Root:        "/w/basejail/base_amd64_amd64_bookworm",
		ReadOnly:    true,
		ExecStart:   "/bin/sh /etc/rc",
		ExecStop:    "/bin/sh /etc/rc.shutdown",
		Persist:     true,
		StopTimeout: 15 * time.Second,
		Env:         []string{"FOO=bar"},
		CgroupPath:  "/cbsd/web1",
	}
}

func vnet() *runtime.Net {
	return &runtime.Net{Bridge: "cbsdbr0", Addrs: []netip.Prefix{netip.MustParsePrefix("10.0.0.2/24")},
		Gateway: netip.MustParseAddr("10.0.0.1")}
}

func mountAt(sp *specs.Spec, dst string) (specs.Mount, bool) {
	for _, m := range sp.Mounts {
		if m.Destination == dst {
			return m, true
		}
	}
	return specs.Mount{}, false
}

func hasNS(sp *specs.Spec, t specs.LinuxNamespaceType) bool {
	for _, n := range sp.Linux.Namespaces {
		if n.Type == t {
			return true
		}
	}
	return false
}

func TestBuildSpecBasics(t *testing.T) {
	s := baseSpec()
	sp, err := BuildSpec(s, "/usr/local/bin/cbsd", "/w/var/run/oci/web1/ctl")
	if err != nil {
		t.Fatal(err)
	}
	if sp.Root == nil || sp.Root.Path != s.Root || !sp.Root.Readonly {
		t.Errorf("Root = %+v", sp.Root)
	}
	if sp.Hostname != "web1.my.domain" {
		t.Errorf("Hostname = %q", sp.Hostname)
	}
	if sp.Linux.CgroupsPath != "/cbsd/web1" {
		t.Errorf("CgroupsPath = %q", sp.Linux.CgroupsPath)
	}
	if want := []string{"/dev/.cbsd/cbsd", "__init"}; !reflect.DeepEqual(sp.Process.Args, want) {
		t.Errorf("Args = %q, want %q", sp.Process.Args, want)
	}
	if sp.Process.Cwd != "/" || sp.Process.User.UID != 0 {
		t.Errorf("Cwd %q UID %d", sp.Process.Cwd, sp.Process.User.UID)
	}

	// Environment: PATH, the init config, then the caller's extras.
	var initJSON string
	for _, e := range sp.Process.Env {
		if v, ok := strings.CutPrefix(e, InitEnvVar+"="); ok {
			initJSON = v
		}
	}
	if !slices.Contains(sp.Process.Env, "PATH="+DefaultPath) || !slices.Contains(sp.Process.Env, "FOO=bar") {
		t.Errorf("Env = %q", sp.Process.Env)
	}
	if sp.Process.Env[len(sp.Process.Env)-1] != "FOO=bar" {
		t.Errorf("extra env must come last: %q", sp.Process.Env)
	}
	var ic InitConfig
	if err := json.Unmarshal([]byte(initJSON), &ic); err != nil {
		t.Fatalf("%s=%q: %v", InitEnvVar, initJSON, err)
	}
	want := InitConfig{ExecStart: "/bin/sh /etc/rc", ExecStop: "/bin/sh /etc/rc.shutdown", Persist: true, StopTimeout: 15}
	if ic != want {
		t.Errorf("InitConfig = %+v, want %+v", ic, want)
	}

	// Control directory and init binary.
	ctl, ok := mountAt(sp, CtlDirInJail)
	if !ok || ctl.Source != "/w/var/run/oci/web1/ctl" || ctl.Type != "bind" || !slices.Contains(ctl.Options, "rw") {
		t.Errorf("ctl mount = %+v (present %v)", ctl, ok)
	}
	ini, ok := mountAt(sp, InitInJail)
	if !ok || ini.Source != "/usr/local/bin/cbsd" || ini.Type != "bind" || !slices.Contains(ini.Options, "ro") {
		t.Errorf("init mount = %+v (present %v)", ini, ok)
	}
	for _, d := range []string{"/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys"} {
		if _, ok := mountAt(sp, d); !ok {
			t.Errorf("no %s mount", d)
		}
	}
}

func TestBuildSpecWritableRoot(t *testing.T) {
	s := baseSpec()
	s.ReadOnly = false
	sp, err := BuildSpec(s, "/bin/cbsd", "/ctl")
	if err != nil {
		t.Fatal(err)
	}
	if sp.Root.Readonly {
		t.Error("Root.Readonly with ReadOnly=false")
	}
}

func TestBuildSpecNetwork(t *testing.T) {
	tests := []struct {
		name   string
		net    *runtime.Net
		raw    bool
		netNS  bool
		netRaw bool
		sysfs  string // mount type of /sys
	}{
		{"host network", nil, false, false, false, "bind"},
		{"host network raw sockets", nil, true, false, true, "bind"},
		{"vnet", vnet(), false, true, true, "sysfs"},
		{"vnet raw sockets", vnet(), true, true, true, "sysfs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := baseSpec()
			s.Net, s.RawSockets = tt.net, tt.raw
			sp, err := BuildSpec(s, "/bin/cbsd", "/ctl")
			if err != nil {
				t.Fatal(err)
			}
			for _, ns := range []specs.LinuxNamespaceType{specs.PIDNamespace, specs.IPCNamespace, specs.UTSNamespace, specs.MountNamespace} {
				if !hasNS(sp, ns) {
					t.Errorf("no %s namespace", ns)
				}
			}
			if hasNS(sp, specs.UserNamespace) || hasNS(sp, specs.CgroupNamespace) {
				t.Errorf("unexpected namespaces %+v", sp.Linux.Namespaces)
			}
			if got := hasNS(sp, specs.NetworkNamespace); got != tt.netNS {
				t.Errorf("network namespace = %v, want %v", got, tt.netNS)
			}
			c := sp.Process.Capabilities
			for _, set := range [][]string{c.Bounding, c.Effective, c.Permitted} {
				if got := slices.Contains(set, "CAP_NET_RAW"); got != tt.netRaw {
					t.Errorf("CAP_NET_RAW = %v, want %v (%q)", got, tt.netRaw, set)
				}
				if !slices.Contains(set, "CAP_CHOWN") || !slices.Contains(set, "CAP_NET_BIND_SERVICE") {
					t.Errorf("default caps missing: %q", set)
				}
				if slices.Contains(set, "CAP_SYS_ADMIN") {
					t.Errorf("CAP_SYS_ADMIN granted: %q", set)
				}
			}
			sys, _ := mountAt(sp, "/sys")
			if sys.Type != tt.sysfs {
				t.Errorf("/sys type = %q, want %q", sys.Type, tt.sysfs)
			}
			if !slices.Contains(sys.Options, "ro") {
				t.Errorf("/sys not read-only: %q", sys.Options)
			}
			// The host's /sys alone: its submounts (cgroup hierarchies,
			// tracefs) would stay writable under a recursive bind.
			if tt.sysfs == "bind" && (sys.Source != "/sys" || !slices.Contains(sys.Options, "bind") || slices.Contains(sys.Options, "rbind")) {
				t.Errorf("/sys bind = %+v", sys)
			}
			if got := sp.Linux.Sysctl["net.ipv4.ping_group_range"] != ""; got != tt.netNS {
				t.Errorf("ping_group_range sysctl set = %v, want %v", got, tt.netNS)
			}
		})
	}
}

func TestBuildSpecUserMounts(t *testing.T) {
	s := baseSpec()
	s.Mounts = []runtime.Mount{
		{Source: "/srv/a", Destination: "/mnt/a", Type: "nullfs"},
		{Source: "/srv/b", Destination: "/mnt/b", Type: "bind", Options: []string{"ro"}},
		{Source: "/srv/c", Destination: "/mnt/c", Type: "bind", Options: []string{"bind", "RW"}},
		{Source: "/srv/d", Destination: "/mnt/d", Type: "nullfs", Options: []string{"rbind", "noexec"}},
		{Source: "tmpfs", Destination: "/tmp", Type: "tmpfs", Options: []string{"size=10m"}},
	}
	orig := append([]string(nil), s.Mounts[1].Options...)
	sp, err := BuildSpec(s, "/bin/cbsd", "/ctl")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]specs.Mount{
		"/mnt/a": {Destination: "/mnt/a", Type: "bind", Source: "/srv/a", Options: []string{"rbind", "rw"}},
		"/mnt/b": {Destination: "/mnt/b", Type: "bind", Source: "/srv/b", Options: []string{"rbind", "ro"}},
		"/mnt/c": {Destination: "/mnt/c", Type: "bind", Source: "/srv/c", Options: []string{"bind", "RW"}},
		"/mnt/d": {Destination: "/mnt/d", Type: "bind", Source: "/srv/d", Options: []string{"rbind", "noexec", "rw"}},
		"/tmp":   {Destination: "/tmp", Type: "tmpfs", Source: "tmpfs", Options: []string{"size=10m"}},
	}
	for dst, w := range want {
		got, ok := mountAt(sp, dst)
		if !ok || !reflect.DeepEqual(got, w) {
			t.Errorf("mount %s = %+v (present %v), want %+v", dst, got, ok, w)
		}
	}
	// User mounts follow the built-in ones, in order.
	n := len(sp.Mounts)
	if sp.Mounts[n-5].Destination != "/mnt/a" || sp.Mounts[n-1].Destination != "/tmp" {
		t.Errorf("user mounts out of order: %+v", sp.Mounts[n-5:])
	}
	if !reflect.DeepEqual(s.Mounts[1].Options, orig) {
		t.Errorf("BuildSpec changed the caller's options: %q", s.Mounts[1].Options)
	}
}

func TestBuildSpecDefaultCapsUnchanged(t *testing.T) {
	before := append([]string(nil), defaultCaps...)
	s := baseSpec()
	s.RawSockets = true
	if _, err := BuildSpec(s, "/bin/cbsd", "/ctl"); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(defaultCaps, before) {
		t.Errorf("BuildSpec modified defaultCaps: %q", defaultCaps)
	}
}

func TestContainerID(t *testing.T) {
	tests := map[string]string{
		"web1":    "web1",
		"a_b-c":   "a_b-c",
		"a@b":     "a.40b",
		"a%b":     "a.25b",
		"a:b":     "a.3ab",
		"@%:":     ".40.25.3a",
		"x@y:z%w": "x.40y.3az.25w",
	}
	for in, want := range tests {
		if got := ContainerID(in); got != want {
			t.Errorf("ContainerID(%q) = %q, want %q", in, got, want)
		}
	}
	names := []string{"web1", "a@b", "a%b", "a:b", "a40b", "a@@b", "a@", "@a", "a3ab", "a:", "a", "a_b"}
	seen := map[string]string{}
	for _, n := range names {
		id := ContainerID(n)
		if prev, dup := seen[id]; dup {
			t.Errorf("ContainerID(%q) = ContainerID(%q) = %q", n, prev, id)
		}
		seen[id] = n
		if strings.ContainsAny(id, "@%:") {
			t.Errorf("ContainerID(%q) = %q still holds a reserved character", n, id)
		}
	}
}
