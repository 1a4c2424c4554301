//go:build linux

package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// portFile is a virtio-serial port opened in blocking mode. Reads return 0
// while no host is connected to the other end, so Read waits and retries
// instead of reporting end of file; writes block until a host connects.
type portFile struct{ f *os.File }

func (p *portFile) Read(b []byte) (int, error) {
	for {
		n, err := p.f.Read(b)
		if n > 0 || (err != nil && err != io.EOF) {
			return n, err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (p *portFile) Write(b []byte) (int, error) { return p.f.Write(b) }

// openPort waits for the port named name to appear and opens it. The
// device is /dev/vportNpM; its name is in /sys/class/virtio-ports.
func openPort(name string, wait time.Duration) (*portFile, error) {
	deadline := time.Now().Add(wait)
	for {
		if dev := findPort(name); dev != "" {
			// syscall.Open keeps the descriptor blocking, so os.NewFile
			// does not hand it to the poller.
			fd, err := syscall.Open(dev, syscall.O_RDWR|syscall.O_CLOEXEC, 0)
			if err == nil {
				return &portFile{f: os.NewFile(uintptr(fd), dev)}, nil
			}
			if time.Now().After(deadline) {
				return nil, fmt.Errorf("open %s: %w", dev, err)
			}
		} else if time.Now().After(deadline) {
			return nil, fmt.Errorf("virtio-serial port %q: not found", name)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func findPort(name string) string {
	dirs, _ := filepath.Glob("/sys/class/virtio-ports/*")
	for _, d := range dirs {
		b, err := os.ReadFile(filepath.Join(d, "name"))
		if err == nil && strings.TrimSpace(string(b)) == name {
			return "/dev/" + filepath.Base(d)
		}
	}
	return ""
}
