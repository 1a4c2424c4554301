package oci

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/signal"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/cbsdgo/cbsd/internal/runtime/ctl"

	"golang.org/x/sys/unix"
)

// RunInit is the jail's PID 1 (cbsd __init). It waits for the supervisor's
// go-ahead (network ready), serves exec requests, runs exec_start, and on
// SIGTERM runs exec_stop and brings every process of the jail down.
func RunInit() int {
	logf := func(format string, a ...any) {
		fmt.Fprintf(os.Stderr, "cbsd-init: "+format+"\n", a...)
	}
	var cfg InitConfig
	if err := json.Unmarshal([]byte(os.Getenv(InitEnvVar)), &cfg); err != nil {
		logf("bad %s: %v", InitEnvVar, err)
		return 1
	}
	os.Unsetenv(InitEnvVar)
	for fd := 3; fd <= 5; fd++ {
		unix.CloseOnExec(fd)
	}
	goR, sock := os.NewFile(4, "go"), os.NewFile(5, "exec.sock")
	b := make([]byte, 1)
	if n, _ := goR.Read(b); n == 0 {
		return 1 // the supervisor gave up before the jail was ready
	}
	goR.Close()
	fl, err := net.FileListener(sock)
	sock.Close()
	l, ok := fl.(*net.UnixListener)
	if err != nil || !ok {
		logf("exec socket: %v", err)
		return 1
	}

	in := &initProc{cfg: cfg, r: newReaper(), logf: logf, shutdown: make(chan struct{})}
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGPWR, syscall.SIGHUP)

	go in.serve(l)

	if argv := in.startCommand(cfg.ExecStart); argv != nil {
		pid, ch, err := in.r.start(argv[0], argv, &os.ProcAttr{Env: os.Environ(),
			Files: []*os.File{devNull(), os.Stdout, os.Stderr}, Sys: &syscall.SysProcAttr{Setsid: true}})
		if err != nil {
			logf("exec_start %q: %v", cfg.ExecStart, err)
		} else {
			go func() {
				code := <-ch
				if code != 0 {
					logf("exec_start %q (pid %d) exited with %d", cfg.ExecStart, pid, code)
				}
				if !cfg.Persist {
					in.stopOnce()
				}
			}()
		}
	} else if !cfg.Persist {
		in.stopOnce()
	}
	select {
	case <-sigs:
	case <-in.shutdown:
	}
	l.Close()
	in.halt()
	return 0
}

type initProc struct {
	cfg      InitConfig
	r        *reaper
	logf     func(string, ...any)
	once     sync.Once
	shutdown chan struct{}
}

func (in *initProc) stopOnce() { in.once.Do(func() { close(in.shutdown) }) }

func devNull() *os.File {
	f, _ := os.Open(os.DevNull)
	return f
}

// startCommand turns exec_start/exec_stop into an argv. The CBSD defaults
// ("/bin/sh /etc/rc", "/bin/sh /etc/rc.shutdown") are skipped when the
// script does not exist in the jail, so a bare base simply stays up.
func (in *initProc) startCommand(cmd string) []string {
	cmd = strings.TrimSpace(cmd)
	if cmd == "" || cmd == "0" {
		return nil
	}
	f := strings.Fields(cmd)
	if len(f) == 2 && (f[0] == "/bin/sh" || f[0] == "sh") && strings.HasPrefix(f[1], "/") {
		if _, err := os.Stat(f[1]); err != nil {
			return nil
		}
	}
	if _, err := os.Stat("/bin/sh"); err == nil {
		return []string{"/bin/sh", "-c", cmd}
	}
	return f
}

// halt runs exec_stop, then SIGTERM to every process of the jail, then
// SIGKILL to whatever is left when the stop timeout has passed.
func (in *initProc) halt() {
	grace := time.Duration(in.cfg.StopTimeout) * time.Second
	if grace <= 0 {
		grace = 10 * time.Second
	}
	deadline := time.Now().Add(grace)
	if argv := in.startCommand(in.cfg.ExecStop); argv != nil {
		_, ch, err := in.r.start(argv[0], argv, &os.ProcAttr{Env: os.Environ(),
			Files: []*os.File{devNull(), os.Stdout, os.Stderr}, Sys: &syscall.SysProcAttr{Setsid: true}})
		if err == nil {
			select {
			case <-ch:
			case <-time.After(time.Until(deadline)):
				in.logf("exec_stop %q did not finish in %s", in.cfg.ExecStop, grace)
			}
		}
	}
	unix.Kill(-1, unix.SIGTERM)
	for time.Now().Before(deadline) {
		if unix.Kill(-1, 0) == unix.ESRCH {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	unix.Kill(-1, unix.SIGKILL)
	for i := 0; i < 200 && unix.Kill(-1, 0) != unix.ESRCH; i++ {
		time.Sleep(5 * time.Millisecond)
	}
}

func (in *initProc) serve(l *net.UnixListener) {
	for {
		c, err := l.AcceptUnix()
		if err != nil {
			return
		}
		go in.handle(c)
	}
}

func (in *initProc) handle(c *net.UnixConn) {
	defer c.Close()
	req, files, err := ctl.Recv(c)
	if err != nil {
		return
	}
	closeAll := func() {
		for _, f := range files {
			f.Close()
		}
	}
	fail := func(err error) {
		closeAll()
		ctl.Send(c, &ctl.Message{Error: err.Error()})
	}
	if len(req.Argv) == 0 {
		fail(fmt.Errorf("empty command"))
		return
	}
	attr := &os.ProcAttr{Dir: "/", Env: baseEnv(req.Env), Sys: &syscall.SysProcAttr{Setsid: true}}
	home := "/root"
	if req.User != "" && req.User != "root" && req.User != "0" {
		cred, h, err := lookupUser(req.User)
		if err != nil {
			fail(err)
			return
		}
		attr.Sys.Credential, home = cred, h
		attr.Env = setEnv(attr.Env, "USER="+req.User, "LOGNAME="+req.User)
	}
	attr.Env = setEnv(attr.Env, "HOME="+home)
	if req.Dir != "" {
		attr.Dir = req.Dir
	}
	path := req.Argv[0]
	if !strings.Contains(path, "/") {
		p, err := lookPath(path, attr.Env)
		if err != nil {
			fail(err)
			return
		}
		path = p
	}
	var master *os.File
	if req.TTY {
		m, slave, err := openPTY(req.Rows, req.Cols)
		if err != nil {
			fail(fmt.Errorf("pty: %w", err))
			return
		}
		master = m
		defer slave.Close()
		attr.Files = []*os.File{slave, slave, slave}
		attr.Sys.Setctty = true
		attr.Sys.Ctty = 0
	} else {
		if len(files) != 3 {
			fail(fmt.Errorf("expected 3 descriptors, got %d", len(files)))
			return
		}
		attr.Files = files
	}
	pid, ch, err := in.r.start(path, req.Argv, attr)
	closeAll()
	if err != nil {
		if master != nil {
			master.Close()
		}
		ctl.Send(c, &ctl.Message{Error: fmt.Sprintf("%s: %v", req.Argv[0], err)})
		return
	}
	if master != nil {
		ctl.Send(c, &ctl.Message{Pid: pid}, master)
		master.Close()
	} else {
		ctl.Send(c, &ctl.Message{Pid: pid})
	}
	gone := make(chan struct{})
	go func() {
		defer close(gone)
		for {
			m, fs, err := ctl.Recv(c)
			for _, f := range fs {
				f.Close()
			}
			if err != nil {
				return
			}
			if m.Signal > 0 {
				unix.Kill(pid, unix.Signal(m.Signal))
			}
		}
	}()
	select {
	case code := <-ch:
		ctl.Send(c, &ctl.Message{Exit: &code})
	case <-gone:
		// The client went away: hang up the session, as a terminal would.
		unix.Kill(-pid, unix.SIGHUP)
		<-ch
	}
}

func baseEnv(extra []string) []string {
	env := []string{"PATH=" + DefaultPath, "TERM=xterm", "USER=root", "LOGNAME=root", "SHELL=/bin/sh"}
	return setEnv(env, extra...)
}

func setEnv(env []string, kv ...string) []string {
	for _, x := range kv {
		k := x[:strings.IndexByte(x+"=", '=')]
		replaced := false
		for i, e := range env {
			if strings.HasPrefix(e, k+"=") {
				env[i] = x
				replaced = true
			}
		}
		if !replaced {
			env = append(env, x)
		}
	}
	return env
}

func lookPath(name string, env []string) (string, error) {
	path := DefaultPath
	for _, e := range env {
		if strings.HasPrefix(e, "PATH=") {
			path = e[5:]
		}
	}
	for _, dir := range filepath.SplitList(path) {
		p := filepath.Join(dir, name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s: command not found", name)
}

func lookupUser(name string) (*syscall.Credential, string, error) {
	u, err := user.Lookup(name)
	if err != nil {
		if _, nerr := strconv.Atoi(name); nerr == nil {
			u, err = user.LookupId(name)
		}
	}
	if err != nil {
		return nil, "", fmt.Errorf("no such user %q in the jail", name)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	cred := &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	if gids, err := u.GroupIds(); err == nil {
		for _, g := range gids {
			if n, err := strconv.Atoi(g); err == nil {
				cred.Groups = append(cred.Groups, uint32(n))
			}
		}
	}
	return cred, u.HomeDir, nil
}

// openPTY allocates a pseudo-terminal from the jail's own devpts.
func openPTY(rows, cols uint16) (*os.File, *os.File, error) {
	m, err := unix.Open("/dev/pts/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		if m, err = unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0); err != nil {
			return nil, nil, err
		}
	}
	if err := unix.IoctlSetPointerInt(m, unix.TIOCSPTLCK, 0); err != nil {
		unix.Close(m)
		return nil, nil, err
	}
	n, err := unix.IoctlGetInt(m, unix.TIOCGPTN)
	if err != nil {
		unix.Close(m)
		return nil, nil, err
	}
	if rows > 0 && cols > 0 {
		unix.IoctlSetWinsize(m, unix.TIOCSWINSZ, &unix.Winsize{Row: rows, Col: cols})
	}
	s, err := unix.Open("/dev/pts/"+strconv.Itoa(n), unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		unix.Close(m)
		return nil, nil, err
	}
	return os.NewFile(uintptr(m), "ptmx"), os.NewFile(uintptr(s), "pts"), nil
}
