package qemu

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"

	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/cbsdgo/cbsd/internal/sys"

	"github.com/cbsdgo/cbsd/internal/lock"
	"github.com/cbsdgo/cbsd/internal/network"
	"github.com/cbsdgo/cbsd/internal/runtime/ctl"
	"github.com/digitalocean/go-qemu/qmp"
)

type state struct {
	Pid        int    `json:"pid"`
	PidStart   uint64 `json:"pid_start"`
	Supervisor int    `json:"supervisor"`
}

// RunSupervisor is "cbsd __vmsupervise <rundir>": it starts QEMU in the
// foreground as its child (QEMU inherits the ownership lock), reports to
// its parent on fd 3, serves stop requests and cleans up when QEMU exits.
func RunSupervisor(runDir string) int {
	out := os.NewFile(3, "report")
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	runner := sys.NewRunner(log)
	var sp Spec
	fail := func(err error) int {
		json.NewEncoder(out).Encode(ctl.Report{Error: err.Error()})
		out.Close()
		return 1
	}
	if err := ctl.ReadJSON(filepath.Join(runDir, planFile), &sp); err != nil {
		return fail(err)
	}
	stale := sp.OwnerStale
	if stale <= 0 {
		stale = 30 * time.Minute
	}
	owner, warning, err := lock.TakeOwnership(sp.OwnerFile, sp.Node, stale)
	if err != nil {
		return fail(err)
	}
	release := func() {
		os.Remove(sp.OwnerFile)
		owner.Close()
	}
	for i, n := range sp.VM.NICs {
		if err := network.SetupTap(n.Tap, n.Bridge, fmt.Sprintf("%s-nic%d", sp.VM.Name, i)); err != nil {
			removeTaps(sp.VM.NICs)
			release()
			return fail(err)
		}
	}
	rel := release
	release = func() { removeTaps(sp.VM.NICs); rel() }
	argv := sp.VM.Argv()
	var mu sync.Mutex
	var proc *os.Process // the current QEMU
	// run starts QEMU and waits until QMP answers.
	run := func() (*exec.Cmd, chan error, error) {
		os.Remove(sp.VM.QMPSock)
		os.Remove(sp.VM.ConsoleSock)
		cmd, err := runner.StartChild(sys.Cmd{Argv: argv, Stdout: os.Stderr, Stderr: os.Stderr, // the supervisor's log
			ExtraFiles: []*os.File{owner}}) // QEMU holds the lock while it runs
		if err != nil {
			return nil, nil, err
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		deadline := time.Now().Add(30 * time.Second)
		for {
			if m, err := qmpConnect(sp.VM.QMPSock); err == nil {
				m.Disconnect()
				break
			}
			select {
			case err := <-exited:
				return nil, nil, fmt.Errorf("qemu exited during start: %v (see %s)", err, sp.Log)
			case <-time.After(20 * time.Millisecond):
			}
			if time.Now().After(deadline) {
				cmd.Process.Kill()
				<-exited
				return nil, nil, fmt.Errorf("qemu did not open its QMP socket in 30s (see %s)", sp.Log)
			}
		}
		pid := cmd.Process.Pid
		_, start, _ := ctl.ProcInfo(pid)
		if err := ctl.WriteJSON(filepath.Join(runDir, stateFile), state{Pid: pid, PidStart: start, Supervisor: os.Getpid()}); err != nil {
			cmd.Process.Kill()
			<-exited
			return nil, nil, err
		}
		mu.Lock()
		proc = cmd.Process
		mu.Unlock()
		return cmd, exited, nil
	}
	cmd, exited, err := run()
	if err != nil {
		release()
		return fail(err)
	}
	ln, err := ctl.Listen(filepath.Join(runDir, supSockName))
	if err != nil {
		cmd.Process.Kill()
		<-exited
		release()
		return fail(err)
	}
	json.NewEncoder(out).Encode(ctl.Report{Pid: cmd.Process.Pid, Warning: warning})
	out.Close()

	var stoppers []*net.UnixConn
	go func() {
		for {
			c, err := ln.AcceptUnix()
			if err != nil {
				return
			}
			m, fs, err := ctl.Recv(c)
			for _, f := range fs {
				f.Close()
			}
			if err != nil || m.Op != "stop" {
				c.Close()
				continue
			}
			mu.Lock()
			first := len(stoppers) == 0
			stoppers = append(stoppers, c)
			p := proc
			mu.Unlock()
			if first {
				go powerdown(sp.VM.QMPSock, p, time.Duration(m.Grace)*time.Millisecond, log)
			}
		}
	}()
	var code int
	var restarts []time.Time
	for {
		err = <-exited
		code = cmd.ProcessState.ExitCode()
		mu.Lock()
		stopping := len(stoppers) > 0
		mu.Unlock()
		policy := sp.OnPoweroff
		if code != 0 {
			policy = sp.OnCrash
		}
		if stopping || policy != "restart" {
			break
		}
		// A guest that keeps dying is not restarted forever.
		now := time.Now()
		restarts = append(restarts, now)
		if len(restarts) > 10 && now.Sub(restarts[len(restarts)-11]) < time.Minute {
			log.Warn("vm restarted 10 times in a minute; giving up", "vm", sp.VM.Name)
			break
		}
		log.Info("vm ended by itself; restarting", "vm", sp.VM.Name, "status", code)
		if cmd, exited, err = run(); err != nil {
			log.Warn("restart failed", "vm", sp.VM.Name, "err", err)
			break
		}
	}
	ln.Close()
	release()
	// A bstart that came first may already run a new QEMU for this VM.
	var cur state
	if ctl.ReadJSON(filepath.Join(runDir, stateFile), &cur) != nil || cur.Supervisor == os.Getpid() {
		os.Remove(filepath.Join(runDir, stateFile))
		os.Remove(filepath.Join(runDir, supSockName))
		os.Remove(sp.VM.QMPSock)
		os.Remove(sp.VM.ConsoleSock)
	}
	mu.Lock()
	for _, c := range stoppers {
		ctl.Send(c, &ctl.Message{Exit: &code})
		c.Close()
	}
	mu.Unlock()
	log.Info("vm exited", "vm", sp.VM.Name, "status", code, "err", err)
	return 0
}

// powerdown presses the ACPI power button, again every few seconds (a
// guest still booting may miss the first press; CBSD's double_acpi), then
// quits QEMU when grace has passed and kills it if even that is ignored.
func powerdown(sock string, p *os.Process, grace time.Duration, log *slog.Logger) {
	deadline := time.Now().Add(grace)
	for time.Now().Before(deadline) {
		if err := qmpRun(sock, `{"execute":"system_powerdown"}`); err != nil {
			return // QMP gone: QEMU is exiting
		}
		wait := 3 * time.Second
		if left := time.Until(deadline); left < wait {
			wait = left
		}
		time.Sleep(wait)
	}
	log.Warn("guest ignored the ACPI power-down; quitting QEMU", "grace", grace)
	if err := qmpRun(sock, `{"execute":"quit"}`); err != nil {
		p.Signal(syscall.SIGTERM)
	}
	time.Sleep(5 * time.Second)
	p.Kill()
}

func removeTaps(nics []NIC) {
	for _, n := range nics {
		network.RemoveLink(n.Tap)
	}
}

func qmpConnect(sock string) (*qmp.SocketMonitor, error) {
	m, err := qmp.NewSocketMonitor("unix", sock, 2*time.Second)
	if err != nil {
		return nil, err
	}
	if err := m.Connect(); err != nil {
		return nil, err
	}
	return m, nil
}

func qmpRun(sock, cmd string) error {
	m, err := qmpConnect(sock)
	if err != nil {
		return err
	}
	defer m.Disconnect()
	_, err = m.Run([]byte(cmd))
	return err
}
