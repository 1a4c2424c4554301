package runtime

import (
	"context"

	"net/netip"
	"os"
	"time"

	"github.com/cbsdgo/cbsd/internal/env"
	"github.com/cbsdgo/cbsd/internal/network"
	"github.com/cbsdgo/cbsd/internal/rctl"
)

// Mount is one filesystem made visible inside an environment.
type Mount struct {
	Source      string   `json:"source"`
	Destination string   `json:"destination"` // absolute, inside the environment
	Type        string   `json:"type"`        // "bind" for nullfs, or a filesystem type
	Options     []string `json:"options,omitempty"`
}

// Net is the network of a vnet environment.
type Net struct {
	Bridge  string         `json:"bridge"`
	Addrs   []netip.Prefix `json:"addrs"`
	Gateway netip.Addr     `json:"gateway"`
}

// Spec is everything a driver needs to start one environment.
type Spec struct {
	// Settings and Workdir are the environment itself, for drivers that
	// plan from CBSD's parameters directly (FreeBSD jail(8)).
	Settings *env.Env `json:"-"`
	Workdir  string   `json:"-"`
	Name     string   `json:"name"`
	Hostname string   `json:"hostname"`
	Root     string   `json:"root"`     // root filesystem
	ReadOnly bool     `json:"readonly"` // root mounted read-only (baserw=0)
	Mounts   []Mount  `json:"mounts"`
	Net      *Net     `json:"net,omitempty"` // nil = host network (vnet=0)
	// Aliases are the host addresses of a vnet=0 jail (ip4_addr with
	// interface != 0), there while it runs.
	Aliases     []network.Alias `json:"aliases,omitempty"`
	ExecStart   string          `json:"exec_start"`
	ExecStop    string          `json:"exec_stop"`
	Persist     bool            `json:"persist"`
	StopTimeout time.Duration   `json:"stop_timeout"`
	RawSockets  bool            `json:"raw_sockets"`
	Log         string          `json:"log"`         // console log file
	OwnerFile   string          `json:"owner"`       // ownership lock file
	OwnerStale  time.Duration   `json:"owner_stale"` // age after which a foreign lock file is stale
	OpLock      string          `json:"op_lock"`     // the environment's operation lock file
	Node        string          `json:"node"`        // this node's name
	OCIRuntime  string          `json:"oci_runtime"` // node setting oci_runtime: auto, runc or crun (Linux)
	Env         []string        `json:"env"`         // extra environment for init
	RunDir      string          `json:"run_dir"`     // driver state directory
	CgroupPath  string          `json:"cgroup"`      // /cbsd/<J>.<workdir tag> (workdir.Layout.Cgroup)
	Limits      rctl.Limits     `json:"limits"`      // RCTL limits (cgroups and rlimits on Linux)

	// OnPid, when set, is called by drivers that know the init's pid
	// before the start is complete (the start may still fail after it).
	OnPid func(pid int) `json:"-"`
}

// State is the truth about an environment as the runtime sees it.
type State struct {
	Running bool
	Pid     int // the environment's init, on the host
	Started time.Time
	Warning string // something the user should know about the start
}

// Process is a command run inside an environment.
type Process struct {
	Argv   []string
	Env    []string
	Dir    string
	User   string
	TTY    bool
	Stdin  *os.File
	Stdout *os.File
	Stderr *os.File
}

// Preparer is implemented by drivers that can get a start going (start a
// helper process, say) while the caller is still preparing it. The
// returned function releases what Prepare made if Start is not called.
type Preparer interface {
	Prepare(name, runDir string) (release func())
}

// StopOptions tune Stop.
type StopOptions struct {
	// Grace is how long the environment may take to shut down before it is
	// killed.
	Grace time.Duration
	// Hold, when set, is the caller's operation lock: the driver may keep
	// it held after Stop returns, until its own cleanup is complete, so the
	// caller need not wait for that cleanup while no other operation can
	// overlap it.
	Hold *os.File
}

// Driver runs environments of one kind on one platform.
//
// Start returns once the environment runs (or fails leaving nothing
// behind); Stop asks it to shut down and forces it after grace; State never
// trusts the inventory; Exec returns the exit code of the process.
type Driver interface {
	Name() string
	Start(ctx context.Context, s *Spec) (State, error)
	Stop(ctx context.Context, name, runDir string, opt StopOptions) error
	State(ctx context.Context, name, runDir string) (State, error)
	Exec(ctx context.Context, name, runDir string, p Process) (int, error)
	Cleanup(ctx context.Context, name, runDir string) error
}
