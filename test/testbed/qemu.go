//go:build linux

package testbed

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
)

// vmSpec is what one QEMU process needs. Paths live in the bed's run
// directory, which is kept short for the unix socket limit.
type vmSpec struct {
	name     string
	image    *Image
	memoryMB int
	cmdline  []string
	tap, mac string
	dir      string
}

func (s vmSpec) agentSock() string   { return filepath.Join(s.dir, s.name+".agent") }
func (s vmSpec) consoleSock() string { return filepath.Join(s.dir, s.name+".console") }
func (s vmSpec) consoleLog() string  { return filepath.Join(s.dir, s.name+".log") }
func (s vmSpec) qemuLog() string     { return filepath.Join(s.dir, s.name+".qemu") }

// argv is the QEMU command line: TCG (the KVM here cannot run stock
// kernels), direct PVH boot of the uncompressed kernel, the console on a
// unix socket with a log file, one virtio-net on the tap device and one
// virtio-serial port for the agent.
func (s vmSpec) argv() []string {
	return []string{
		"qemu-system-x86_64",
		"-accel", "tcg", "-M", "pc", "-smp", "1", "-m", fmt.Sprint(s.memoryMB),
		"-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
		"-name", s.name,
		"-kernel", s.image.Kernel, "-initrd", s.image.Initrd,
		"-append", strings.Join(s.cmdline, " "),
		"-chardev", "socket,id=con0,path=" + s.consoleSock() + ",server=on,wait=off,logfile=" + s.consoleLog(),
		"-serial", "chardev:con0",
		"-netdev", "tap,id=net0,ifname=" + s.tap + ",script=no,downscript=no",
		"-device", "virtio-net-pci,netdev=net0,mac=" + s.mac,
		"-device", "virtio-serial-pci,id=vser0",
		"-chardev", "socket,id=agent0,path=" + s.agentSock() + ",server=on,wait=off",
		"-device", "virtserialport,bus=vser0.0,chardev=agent0,name=tb.agent",
	}
}

// vm is a running QEMU. done is closed once it has exited and been reaped.
type vm struct {
	cmd  *exec.Cmd
	done chan struct{}
	err  error // exit status, valid after done
}

// startVM spawns QEMU. It dies with the test process (Pdeathsig), so an
// aborted run leaves no guest behind.
func startVM(s vmSpec) (*vm, error) {
	argv := s.argv()
	log, err := os.Create(s.qemuLog())
	if err != nil {
		return nil, err
	}
	defer log.Close()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrUnavailable, argv[0], err)
	}
	v := &vm{cmd: cmd, done: make(chan struct{})}
	go func() {
		v.err = cmd.Wait()
		close(v.done)
	}()
	return v, nil
}

func (v *vm) alive() bool {
	select {
	case <-v.done:
		return false
	default:
		return true
	}
}

// kill sends SIGKILL and waits until QEMU is reaped.
func (v *vm) kill() {
	if v.alive() {
		_ = v.cmd.Process.Kill()
	}
	<-v.done
}
