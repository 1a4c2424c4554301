package integration

import (
	"context"
	"debug/buildinfo"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cbsdgo/cbsd/internal/inventory"
)

// screen is a command running in a detached 80x24 tmux session.
type screen struct {
	t    *testing.T
	name string
}

// tmuxRun starts argv (with env) in its own tmux session on an 80x24
// terminal; the session ends with the test.
func tmuxRun(t *testing.T, env []string, argv ...string) *screen {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed (apt-get install tmux)")
	}
	name := fmt.Sprintf("cbsd-it-%d", time.Now().UnixNano())
	// The shell prints the exit code and keeps the pane open for capture.
	shell := "env " + strings.Join(quoteAll(env), " ") + " " + strings.Join(quoteAll(argv), " ") + "; echo EXIT=$?; sleep 600"
	// A server whose last session was just killed (the previous test's)
	// may still be exiting: "server exited unexpectedly"; try again.
	for try := 1; ; try++ {
		out, err := exec.Command("tmux", "new-session", "-d", "-s", name, "-x", "80", "-y", "24", shell).CombinedOutput()
		if err == nil {
			break
		}
		if try == 5 {
			t.Fatalf("tmux: %v %s", err, out)
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Cleanup(func() { exec.Command("tmux", "kill-session", "-t", name).Run() })
	return &screen{t: t, name: name}
}

func quoteAll(ws []string) []string {
	out := make([]string, len(ws))
	for i, w := range ws {
		out[i] = "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
	}
	return out
}

// keys sends keys one at a time, letting the form settle after each.
func (s *screen) keys(ks ...string) {
	s.t.Helper()
	for _, k := range ks {
		if out, err := exec.Command("tmux", "send-keys", "-t", s.name, k).CombinedOutput(); err != nil {
			s.t.Fatalf("send-keys %q: %v %s", k, err, out)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func (s *screen) capture() string {
	out, _ := exec.Command("tmux", "capture-pane", "-p", "-t", s.name).Output()
	return string(out)
}

// wait waits until the screen shows text and returns the screen.
func (s *screen) wait(text string, d time.Duration) string {
	s.t.Helper()
	deadline := time.Now().Add(d)
	for {
		c := s.capture()
		if strings.Contains(c, text) {
			return c
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("screen never showed %q:\n%s", text, c)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// gone waits until the screen no longer shows text (a cleared field: the
// next keys must not reach the form before it has caught up).
func (s *screen) gone(text string, d time.Duration) {
	s.t.Helper()
	deadline := time.Now().Add(d)
	for strings.Contains(s.capture(), text) {
		if time.Now().After(deadline) {
			s.t.Fatalf("screen still shows %q:\n%s", text, s.capture())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// save keeps a screen as a text capture under $CBSD_TUI_CAPTURES (the
// screenshots in docs/tui.md come from there).
func (s *screen) save(name string) {
	if dir := os.Getenv("CBSD_TUI_CAPTURES"); dir != "" {
		os.WriteFile(filepath.Join(dir, name+".txt"), []byte(s.capture()), 0o644)
	}
}

// TestJconstructTUI: an invalid name and a name in use show an inline
// error; filling the form creates a jail with the chosen option and root
// password, and it starts.
func TestJconstructTUI(t *testing.T) {
	n := newNode(t)
	n.busybox()
	n.ok("jcreate", "jname=taken1", "ver=busybox", "ip4_addr=0")
	s := tmuxRun(t, n.tuiEnv(), n.bin, "jconstruct-tui")
	s.wait("Profile (jprofile)", 10*time.Second)
	s.save("jconstruct-0")
	s.keys("Enter") // default
	s.wait("Jail name (jname)", 10*time.Second)
	s.save("jconstruct-1")
	s.keys("bad/name")
	s.wait("> bad/name", 5*time.Second) // typed, before Enter asks for validation
	s.keys("Enter")
	s.wait("1-64 letters", 5*time.Second)
	s.keys("C-u")
	s.gone("bad/name", 5*time.Second)
	s.keys("taken1")
	s.wait("> taken1", 5*time.Second)
	s.keys("Enter")
	s.wait("taken1 already exists", 5*time.Second)
	s.keys("C-u")
	s.gone("> taken1", 5*time.Second)
	s.keys("tui1", "Enter", "Enter", "Enter", "Enter") // jname, host, ip4_addr DHCP, ver
	s.wait("Private copy of the base", 5*time.Second)
	s.save("jconstruct-2")
	s.keys("Enter", "Enter", "Enter", "Enter") // baserw, vnet, astart, interface
	s.wait("mnt_start hook", 5*time.Second)
	s.keys("Enter", "Enter", "Home", "x") // hooks empty; toggle allow_raw_sockets (the first option)
	s.save("jconstruct-3")
	s.keys("Enter", "pw-tui", "Enter")
	s.wait("Create and start", 5*time.Second)
	s.save("jconstruct-4")
	s.keys("Enter")
	if out := s.wait("EXIT=", 60*time.Second); !strings.Contains(out, "EXIT=0") || !strings.Contains(out, "started") {
		t.Fatalf("jconstruct-tui:\n%s", out)
	}
	if st := n.status("tui1"); st != "On" {
		t.Fatalf("tui1 is %s", st)
	}
	if out := n.ok("jget", "jname=tui1", "mode=quiet", "allow_raw_sockets", "ip4_addr"); !strings.HasPrefix(out, "1\n10.") {
		t.Fatalf("jget: %q", out)
	}
	if out := n.ok("jexec", "jname=tui1", "cat", "/etc/shadow"); !strings.HasPrefix(out, "root:$6$") {
		t.Fatalf("shadow: %q", out)
	}
}

// TestInitenvTUI: initenv-tui writes the same local row as initenv with a
// preseed file of the same values.
func TestInitenvTUI(t *testing.T) {
	bin := cbsdBinary(t)
	dir := t.TempDir()
	wa, wb := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	env := []string{"workdir=" + wa, "CBSD_RCCONF=" + filepath.Join(dir, "rc.conf")}
	s := tmuxRun(t, env, bin, "initenv-tui")
	s.wait("Workdir", 10*time.Second)
	s.save("initenv-1")
	s.keys("Enter", "C-u", "tui1", "Enter", "Enter", "Enter") // workdir, nodename, nodeip, description
	s.wait("IPv4 pool", 5*time.Second)
	s.keys("C-u", "10.0.0.0/33", "Enter")
	s.wait("want CIDRs", 5*time.Second) // inline error
	s.keys("C-u")
	s.gone("10.0.0.0/33", 5*time.Second)
	s.keys("10.55.0.0/24", "Enter", "Enter", "Enter", "Enter")
	s.wait("ZFS (zfsfeat)", 5*time.Second)
	s.save("initenv-2")
	s.keys("Enter", "Enter", "Enter", "Enter")
	s.wait("Write these settings?", 5*time.Second)
	s.save("initenv-3")
	s.keys("y")
	if out := s.wait("EXIT=", 30*time.Second); !strings.Contains(out, "EXIT=0") {
		t.Fatalf("initenv-tui:\n%s", out)
	}
	preseed := filepath.Join(dir, "initenv.conf")
	os.WriteFile(preseed, []byte("nodename=\"tui1\"\nnodeippool=\"10.55.0.0/24\"\n"), 0o644)
	cmd := exec.Command(bin, "initenv", preseed, "inter=0", "workdir="+wb)
	cmd.Env = append(os.Environ(), "CBSD_RCCONF="+filepath.Join(dir, "rc.conf"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("initenv: %v %s", err, out)
	}
	local := func(w string) map[string]string {
		st, err := inventory.Open(context.Background(), filepath.Join(w, "var/db/local.sqlite"))
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		m, err := st.Local(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	a, b := local(wa), local(wb)
	if a["nodename"] != "tui1" || a["nodeippool"] != "10.55.0.0/24" {
		t.Fatalf("tui row: nodename %q pool %q", a["nodename"], a["nodeippool"])
	}
	for k, v := range b {
		if k != "workdir" && a[k] != v {
			t.Errorf("local.%s: initenv-tui %q, initenv %q", k, a[k], v)
		}
	}
	if len(a) != len(b) {
		t.Errorf("columns: %d vs %d", len(a), len(b))
	}
}

// TestBconstructTUI: the VM form writes a jconf that bcreate accepts, and
// creates the VM directly too.
func TestBconstructTUI(t *testing.T) {
	n := newNode(t)
	jconf := filepath.Join(t.TempDir(), "vm1.jconf")
	fill := func(s *screen, name string) {
		s.wait("VM name (jname)", 10*time.Second)
		s.keys(name, "Enter", "Enter", "C-u", "256m", "Enter", "C-u", "2", "Enter", "C-u", "1m", "Enter")
		s.wait("ISO (vm_iso_path)", 5*time.Second)
		s.keys("Enter", "Enter", "C-u", "Enter", "Enter", "Enter") // no ISO, no CD boot, no NIC, no VNC, no UEFI
		s.wait("Summary", 5*time.Second)
	}
	s := tmuxRun(t, n.tuiEnv(), n.bin, "bconstruct-tui")
	fill(s, "vm1")
	s.save("bconstruct-1")
	s.keys("Down", "Down", "Enter") // write a jconf file
	s.wait("jconf file", 5*time.Second)
	s.keys(jconf, "Enter")
	if out := s.wait("EXIT=", 10*time.Second); !strings.Contains(out, "EXIT=0") {
		t.Fatalf("bconstruct-tui:\n%s", out)
	}
	b, err := os.ReadFile(jconf)
	if err != nil || !strings.Contains(string(b), `vm_ram="256m"`) || !strings.Contains(string(b), `jname="vm1"`) {
		t.Fatalf("jconf %q %v", b, err)
	}
	n.ok("bcreate", "jconf="+jconf)
	if out := n.ok("bls", "header=0", "display=jname,vm_cpus", "vm1"); !strings.Contains(out, "vm1  2") {
		t.Fatalf("bls: %q", out)
	}
	s2 := tmuxRun(t, n.tuiEnv(), n.bin, "bconstruct-tui")
	fill(s2, "vm2")
	s2.keys("Enter") // create
	if out := s2.wait("EXIT=", 20*time.Second); !strings.Contains(out, "vm2 created") {
		t.Fatalf("bconstruct-tui create:\n%s", out)
	}
	n.ok("bremove", "vm1")
	n.ok("bremove", "vm2")
}

// TestFormsEmbedded: the cbsd that scripts/build.sh builds runs its forms
// in the embedded cbsd-tui and does not link the terminal libraries (whose
// start-up every command would otherwise pay for).
func TestFormsEmbedded(t *testing.T) {
	bi, err := buildinfo.ReadFile(cbsdBinary(t))
	if err != nil {
		t.Fatal(err)
	}
	tagged := false
	for _, s := range bi.Settings {
		if s.Key == "-tags" && strings.Contains(s.Value, "tuiembed") {
			tagged = true
		}
	}
	if !tagged {
		t.Fatalf("cbsd was not built with the tuiembed tag: %v", bi.Settings)
	}
	for _, d := range bi.Deps {
		if strings.HasPrefix(d.Path, "github.com/charmbracelet/") {
			t.Errorf("cbsd links %s", d.Path)
		}
	}
}

// initenvForm shows initenv-tui for a workdir that does not exist yet and
// returns the screen and that workdir.
func initenvForm(t *testing.T) (*screen, string) {
	dir := t.TempDir()
	w := filepath.Join(dir, "w")
	s := tmuxRun(t, []string{"workdir=" + w, "CBSD_RCCONF=" + filepath.Join(dir, "rc.conf")}, cbsdBinary(t), "initenv-tui")
	s.wait("Workdir", 10*time.Second)
	return s, w
}

// TestFormAborted: Ctrl+C leaves a form with exit code 1, one line saying
// so and nothing written (no workdir made).
func TestFormAborted(t *testing.T) {
	s, w := initenvForm(t)
	s.keys("C-c")
	out := s.wait("EXIT=", 10*time.Second)
	if !strings.Contains(out, "EXIT=1") || strings.Count(out, "initenv-tui:") != 1 ||
		!strings.Contains(out, "initenv-tui: aborted, nothing written") {
		t.Fatalf("initenv-tui after Ctrl+C:\n%s", out)
	}
	if _, err := os.Stat(w); !os.IsNotExist(err) {
		t.Fatalf("workdir %s: %v (want none)", w, err)
	}
}

// TestFormInterrupted: SIGTERM to cbsd while a form is up ends the form
// (it gets SIGTERM too and restores the terminal), with exit code 1 and
// nothing written.
func TestFormInterrupted(t *testing.T) {
	s, w := initenvForm(t)
	bin := cbsdBinary(t)
	pid := 0
	for _, p := range procsNamed("initenv-tui") {
		if exe, _ := os.Readlink(fmt.Sprintf("/proc/%d/exe", p)); exe == bin {
			pid = p
		}
	}
	if pid == 0 {
		t.Fatal("cbsd initenv-tui not found in /proc")
	}
	syscall.Kill(pid, syscall.SIGTERM)
	out := s.wait("EXIT=", 10*time.Second)
	if !strings.Contains(out, "EXIT=1") || !strings.Contains(out, "initenv-tui: interrupted, nothing written") {
		t.Fatalf("initenv-tui after SIGTERM:\n%s", out)
	}
	// The form put the terminal back (a killed form leaves it raw).
	tty, err := exec.Command("tmux", "display", "-p", "-t", s.name, "#{pane_tty}").Output()
	if err != nil {
		t.Fatal(err)
	}
	mode, err := exec.Command("stty", "-F", strings.TrimSpace(string(tty)), "-a").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range strings.Fields(string(mode)) {
		if f == "-icanon" || f == "-echo" {
			t.Fatalf("terminal left in raw mode (%s):\n%s", f, mode)
		}
	}
	if _, err := os.Stat(w); !os.IsNotExist(err) {
		t.Fatalf("workdir %s: %v (want none)", w, err)
	}
}
