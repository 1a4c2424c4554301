package oci

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cbsdgo/cbsd/internal/runtime/ctl"

	"github.com/cbsdgo/cbsd/internal/lock"
	"github.com/cbsdgo/cbsd/internal/network"
	"github.com/cbsdgo/cbsd/internal/sys"
	"golang.org/x/sys/unix"
)

// RunSupervisor is "cbsd __supervise <rundir>": it starts the jail, tells
// its parent (fd 3) how that went, then stays until the jail's init exits.
func RunSupervisor(runDir string) int {
	out := os.NewFile(3, "report")
	// While jstart reads the inventory: signal handling set up now is not
	// on the start's path later.
	sigchld := notifyChild()
	go warmDecoders()
	// Wait until jstart has written the plan (EOF: the start was called off).
	if n, _ := os.NewFile(4, "go").Read(make([]byte, 1)); n == 0 {
		return 0
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	s := &supervisor{runDir: runDir, log: log, run: sys.NewRunner(log), sigchld: sigchld, report: out}
	pid, err := s.start()
	if err != nil {
		json.NewEncoder(out).Encode(ctl.Report{Error: err.Error()})
		out.Close()
		return 1
	}
	json.NewEncoder(out).Encode(ctl.Report{Pid: pid, Warning: s.warning})
	out.Close()
	return s.wait()
}

type supervisor struct {
	runDir  string
	log     *slog.Logger
	run     *sys.Runner
	p       plan
	owner   *os.File
	pid     int
	reaper  *reaper
	sigchld chan os.Signal
	report  *os.File        // to jstart
	aliases []network.Alias // host addresses added for the jail
	ln      *net.UnixListener
	exited  chan int
	warning string

	mu       sync.Mutex
	stopping bool
	stoppers []stopper
}

func (s *supervisor) start() (pid int, err error) {
	if err := ctl.ReadJSON(filepath.Join(s.runDir, planFile), &s.p); err != nil {
		return 0, fmt.Errorf("read plan: %w", err)
	}
	sp := &s.p.Spec
	// From here on this process writes to the jail's console log.
	if logf, err := os.OpenFile(sp.Log, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640); err == nil {
		unix.Dup3(int(logf.Fd()), 1, 0)
		unix.Dup3(int(logf.Fd()), 2, 0)
		logf.Close()
	}
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		return 0, fmt.Errorf("become subreaper: %w", err)
	}
	stale := sp.OwnerStale
	if stale <= 0 {
		stale = 30 * time.Minute
	}
	s.owner, s.warning, err = lock.TakeOwnership(sp.OwnerFile, sp.Node, stale)
	if err != nil {
		return 0, err
	}
	ctx := context.Background()
	execPath := filepath.Join(ctlDir(s.runDir), ExecSockName)
	cleanup := func() {
		s.p.Runtime.Delete(ctx, s.run, s.p.ID)
		os.Remove(execPath) // bound here before the runtime ran
		s.removeAliases()
		s.release()
	}
	// A vnet=0 jail's host addresses are there before its processes start.
	for _, a := range sp.Aliases {
		a, err := network.AddAlias(a)
		if err != nil {
			cleanup()
			return 0, fmt.Errorf("ip4_addr: %w", err)
		}
		s.aliases = append(s.aliases, a)
	}
	goR, goW, err := os.Pipe()
	if err != nil {
		cleanup()
		return 0, err
	}
	defer goW.Close()
	// The exec socket is bound here and handed to the init: a jexec right
	// after jstart connects at once and waits in the backlog until the
	// init (still starting) accepts it.
	execLn, err := ctl.Listen(execPath)
	if err != nil {
		cleanup()
		return 0, fmt.Errorf("exec socket: %w", err)
	}
	execSock, err := execLn.File()
	execLn.Close()
	if err != nil {
		cleanup()
		return 0, fmt.Errorf("exec socket: %w", err)
	}
	rtLog := filepath.Join(s.runDir, rtLogFile)
	os.Remove(rtLog)
	argv := []string{s.p.Runtime.Path, "--root", s.p.Runtime.Root, "--log", rtLog,
		"run", "-d", "--pid-file", filepath.Join(s.runDir, pidFile), "--preserve-fds", "3",
		"-b", s.runDir, s.p.ID}
	_, err = s.run.Run(ctx, sys.Cmd{Argv: argv, Stdout: os.Stdout, Stderr: os.Stderr, Timeout: 2 * time.Minute,
		ExtraFiles: []*os.File{s.owner, goR, execSock}})
	goR.Close()
	execSock.Close() // the init's copy is the only one: when it dies, connects fail
	if err != nil {
		cleanup()
		return 0, fmt.Errorf("%s run: %s", s.p.Runtime.Name, runtimeError(rtLog, err))
	}
	b, err := os.ReadFile(filepath.Join(s.runDir, pidFile))
	if err == nil {
		s.pid, err = strconv.Atoi(strings.TrimSpace(string(b)))
	}
	if err != nil {
		cleanup()
		return 0, fmt.Errorf("read init pid: %w", err)
	}
	// jstart records the pid while the start is completed.
	json.NewEncoder(s.report).Encode(ctl.Report{Pid: s.pid, Pending: true})
	s.reaper = newReaperOn(s.sigchld)
	exited := s.reaper.watch(s.pid)
	abort := func(err error) (int, error) {
		unix.Kill(s.pid, unix.SIGKILL)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
		}
		s.reaper.close()
		network.RemoveVeth(sp.Name)
		cleanup()
		return 0, err
	}
	if sp.Net != nil {
		cfg := network.VethConfig{Jname: sp.Name, Bridge: sp.Net.Bridge, Pid: s.pid,
			Addrs: sp.Net.Addrs, Gateway: sp.Net.Gateway}
		if err := network.SetupVeth(cfg); err != nil {
			return abort(fmt.Errorf("network: %w", err))
		}
	}
	if _, err := goW.Write([]byte("g")); err != nil {
		return abort(fmt.Errorf("jail init died during the start (see %s)", sp.Log))
	}
	_, start, _ := ctl.ProcInfo(s.pid)
	st := state{Pid: s.pid, PidStart: start, Supervisor: os.Getpid(), Started: time.Now(),
		Runtime: s.p.Runtime, ID: s.p.ID, Aliases: s.aliases}
	if err := ctl.WriteJSON(filepath.Join(s.runDir, stateFile), st); err != nil {
		return abort(err)
	}
	if s.ln, err = ctl.Listen(filepath.Join(s.runDir, supSockName)); err != nil {
		return abort(err)
	}
	s.exited = exited
	return s.pid, nil
}

func runtimeError(logPath string, err error) string {
	b, _ := os.ReadFile(logPath)
	var msgs []string
	for _, line := range strings.Split(string(b), "\n") {
		if i := strings.Index(line, `msg="`); i >= 0 && strings.Contains(line, "level=error") {
			m := line[i+5:]
			if j := strings.LastIndex(m, `"`); j >= 0 {
				m = m[:j]
			}
			msgs = append(msgs, strings.ReplaceAll(m, `\"`, `"`))
		} else if strings.HasPrefix(line, "{") && strings.Contains(line, `"error"`) {
			var v struct{ Msg string }
			if json.Unmarshal([]byte(line), &v) == nil && v.Msg != "" {
				msgs = append(msgs, v.Msg)
			}
		}
	}
	if len(msgs) > 0 {
		return strings.Join(msgs, "; ")
	}
	return err.Error()
}

func (s *supervisor) release() {
	if s.owner != nil {
		os.Remove(s.p.Spec.OwnerFile)
		s.owner.Close()
		s.owner = nil
	}
}

// wait serves stop requests until the jail's init exits, then cleans up.
// Stoppers are answered as soon as the jail is gone; the operation locks
// they handed over stay held until the runtime's state is removed too.
// stopper is a jstop waiting for the jail to go. One that handed over its
// operation lock is answered as soon as the jail is gone; others after the
// whole cleanup.
type stopper struct {
	c    *net.UnixConn
	held []*os.File
}

func (s *supervisor) wait() int {
	go s.serve()
	go s.touchOwner()
	code := <-s.exited
	s.ln.Close()
	s.mu.Lock()
	stoppers := s.stoppers
	s.mu.Unlock()
	// A jstop that handed its operation lock over hears once the jail's
	// network device is gone: the rest is done under that lock, which
	// whatever it runs next waits for.
	var held []*os.File
	for _, st := range stoppers {
		if len(st.held) > 0 {
			if held == nil {
				if s.p.Spec.Net != nil {
					network.RemoveVeth(s.p.Spec.Name)
				}
				s.removeAliases()
			}
			ctl.Send(st.c, &ctl.Message{Exit: &code})
			st.c.Close()
			held = append(held, st.held...)
		}
	}
	s.reaper.close()
	// The jail is gone: nothing of it runs on the (maybe shared) storage.
	s.release()
	// A jail that died on its own is cleaned up under its operation lock
	// (a jstop waiting for us holds it already, or handed it over).
	if len(stoppers) == 0 && s.p.Spec.OpLock != "" {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		if ol, err := lock.Acquire(ctx, s.p.Spec.OpLock); err == nil {
			defer ol.Release()
		}
		cancel()
	}
	// A jstart that came first has cleaned up and started a new jail with
	// this name: its state is not ours to remove.
	var cur state
	mine := ctl.ReadJSON(filepath.Join(s.runDir, stateFile), &cur) != nil || cur.Supervisor == os.Getpid()
	if mine {
		for _, f := range []string{stateFile, pidFile, supSockName} {
			os.Remove(filepath.Join(s.runDir, f))
		}
		os.WriteFile(filepath.Join(s.runDir, exitFile), []byte(strconv.Itoa(code)+"\n"), 0o644)
		if s.p.Spec.Net != nil {
			network.RemoveVeth(s.p.Spec.Name) // quick, and visible to other tools
		}
		s.removeAliases()
	}
	if mine {
		if err := s.p.Runtime.Delete(context.Background(), s.run, s.p.ID); err != nil {
			s.log.Warn("runtime delete", "jail", s.p.Spec.Name, "err", err)
		} else {
			os.Remove(filepath.Join(s.runDir, planFile)) // nothing left for Cleanup to delete
		}
	}
	for _, st := range stoppers {
		if len(st.held) == 0 {
			ctl.Send(st.c, &ctl.Message{Exit: &code})
			st.c.Close()
		}
	}
	for _, f := range held {
		f.Close()
	}
	s.log.Info("jail exited", "jail", s.p.Spec.Name, "status", code)
	return 0
}

// OwnerRefresh is how often the ownership file's time stamp is renewed, so
// other nodes can tell a live owner from a stale file (CBSD's cbsdd does it
// every ~5 minutes and treats 30 minutes as stale).
const OwnerRefresh = 5 * time.Minute

func (s *supervisor) touchOwner() {
	t := time.NewTicker(OwnerRefresh)
	defer t.Stop()
	for range t.C {
		now := time.Now()
		os.Chtimes(s.p.Spec.OwnerFile, now, now)
	}
}

func (s *supervisor) serve() {
	for {
		c, err := s.ln.AcceptUnix()
		if err != nil {
			return
		}
		m, fs, err := ctl.Recv(c)
		if err != nil || m.Op != "stop" {
			for _, f := range fs {
				f.Close()
			}
			c.Close()
			continue
		}
		s.mu.Lock()
		s.stoppers = append(s.stoppers, stopper{c: c, held: fs})
		first := !s.stopping
		s.stopping = true
		s.mu.Unlock()
		if first {
			grace := time.Duration(m.Grace) * time.Millisecond
			unix.Kill(s.pid, unix.SIGTERM)
			go func() {
				time.Sleep(grace)
				unix.Kill(s.pid, unix.SIGKILL)
			}()
		}
	}
}

// removeAliases takes the host addresses it added for the jail off again.
func (s *supervisor) removeAliases() {
	for _, a := range s.aliases {
		network.RemoveAlias(a)
	}
	s.aliases = nil
}
