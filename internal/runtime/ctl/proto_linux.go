package ctl

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"
)

// Message is one packet of the control protocols (exec, stop) (SOCK_SEQPACKET, JSON, file
// descriptors as SCM_RIGHTS). The client sends a request (with its stdio
// descriptors unless TTY), the server answers with the pid (and the pty
// master when TTY), the client may send signals, and the server ends with
// the exit code.
type Message struct {
	Argv   []string `json:"argv,omitempty"`
	Env    []string `json:"env,omitempty"`
	Dir    string   `json:"dir,omitempty"`
	User   string   `json:"user,omitempty"`
	TTY    bool     `json:"tty,omitempty"`
	Rows   uint16   `json:"rows,omitempty"`
	Cols   uint16   `json:"cols,omitempty"`
	Signal int      `json:"signal,omitempty"`
	Op     string   `json:"op,omitempty"`
	Grace  int64    `json:"grace_ms,omitempty"`
	Pid    int      `json:"pid,omitempty"`
	Exit   *int     `json:"exit,omitempty"`
	Error  string   `json:"error,omitempty"`
}

func Send(c *net.UnixConn, m *Message, files ...*os.File) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	var oob []byte
	if len(files) > 0 {
		fds := make([]int, len(files))
		for i, f := range files {
			fds[i] = int(f.Fd())
		}
		oob = unix.UnixRights(fds...)
	}
	_, _, err = c.WriteMsgUnix(b, oob, nil)
	return err
}

func Recv(c *net.UnixConn) (*Message, []*os.File, error) {
	buf := make([]byte, 256*1024)
	oob := make([]byte, unix.CmsgSpace(8*4))
	n, oobn, _, _, err := c.ReadMsgUnix(buf, oob)
	if err != nil {
		return nil, nil, err
	}
	if n == 0 {
		return nil, nil, fmt.Errorf("connection closed")
	}
	var files []*os.File
	if oobn > 0 {
		scms, err := unix.ParseSocketControlMessage(oob[:oobn])
		if err != nil {
			return nil, nil, err
		}
		for _, scm := range scms {
			fds, err := unix.ParseUnixRights(&scm)
			if err != nil {
				continue
			}
			for _, fd := range fds {
				files = append(files, os.NewFile(uintptr(fd), "fd"))
			}
		}
	}
	m := &Message{}
	if err := json.Unmarshal(buf[:n], m); err != nil {
		for _, f := range files {
			f.Close()
		}
		return nil, nil, err
	}
	return m, files, nil
}

// shortAddr returns an address for the socket at path that fits sun_path:
// long paths are reached through /proc/self/fd of their directory, so deep
// workdirs never hit the 108-byte limit. Call done once the address is used.
func shortAddr(path string) (addr string, done func(), err error) {
	if len(path) <= 100 {
		return path, func() {}, nil
	}
	dir, err := unix.Open(filepath.Dir(path), unix.O_PATH|unix.O_CLOEXEC, 0)
	if err != nil {
		return "", nil, err
	}
	return fmt.Sprintf("/proc/self/fd/%d/%s", dir, filepath.Base(path)), func() { unix.Close(dir) }, nil
}

// Dial connects to a SOCK_SEQPACKET socket.
func Dial(path string) (*net.UnixConn, error) {
	addr, done, err := shortAddr(path)
	if err != nil {
		return nil, err
	}
	defer done()
	return net.DialUnix("unixpacket", nil, &net.UnixAddr{Name: addr, Net: "unixpacket"})
}

// Listen listens on a SOCK_SEQPACKET socket at path.
func Listen(path string) (*net.UnixListener, error) {
	os.Remove(path)
	addr, done, err := shortAddr(path)
	if err != nil {
		return nil, err
	}
	defer done()
	l, err := net.ListenUnix("unixpacket", &net.UnixAddr{Name: addr, Net: "unixpacket"})
	if err != nil {
		return nil, err
	}
	l.SetUnlinkOnClose(false)
	return l, nil
}

// RequestStop asks the supervisor listening on sock to stop its
// environment within grace, handing over the files in hold (the caller's
// operation lock), and waits for its answer. It reports false when no
// supervisor answered, so the caller can do the work itself.
func RequestStop(ctx context.Context, sock string, grace time.Duration, hold ...*os.File) (bool, error) {
	c, err := Dial(sock)
	if err != nil {
		return false, nil
	}
	defer c.Close()
	if err := Send(c, &Message{Op: "stop", Grace: grace.Milliseconds()}, hold...); err != nil {
		return false, nil
	}
	done := make(chan error, 1)
	go func() { _, _, err := Recv(c); done <- err }()
	select {
	case err := <-done:
		return err == nil, nil
	case <-ctx.Done():
		return false, ctx.Err()
	case <-time.After(grace + 30*time.Second):
		return false, nil
	}
}
