package bhyve

import "testing"

func TestNext(t *testing.T) {
	cases := []struct {
		exit                          int
		onReboot, onPoweroff, onCrash string
		restart                       bool
		reason                        string
	}{
		{0, "restart", "destroy", "destroy", true, "rebooted"},
		{0, "destroy", "restart", "restart", false, "rebooted"},
		{0, "bogus", "destroy", "destroy", true, "rebooted"}, // CBSD's default
		{1, "restart", "destroy", "restart", false, "powered off"},
		{1, "destroy", "restart", "destroy", true, "powered off"},
		{1, "restart", "bogus", "destroy", false, "powered off"},
		{2, "restart", "restart", "destroy", false, "halted"},
		{2, "destroy", "destroy", "restart", true, "halted"},
		{3, "restart", "restart", "restart", true, "triple fault"},
		{3, "restart", "restart", "destroy", false, "triple fault"},
		{4, "restart", "restart", "restart", true, "exited due to an error"},
		{4, "restart", "restart", "bogus", false, "exited due to an error"},
		{7, "restart", "restart", "restart", true, "exited with unknown status 7"},
		{-1, "restart", "restart", "destroy", false, "killed by a signal"},
	}
	for _, c := range cases {
		restart, reason := Next(c.exit, c.onReboot, c.onPoweroff, c.onCrash)
		if restart != c.restart || reason != c.reason {
			t.Errorf("Next(%d, %s, %s, %s) = %v %q; want %v %q", c.exit, c.onReboot, c.onPoweroff, c.onCrash, restart, reason, c.restart, c.reason)
		}
	}
}
