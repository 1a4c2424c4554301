//go:build linux

package testbed

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// Config describes a bed.
type Config struct {
	Nodes       int           // number of guests, node1..nodeN; default 1
	Image       ImageSpec     // what the guests carry besides the defaults
	MemoryMB    int           // per guest; default 512
	BootTimeout time.Duration // per boot of all nodes; default 2 minutes
	// Logf receives progress lines (image builds, boot times); Start
	// sets it to t.Logf when nil.
	Logf func(format string, args ...any)
}

func (c *Config) defaults() {
	if c.Nodes <= 0 {
		c.Nodes = 1
	}
	if c.MemoryMB <= 0 {
		c.MemoryMB = 512
	}
	if c.BootTimeout <= 0 {
		c.BootTimeout = 2 * time.Minute
	}
	if c.Logf == nil {
		c.Logf = func(string, ...any) {}
	}
}

// Bed is a set of booted guests on one private network.
type Bed struct {
	net   *network
	dir   string
	nodes []*Node
	once  sync.Once
}

// New builds (or reuses) the image, creates the network and boots all
// nodes in parallel. On failure everything already set up is torn down.
// The caller must Close the bed.
func New(ctx context.Context, cfg Config) (_ *Bed, err error) {
	cfg.defaults()
	img, err := BuildImage(ctx, cfg.Image, cfg.Logf)
	if err != nil {
		return nil, err
	}
	b := &Bed{}
	defer func() {
		if err != nil {
			b.Close()
		}
	}()
	if b.net, err = newNetwork(); err != nil {
		return nil, err
	}
	// short: the unix socket paths inside must stay under 108 bytes
	if b.dir, err = os.MkdirTemp("", "cbtb"); err != nil {
		return nil, err
	}
	hosts := make([]string, cfg.Nodes)
	for i := range cfg.Nodes {
		hosts[i] = fmt.Sprintf("node%d=%s", i+1, b.net.nodeAddr(i+1))
	}
	for i := 1; i <= cfg.Nodes; i++ {
		name := fmt.Sprintf("node%d", i)
		b.nodes = append(b.nodes, &Node{
			addr: b.net.nodeAddr(i),
			net:  b.net,
			spec: vmSpec{
				name: name, image: img, memoryMB: cfg.MemoryMB, dir: b.dir,
				tap: b.net.tapName(i), mac: b.net.nodeMAC(i),
				cmdline: []string{
					"console=ttyS0", "quiet", "panic=-1",
					"tb.name=" + name,
					"tb.ip=" + netip.PrefixFrom(b.net.nodeAddr(i), 24).String(),
					"tb.hosts=" + strings.Join(hosts, ","),
				},
			},
		})
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.BootTimeout)
	defer cancel()
	errs := make([]error, len(b.nodes))
	var wg sync.WaitGroup
	for i, n := range b.nodes {
		wg.Go(func() { errs[i] = n.boot(ctx) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	for _, n := range b.nodes {
		cfg.Logf("testbed: %s %s booted in %s (guest uptime %.2fs, kernel %s)",
			n.Name(), n.Addr(), n.BootTime().Round(time.Millisecond), n.hello.Uptime, n.hello.Kernel)
	}
	return b, nil
}

// Start is New for a test: it skips the test when the machine cannot run
// guests (not root, no QEMU, no kernel package), fails it on other errors,
// and closes the bed when the test ends, logging each guest's console
// first if the test failed.
func Start(t testing.TB, cfg Config) *Bed {
	t.Helper()
	Require(t)
	if cfg.Logf == nil {
		cfg.Logf = t.Logf
	}
	b, err := New(context.Background(), cfg)
	if errors.Is(err, ErrUnavailable) {
		t.Skipf("testbed: %v", err)
	}
	if err != nil {
		t.Fatalf("testbed: %v", err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			for _, n := range b.nodes {
				t.Logf("console of %s:\n%s", n.Name(), tail(n.Console(), 40))
			}
		}
		if err := b.Close(); err != nil {
			t.Errorf("testbed: %v", err)
		}
	})
	return b
}

// Node returns node i, counting from 1 like the names.
func (b *Bed) Node(i int) *Node { return b.nodes[i-1] }

// Nodes returns all nodes in order.
func (b *Bed) Nodes() []*Node { return b.nodes }

// Subnet is the guests' network, a /24.
func (b *Bed) Subnet() netip.Prefix { return b.net.Subnet() }

// HostAddr is the host's own address on the guests' network.
func (b *Bed) HostAddr() netip.Addr { return b.net.HostAddr() }

// Dir is the run directory with each node's sockets and logs.
func (b *Bed) Dir() string { return b.dir }

// Close kills every guest and removes the network and run directory.
func (b *Bed) Close() error {
	var err error
	b.once.Do(func() {
		for _, n := range b.nodes {
			if n.vm != nil {
				n.Kill()
			}
		}
		if b.net != nil {
			err = b.net.close()
		}
		if b.dir != "" {
			err = errors.Join(err, os.RemoveAll(b.dir))
		}
	})
	return err
}
