package oci

import (
	"encoding/json"
	"strings"

	"github.com/cbsdgo/cbsd/internal/runtime"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Paths inside the jail.
const (
	CtlDirInJail = "/dev/.cbsd"
	InitInJail   = CtlDirInJail + "/cbsd"
	ExecSockName = "exec.sock"
)

// InitConfig is what the in-jail init reads from its environment.
type InitConfig struct {
	ExecStart   string `json:"exec_start"`
	ExecStop    string `json:"exec_stop"`
	Persist     bool   `json:"persist"`
	StopTimeout int    `json:"stop_timeout"` // seconds
}

// InitEnvVar carries the JSON InitConfig to the in-jail init.
const InitEnvVar = "CBSD_INIT"

// DefaultPath is PATH inside jails.
const DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

var defaultCaps = []string{
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD",
	"CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
	"CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
}

// BuildSpec renders the OCI runtime configuration of a jail. initBinary is
// the host path of the cbsd executable and ctlDir the host directory shared
// with the jail's init for the exec socket.
func BuildSpec(s *runtime.Spec, initBinary, ctlDir string) (*specs.Spec, error) {
	caps := append([]string(nil), defaultCaps...)
	if s.RawSockets || s.Net != nil {
		// A vnet jail owns its network namespace; raw sockets there (ping)
		// cannot touch the host's network.
		caps = append(caps, "CAP_NET_RAW")
	}
	ic := InitConfig{ExecStart: s.ExecStart, ExecStop: s.ExecStop, Persist: s.Persist,
		StopTimeout: int(s.StopTimeout.Seconds())}
	icb, err := json.Marshal(ic)
	if err != nil {
		return nil, err
	}
	env := []string{"PATH=" + DefaultPath, "HOME=/root", "TERM=xterm", "container=cbsd",
		InitEnvVar + "=" + string(icb)}
	env = append(env, s.Env...)

	nss := []specs.LinuxNamespace{
		{Type: specs.PIDNamespace}, {Type: specs.IPCNamespace},
		{Type: specs.UTSNamespace}, {Type: specs.MountNamespace},
	}
	if s.Net != nil {
		nss = append(nss, specs.LinuxNamespace{Type: specs.NetworkNamespace})
	}
	sysfs := specs.Mount{Destination: "/sys", Type: "sysfs", Source: "sysfs",
		Options: []string{"nosuid", "noexec", "nodev", "ro"}}
	if s.Net == nil {
		// sysfs cannot be mounted without a private network namespace: the
		// host's, read-only, and without what is mounted below it (the
		// host's cgroup hierarchies and tracefs would stay writable).
		sysfs = specs.Mount{Destination: "/sys", Type: "bind", Source: "/sys",
			Options: []string{"bind", "nosuid", "noexec", "nodev", "ro"}}
	}
	mounts := []specs.Mount{
		{Destination: "/proc", Type: "proc", Source: "proc"},
		{Destination: "/dev", Type: "tmpfs", Source: "tmpfs",
			Options: []string{"nosuid", "strictatime", "mode=755", "size=65536k"}},
		{Destination: "/dev/pts", Type: "devpts", Source: "devpts",
			Options: []string{"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}},
		{Destination: "/dev/shm", Type: "tmpfs", Source: "shm",
			Options: []string{"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}},
		{Destination: "/dev/mqueue", Type: "mqueue", Source: "mqueue",
			Options: []string{"nosuid", "noexec", "nodev"}},
		sysfs,
		{Destination: CtlDirInJail, Type: "bind", Source: ctlDir,
			Options: []string{"bind", "rw", "nosuid", "nodev", "noexec"}},
		{Destination: InitInJail, Type: "bind", Source: initBinary,
			Options: []string{"bind", "ro", "nosuid", "nodev"}},
	}
	for _, m := range s.Mounts {
		typ, opts := m.Type, append([]string(nil), m.Options...)
		if typ == "bind" || typ == "nullfs" {
			typ = "bind"
			if !hasOpt(opts, "bind") && !hasOpt(opts, "rbind") {
				opts = append([]string{"rbind"}, opts...)
			}
			if !hasOpt(opts, "ro") && !hasOpt(opts, "rw") {
				opts = append(opts, "rw")
			}
		}
		mounts = append(mounts, specs.Mount{Destination: m.Destination, Type: typ, Source: m.Source, Options: opts})
	}
	noNewPrivs := false
	sp := &specs.Spec{
		Version: specs.Version,
		Process: &specs.Process{
			User: specs.User{UID: 0, GID: 0},
			Args: []string{InitInJail, "__init"},
			Env:  env,
			Cwd:  "/",
			Capabilities: &specs.LinuxCapabilities{
				Bounding: caps, Effective: caps, Permitted: caps,
			},
			Rlimits:         []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Hard: 1024, Soft: 1024}},
			NoNewPrivileges: noNewPrivs,
		},
		Root:     &specs.Root{Path: s.Root, Readonly: s.ReadOnly},
		Hostname: s.Hostname,
		Mounts:   mounts,
		Linux: &specs.Linux{
			CgroupsPath: s.CgroupPath,
			Namespaces:  nss,
			MaskedPaths: []string{"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
				"/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
				"/proc/sched_debug", "/sys/firmware", "/proc/scsi"},
			ReadonlyPaths: []string{"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
				"/proc/sysrq-trigger"},
			Resources: &specs.LinuxResources{
				Devices: []specs.LinuxDeviceCgroup{{Allow: false, Access: "rwm"}},
			},
		},
	}
	applyLimits(sp, s.Limits)
	if s.Net != nil {
		sp.Linux.Sysctl = map[string]string{"net.ipv4.ping_group_range": "0 2147483647"}
	}
	return sp, nil
}

func hasOpt(opts []string, o string) bool {
	for _, x := range opts {
		if strings.EqualFold(x, o) {
			return true
		}
	}
	return false
}
