//go:build linux

// Command agent runs inside a testbed guest. It reads wire.Requests from the
// virtio-serial port named wire.PortName, runs each command in its own
// process group and writes back a wire.Response. It is built statically by
// the testbed and started by the guest's /init.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cbsdgo/cbsd/test/testbed/internal/wire"
)

func main() {
	if err := serve(); err != nil {
		fmt.Fprintln(os.Stderr, "tbagent:", err)
		os.Exit(1)
	}
}

func serve() error {
	port, err := openPort(wire.PortName, 60*time.Second)
	if err != nil {
		return err
	}
	s := &server{w: port, running: map[uint64]func(){}}
	if err := s.send(wire.Response{Hello: hello()}); err != nil {
		return err
	}
	r := bufio.NewReaderSize(port, 1<<16)
	for {
		line, err := r.ReadBytes('\n')
		if err != nil {
			return fmt.Errorf("read port: %w", err)
		}
		var req wire.Request
		if err := json.Unmarshal(line, &req); err != nil || req.ID == 0 {
			continue // a torn line from a host that reconnected
		}
		if req.Cancel {
			s.cancel(req.ID)
			continue
		}
		go s.handle(req)
	}
}

// server serialises writes to the port and tracks running requests.
type server struct {
	wmu sync.Mutex
	w   *portFile

	mu      sync.Mutex
	running map[uint64]func()
}

func (s *server) send(resp wire.Response) error {
	b, err := json.Marshal(resp)
	if err != nil {
		return err
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	_, err = s.w.Write(append(b, '\n'))
	return err
}

func (s *server) handle(req wire.Request) {
	cancel := make(chan struct{})
	var once sync.Once
	s.mu.Lock()
	s.running[req.ID] = func() { once.Do(func() { close(cancel) }) }
	s.mu.Unlock()
	resp := run(req, cancel)
	s.mu.Lock()
	delete(s.running, req.ID)
	s.mu.Unlock()
	resp.ID = req.ID
	if err := s.send(resp); err != nil {
		fmt.Fprintln(os.Stderr, "tbagent: reply:", err)
	}
}

func (s *server) cancel(id uint64) {
	s.mu.Lock()
	fn := s.running[id]
	s.mu.Unlock()
	if fn != nil {
		fn()
	}
}

func hello() *wire.Hello {
	h := &wire.Hello{}
	h.Hostname, _ = os.Hostname()
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		h.Kernel = strings.TrimSpace(string(b))
	}
	if b, err := os.ReadFile("/proc/uptime"); err == nil {
		if f := strings.Fields(string(b)); len(f) > 0 {
			h.Uptime, _ = strconv.ParseFloat(f[0], 64)
		}
	}
	return h
}
