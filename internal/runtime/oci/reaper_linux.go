package oci

import (
	"os"
	"os/signal"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// reaper collects every child's exit status with wait4(-1), the job of a
// subreaper or of PID 1. Processes it should report on are started through
// start, which registers them before any exit can be dispatched.
type reaper struct {
	mu      sync.Mutex
	waiters map[int]chan int
	early   map[int]int
	sig     chan os.Signal
	stop    chan struct{}
	done    chan struct{}
}

func newReaper() *reaper { return newReaperOn(notifyChild()) }

// notifyChild subscribes to SIGCHLD. Only a reaper waits for children: a
// process may subscribe early (the first subscription starts Go's signal
// handling, which takes a while) and reap later, once it has collected
// the children it waits for itself.
func notifyChild() chan os.Signal {
	sig := make(chan os.Signal, 16)
	signal.Notify(sig, syscall.SIGCHLD)
	return sig
}

// newReaperOn starts reaping, woken by sig (notifyChild's).
func newReaperOn(sig chan os.Signal) *reaper {
	r := &reaper{waiters: map[int]chan int{}, early: map[int]int{},
		sig: sig, stop: make(chan struct{}), done: make(chan struct{})}
	go r.loop()
	return r
}

func (r *reaper) loop() {
	defer close(r.done)
	r.reap()
	for {
		select {
		case <-r.sig:
			r.reap()
		case <-r.stop:
			return
		}
	}
}

func (r *reaper) reap() {
	for {
		var ws unix.WaitStatus
		pid, err := unix.Wait4(-1, &ws, unix.WNOHANG, nil)
		if pid <= 0 || err != nil {
			return
		}
		code := ws.ExitStatus()
		if ws.Signaled() {
			code = 128 + int(ws.Signal())
		}
		r.mu.Lock()
		if ch, ok := r.waiters[pid]; ok {
			delete(r.waiters, pid)
			ch <- code
		} else {
			r.early[pid] = code
		}
		r.mu.Unlock()
	}
}

// watch returns a channel that receives pid's exit code.
func (r *reaper) watch(pid int) chan int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.register(pid)
}

// register needs r.mu held.
func (r *reaper) register(pid int) chan int {
	ch := make(chan int, 1)
	if code, ok := r.early[pid]; ok {
		delete(r.early, pid)
		ch <- code
	} else {
		r.waiters[pid] = ch
	}
	return ch
}

// start starts a process and registers it in one step.
func (r *reaper) start(path string, argv []string, attr *os.ProcAttr) (int, chan int, error) {
	r.mu.Lock()
	p, err := os.StartProcess(path, argv, attr)
	if err != nil {
		r.mu.Unlock()
		return 0, nil, err
	}
	pid := p.Pid
	p.Release()
	ch := r.register(pid)
	r.mu.Unlock()
	return pid, ch, nil
}

// close stops reaping so that os/exec may wait for its own children again.
func (r *reaper) close() {
	signal.Stop(r.sig)
	close(r.stop)
	<-r.done
}
