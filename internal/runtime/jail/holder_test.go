//go:build linux

package jail

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/cbsdgo/cbsd/internal/errdefs"
	"github.com/cbsdgo/cbsd/internal/lock"
	"github.com/cbsdgo/cbsd/internal/runtime"
	"github.com/cbsdgo/cbsd/internal/runtime/ctl"
	"github.com/cbsdgo/cbsd/internal/sys"
)

// TestHold: the holder keeps the lock while the jail exists (another node
// is refused), releases it once the jail is gone, and gives up on a jail
// that never appears.
func TestHold(t *testing.T) {
	owner := filepath.Join(t.TempDir(), "locked")
	var up atomic.Int32 // 0 not yet, 1 running, 2 gone
	alive := func() bool { return up.Load() == 1 }
	reports := make(chan ctl.Report, 1)
	done := make(chan error, 1)
	go func() {
		done <- hold(context.Background(), owner, "node1", time.Hour, alive, 5*time.Millisecond, time.Minute,
			func(r ctl.Report) { reports <- r })
	}()
	if r := <-reports; r.Error != "" || r.Pid != os.Getpid() {
		t.Fatalf("report %+v", r)
	}
	up.Store(1)
	time.Sleep(30 * time.Millisecond)
	if _, _, err := lock.TakeOwnership(owner, "node2", time.Hour); !errors.Is(err, errdefs.ErrLocked) {
		t.Fatalf("node2 took a held lock: %v", err)
	}
	up.Store(2)
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("holder kept running after the jail was gone")
	}
	f, _, err := lock.TakeOwnership(owner, "node2", time.Hour)
	if err != nil {
		t.Fatalf("lock not released: %v", err)
	}
	f.Close()
	// Never appears: the holder gives up.
	err = hold(context.Background(), filepath.Join(t.TempDir(), "l"), "n", time.Hour, func() bool { return false },
		time.Millisecond, 20*time.Millisecond, func(ctl.Report) {})
	if err == nil || !strings.Contains(err.Error(), "did not appear") {
		t.Fatalf("err = %v", err)
	}
}

// fakeSpawn answers with a canned report and a real, harmless process.
type fakeSpawn struct {
	argv []string
	rep  ctl.Report
	proc *os.Process
	pid  int // proc.Pid before anyone releases proc
}

func (f *fakeSpawn) Spawn(d sys.Daemon) (*os.Process, error) {
	f.argv = d.Argv
	json.NewEncoder(d.ExtraFiles[0]).Encode(f.rep)
	cmd := exec.Command("sleep", "60")
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	go cmd.Wait()
	f.proc, f.pid = cmd.Process, cmd.Process.Pid
	return cmd.Process, nil
}

// TestDriverOwnership: the holder is started before the plan; a lock held
// elsewhere stops the start before any command runs; a failed plan kills
// the holder.
func TestDriverOwnership(t *testing.T) {
	w := t.TempDir()
	spec := func() *runtime.Spec {
		e := jail("web1", map[string]string{"arch": "amd64"})
		return &runtime.Spec{Settings: e, Workdir: w, Name: "web1", OwnerFile: w + "/locked", Node: "node1", OwnerStale: time.Hour}
	}
	// Locked elsewhere.
	r := &recorder{}
	sp := &fakeSpawn{rep: ctl.Report{Error: "locked by node2 (it holds the lock on x)"}}
	_, err := (&Driver{Run: r, Self: "/usr/local/bin/cbsd", Spawn: sp}).Start(context.Background(), spec())
	if !errors.Is(err, errdefs.ErrLocked) || len(r.calls) != 0 {
		t.Fatalf("err %v, calls %v", err, r.calls)
	}
	if strings.Join(sp.argv, " ") != "/usr/local/bin/cbsd __jailhold "+w+"/locked node1 3600 web1" {
		t.Fatalf("holder argv %v", sp.argv)
	}
	syscall.Kill(sp.pid, syscall.SIGKILL)
	// Held; the plan fails at jail -c: the holder is killed.
	r = &recorder{failOn: "jail -f"}
	sp = &fakeSpawn{rep: ctl.Report{Pid: 1, Warning: "taking over"}}
	if _, err := (&Driver{Run: r, Self: "/cbsd", Spawn: sp}).Start(context.Background(), spec()); err == nil {
		t.Fatal("start succeeded")
	}
	pid := sp.pid
	if pid <= 1 {
		t.Fatalf("pid %d", pid)
	}
	waitGone := time.Now().Add(5 * time.Second)
	for running(pid) {
		if time.Now().After(waitGone) {
			syscall.Kill(pid, syscall.SIGKILL)
			t.Fatal("holder still running after a failed start")
		}
		time.Sleep(10 * time.Millisecond)
	}
	// Held; the start works and passes the warning on.
	r = &recorder{out: map[string]string{"jls -j web1 jid": "3\n"}}
	sp = &fakeSpawn{rep: ctl.Report{Pid: 1, Warning: "taking over from node2"}}
	st, err := (&Driver{Run: r, Self: "/cbsd", Spawn: sp}).Start(context.Background(), spec())
	if err != nil || !st.Running || st.Warning != "taking over from node2" {
		t.Fatalf("start %+v %v", st, err)
	}
	syscall.Kill(sp.pid, syscall.SIGKILL)
}

// running reports whether pid is a live process (not gone, not a zombie).
func running(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	i := strings.LastIndexByte(string(b), ')')
	return i > 0 && len(b) > i+2 && b[i+2] != 'Z'
}
