//go:build linux

package testbed

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/cbsdgo/cbsd/test/testbed/internal/wire"
)

// ErrNodeDown is returned for commands sent to a node whose QEMU has
// exited or whose agent channel is gone.
var ErrNodeDown = errors.New("testbed node down")

// agentClient talks to one guest agent over the host end of its
// virtio-serial port, a unix socket served by QEMU. Calls may overlap;
// replies are matched to them by request ID.
type agentClient struct {
	conn  net.Conn
	hello chan *wire.Hello

	wmu sync.Mutex // serialises writes of whole lines

	mu      sync.Mutex
	next    uint64
	pending map[uint64]chan wire.Response
	err     error // set once the connection is gone
}

// dialAgent connects to the socket at path, retrying until QEMU has
// created it, ctx ends or gone is closed (QEMU exited).
func dialAgent(ctx context.Context, path string, gone <-chan struct{}) (*agentClient, error) {
	for {
		conn, err := net.Dial("unix", path)
		if err == nil {
			c := &agentClient{conn: conn, hello: make(chan *wire.Hello, 1), pending: map[uint64]chan wire.Response{}}
			go c.readLoop()
			return c, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("agent socket %s: %w", path, ctx.Err())
		case <-gone:
			return nil, fmt.Errorf("agent socket %s: %w", path, ErrNodeDown)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func (c *agentClient) readLoop() {
	r := bufio.NewReaderSize(c.conn, 1<<16)
	var err error
	for {
		var line []byte
		if line, err = r.ReadBytes('\n'); err != nil {
			break
		}
		var resp wire.Response
		if json.Unmarshal(line, &resp) != nil {
			continue // console noise or a torn line
		}
		if resp.Hello != nil {
			select {
			case c.hello <- resp.Hello:
			default:
			}
			continue
		}
		c.mu.Lock()
		ch := c.pending[resp.ID]
		delete(c.pending, resp.ID)
		c.mu.Unlock()
		if ch != nil {
			ch <- resp
		}
	}
	c.mu.Lock()
	c.err = fmt.Errorf("%w: agent channel: %w", ErrNodeDown, err)
	for id, ch := range c.pending {
		close(ch)
		delete(c.pending, id)
	}
	c.mu.Unlock()
}

// call sends req (its ID is assigned here) and waits for the reply. When
// ctx ends first the agent is asked to kill the command.
func (c *agentClient) call(ctx context.Context, req wire.Request) (wire.Response, error) {
	ch := make(chan wire.Response, 1)
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		return wire.Response{}, c.err
	}
	c.next++
	req.ID = c.next
	c.pending[req.ID] = ch
	c.mu.Unlock()
	if err := c.send(req); err != nil {
		c.forget(req.ID)
		return wire.Response{}, fmt.Errorf("%w: send: %w", ErrNodeDown, err)
	}
	select {
	case resp, ok := <-ch:
		if !ok {
			c.mu.Lock()
			defer c.mu.Unlock()
			return wire.Response{}, c.err
		}
		return resp, nil
	case <-ctx.Done():
		c.forget(req.ID)
		_ = c.send(wire.Request{ID: req.ID, Cancel: true})
		return wire.Response{}, ctx.Err()
	}
}

func (c *agentClient) send(req wire.Request) error {
	b, err := json.Marshal(req)
	if err != nil {
		return err
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.conn.SetWriteDeadline(time.Now().Add(30 * time.Second))
	_, err = c.conn.Write(append(b, '\n'))
	return err
}

func (c *agentClient) forget(id uint64) {
	c.mu.Lock()
	delete(c.pending, id)
	c.mu.Unlock()
}

func (c *agentClient) close() error { return c.conn.Close() }
