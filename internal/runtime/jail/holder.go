package jail

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/cbsdgo/cbsd/internal/lock"
	"github.com/cbsdgo/cbsd/internal/runtime/ctl"
	"github.com/cbsdgo/cbsd/internal/sys"
)

// A jail(8) jail has no process of cbsd's that lives as long as it does,
// so a small holder process ("cbsd __jailhold") takes the environment's
// ownership lock before the jail is created and keeps it until the jail is
// gone: no other node can start the same environment meanwhile.

// holdPoll is how often the holder looks for its jail.
const holdPoll = 2 * time.Second

// holdGrace is how long the holder waits for its jail to appear.
const holdGrace = 10 * time.Minute

// HolderArgv is the holder's command line.
func HolderArgv(self, owner, node string, stale time.Duration, name string) []string {
	return []string{self, "__jailhold", owner, node, strconv.Itoa(int(stale.Seconds())), name}
}

// hold takes the ownership lock on owner for node, reports the outcome,
// then keeps the lock while alive says the jail exists. It returns once the
// jail was seen and is gone, or was not seen within grace, or ctx ends.
func hold(ctx context.Context, owner, node string, stale time.Duration, alive func() bool, poll, grace time.Duration, report func(ctl.Report)) error {
	f, warning, err := lock.TakeOwnership(owner, node, stale)
	if err != nil {
		report(ctl.Report{Error: err.Error()})
		return err
	}
	defer func() {
		os.Remove(owner)
		f.Close()
	}()
	report(ctl.Report{Pid: os.Getpid(), Warning: warning})
	seen := false
	deadline := time.Now().Add(grace)
	for {
		up := alive()
		switch {
		case up:
			seen = true
		case seen:
			return nil // the jail is gone
		case time.Now().After(deadline):
			return fmt.Errorf("jail did not appear within %s", grace)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(poll):
		}
	}
}

// RunHolder is "cbsd __jailhold <owner> <node> <stale seconds> <jname>":
// it reports to its parent on fd 3 and holds the lock while jls(8) finds
// the jail.
func RunHolder(args []string) int {
	if len(args) != 4 {
		return 2
	}
	out := os.NewFile(3, "report")
	stale, _ := strconv.Atoi(args[2])
	run := sys.NewRunner(nil)
	name := args[3]
	alive := func() bool {
		b, err := run.Run(context.Background(), sys.Cmd{Argv: []string{"jls", "-j", name, "jid"}, Timeout: 10 * time.Second})
		return err == nil && strings.TrimSpace(string(b)) != ""
	}
	err := hold(context.Background(), args[0], args[1], time.Duration(stale)*time.Second, alive, holdPoll, holdGrace,
		func(r ctl.Report) { json.NewEncoder(out).Encode(r); out.Close() })
	if err != nil {
		return 1
	}
	return 0
}
