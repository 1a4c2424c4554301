package lock

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cbsdgo/cbsd/internal/errdefs"
)

func TestAcquireRelease(t *testing.T) {
	p := filepath.Join(t.TempDir(), "web1.lock")
	l1, err := Acquire(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	if l1.File() == nil {
		t.Fatal("File() = nil while held")
	}

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	start := time.Now()
	l2, err := Acquire(ctx, p)
	cancel()
	if !errors.Is(err, errdefs.ErrBusy) {
		l2.Release()
		t.Fatalf("second Acquire while held = %v, want ErrBusy", err)
	}
	if d := time.Since(start); d < 40*time.Millisecond {
		t.Errorf("second Acquire gave up after %v, before the context expired", d)
	}

	// Released while a waiter waits: the waiter gets the lock.
	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		l, err := Acquire(ctx, p)
		if err == nil {
			l.Release()
		}
		done <- err
	}()
	time.Sleep(20 * time.Millisecond)
	l1.Release()
	if err := <-done; err != nil {
		t.Fatalf("Acquire after Release: %v", err)
	}
	if l1.File() != nil {
		t.Error("File() after Release is not nil")
	}

	l3, err := Acquire(context.Background(), p)
	if err != nil {
		t.Fatalf("Acquire after Release: %v", err)
	}
	l3.Release()
	l3.Release() // twice is harmless
	var nilLock *OpLock
	nilLock.Release()
}

func TestAcquireCancelled(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x.lock")
	l, err := Acquire(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Acquire(ctx, p); !errors.Is(err, errdefs.ErrBusy) {
		t.Errorf("Acquire with a cancelled context = %v, want ErrBusy", err)
	}
}

// A missing lock directory (W/var/run emptied) is made again; a path that
// cannot be a directory is an open error, not "busy".
func TestAcquireMissingDir(t *testing.T) {
	dir := t.TempDir()
	l, err := Acquire(context.Background(), filepath.Join(dir, "run", "lock", "x.lock"))
	if err != nil {
		t.Fatalf("Acquire in a missing directory: %v", err)
	}
	l.Release()
	file := filepath.Join(dir, "file")
	os.WriteFile(file, nil, 0o644)
	_, err = Acquire(context.Background(), filepath.Join(file, "x.lock"))
	if err == nil || errors.Is(err, errdefs.ErrBusy) {
		t.Errorf("Acquire under a regular file = %v, want an open error", err)
	}
}

// A wait given up keeps nothing: once the holder lets go, the lock is free
// for others although the abandoned waiter got it on the way.
func TestAbandonedWaitLetsGo(t *testing.T) {
	p := filepath.Join(t.TempDir(), "web1.lock")
	held, err := Acquire(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	waited := make(chan error, 1)
	go func() {
		_, err := Acquire(ctx, p)
		waited <- err
	}()
	time.Sleep(20 * time.Millisecond) // the waiter is in flock(2)
	cancel()
	if err := <-waited; !errors.Is(err, errdefs.ErrBusy) {
		t.Fatalf("cancelled wait = %v, want ErrBusy", err)
	}
	held.Release()
	ctx2, cancel2 := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel2()
	l, err := Acquire(ctx2, p)
	if err != nil {
		t.Fatalf("Acquire after the holder let go and the waiter gave up: %v", err)
	}
	l.Release()
}
