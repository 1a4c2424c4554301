//go:build linux

package testbed

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/cbsdgo/cbsd/test/testbed/internal/wire"
)

// Node is one guest of a Bed.
type Node struct {
	spec     vmSpec
	addr     netip.Addr
	net      *network
	vm       *vm
	agent    *agentClient
	bootTime time.Duration
	hello    *wire.Hello
}

// Cmd is a command to run in a guest. Argv[0] is looked up in the
// guest's PATH; Env entries are added to the agent's environment.
type Cmd struct {
	Argv  []string
	Env   []string
	Dir   string
	Stdin []byte
}

// Result is what a command left behind. Exit is 128+N when signal N
// ended it.
type Result struct {
	Stdout, Stderr []byte
	Exit           int
}

// Name is the node's hostname: node1, node2, ...
func (n *Node) Name() string { return n.spec.name }

// Addr is the node's address on the bed's network.
func (n *Node) Addr() netip.Addr { return n.addr }

// BootTime is the time from spawning QEMU to the agent's greeting.
func (n *Node) BootTime() time.Duration { return n.bootTime }

// Exec runs c in the guest and waits for it. A non-zero exit is not an
// error; an error means the command could not be run or the node is down
// (ErrNodeDown). When ctx ends the command's process group is killed.
func (n *Node) Exec(ctx context.Context, c Cmd) (Result, error) {
	if n.agent == nil || !n.vm.alive() {
		return Result{}, fmt.Errorf("%s: %w", n.Name(), ErrNodeDown)
	}
	resp, err := n.agent.call(ctx, wire.Request{Argv: c.Argv, Env: c.Env, Dir: c.Dir, Stdin: c.Stdin})
	if err != nil {
		return Result{}, fmt.Errorf("%s: %q: %w", n.Name(), c.Argv, err)
	}
	res := Result{Stdout: resp.Stdout, Stderr: resp.Stderr, Exit: resp.Exit}
	if resp.Error != "" {
		return res, fmt.Errorf("%s: %q: %s", n.Name(), c.Argv, resp.Error)
	}
	return res, nil
}

// Run runs argv in the guest and returns its standard output and exit
// code; standard error is dropped (use Exec to see it).
func (n *Node) Run(ctx context.Context, argv ...string) (stdout string, exit int, err error) {
	res, err := n.Exec(ctx, Cmd{Argv: argv})
	return string(res.Stdout), res.Exit, err
}

// Sh runs script with sh -c and returns its standard output. It fails the
// test when the script cannot run, exits non-zero or takes over a minute.
func (n *Node) Sh(t testing.TB, script string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := n.Exec(ctx, Cmd{Argv: []string{"sh", "-c", script}})
	if err != nil || res.Exit != 0 {
		t.Fatalf("%s: sh -c %q: exit %d, %v\nstdout: %s\nstderr: %s", n.Name(), script, res.Exit, err, res.Stdout, res.Stderr)
	}
	return string(res.Stdout)
}

// WriteFile writes data to path in the guest with mode perm.
func (n *Node) WriteFile(ctx context.Context, path string, data []byte, perm os.FileMode) error {
	res, err := n.Exec(ctx, Cmd{
		Argv:  []string{"sh", "-c", `cat > "$1" && chmod "$2" "$1"`, "sh", path, fmt.Sprintf("%o", perm.Perm())},
		Stdin: data,
	})
	if err == nil && res.Exit != 0 {
		err = fmt.Errorf("%s: write %s: exit %d: %s", n.Name(), path, res.Exit, strings.TrimSpace(string(res.Stderr)))
	}
	return err
}

// Alive reports whether the node's QEMU is still running.
func (n *Node) Alive() bool { return n.vm.alive() }

// Kill stops the node at once, as a power cut would: QEMU gets SIGKILL.
func (n *Node) Kill() {
	n.vm.kill()
	if n.agent != nil {
		_ = n.agent.close()
	}
}

// Isolate cuts the node off the network: its tap leaves the bridge. The
// guest sees no link change; its packets just go nowhere.
func (n *Node) Isolate() error { return n.net.detach(n.spec.tap) }

// Reconnect puts an isolated node back on the network.
func (n *Node) Reconnect() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return n.net.attach(ctx, n.spec.tap)
}

// Console returns what the guest wrote to its serial console so far.
func (n *Node) Console() string {
	b, _ := os.ReadFile(n.spec.consoleLog())
	return string(b)
}

// ConsoleSocket is the unix socket of the guest's serial console, where a
// shell runs (socat -,raw,echo=0 UNIX-CONNECT:path).
func (n *Node) ConsoleSocket() string { return n.spec.consoleSock() }

// boot starts the node's QEMU, joins its tap to the bridge and waits for
// the agent's greeting.
func (n *Node) boot(ctx context.Context) error {
	start := time.Now()
	v, err := startVM(n.spec)
	if err != nil {
		return err
	}
	n.vm = v
	if err := n.net.attach(ctx, n.spec.tap); err != nil {
		return n.bootError(err)
	}
	if n.agent, err = dialAgent(ctx, n.spec.agentSock(), v.done); err != nil {
		return n.bootError(err)
	}
	select {
	case n.hello = <-n.agent.hello:
		n.bootTime = time.Since(start)
		return nil
	case <-v.done:
		return n.bootError(fmt.Errorf("qemu exited: %v", v.err))
	case <-ctx.Done():
		return n.bootError(ctx.Err())
	}
}

func (n *Node) bootError(err error) error {
	qemu, _ := os.ReadFile(n.spec.qemuLog())
	return fmt.Errorf("boot %s: %w\nqemu: %s\nconsole:\n%s", n.Name(), err, strings.TrimSpace(string(qemu)), tail(n.Console(), 30))
}

func tail(s string, lines int) string {
	l := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(l) > lines {
		l = l[len(l)-lines:]
	}
	return strings.Join(l, "\n")
}
