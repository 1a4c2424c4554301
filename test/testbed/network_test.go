//go:build linux

package testbed

import (
	"os"
	"sync"
	"testing"

	"github.com/vishvananda/netlink"
)

// TestNetworksDoNotClash creates networks concurrently, as parallel beds
// would, and checks they get distinct subnets and leave nothing behind.
func TestNetworksDoNotClash(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to create bridges")
	}
	nets := make([]*network, 4)
	errs := make([]error, len(nets))
	var wg sync.WaitGroup
	for i := range nets {
		wg.Go(func() { nets[i], errs[i] = newNetwork() })
	}
	wg.Wait()
	for i, n := range nets {
		if errs[i] != nil {
			t.Error(errs[i])
			continue
		}
		name := n.bridgeName()
		t.Cleanup(func() {
			if err := n.close(); err != nil {
				t.Error(err)
			}
			if _, err := netlink.LinkByName(name); err == nil {
				t.Errorf("bridge %s still exists after close", name)
			}
		})
	}
	seen := map[string]bool{}
	for _, n := range nets {
		if n == nil {
			continue
		}
		if s := n.Subnet().String(); seen[s] {
			t.Errorf("subnet %s handed out twice", s)
		} else {
			seen[s] = true
		}
	}
}
