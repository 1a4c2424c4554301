//go:build linux

// Command testbed boots a bed of guests for debugging and runs shell
// commands in them. Each line read on standard input is "N command...":
// the command runs with sh -c on node N and its output is printed. The bed
// is torn down at end of input or on SIGINT/SIGTERM.
//
//	go run ./test/testbed/cmd/testbed -nodes 2 [-file SRC:DST]...
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/cbsdgo/cbsd/test/testbed"
)

type fileFlags []testbed.File

func (f *fileFlags) String() string { return fmt.Sprint(*f) }

func (f *fileFlags) Set(v string) error {
	src, dst, ok := strings.Cut(v, ":")
	if !ok {
		return fmt.Errorf("want SRC:DST, got %q", v)
	}
	*f = append(*f, testbed.File{Src: src, Dst: dst})
	return nil
}

func main() {
	nodes := flag.Int("nodes", 2, "number of guests")
	mem := flag.Int("mem", 512, "MiB per guest")
	var files fileFlags
	flag.Var(&files, "file", "host file to copy into the guests, SRC:DST (repeatable)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, testbed.Config{
		Nodes: *nodes, MemoryMB: *mem,
		Image: testbed.ImageSpec{Files: files},
		Logf:  func(f string, a ...any) { fmt.Fprintf(os.Stderr, f+"\n", a...) },
	}); err != nil {
		fmt.Fprintln(os.Stderr, "testbed:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, cfg testbed.Config) error {
	bed, err := testbed.New(ctx, cfg)
	if err != nil {
		return err
	}
	defer bed.Close()
	fmt.Printf("network %s, host %s, logs and sockets in %s\n", bed.Subnet(), bed.HostAddr(), bed.Dir())
	for i, n := range bed.Nodes() {
		fmt.Printf("  %d: %s %s  console: socat -,raw,echo=0 UNIX-CONNECT:%s\n", i+1, n.Name(), n.Addr(), n.ConsoleSocket())
	}
	fmt.Println(`type "N command" to run a command on node N (e.g. "1 ip addr"), Ctrl-D to quit`)
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(os.Stdin)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	for {
		select {
		case <-ctx.Done():
			return nil
		case line, ok := <-lines:
			if !ok {
				return nil
			}
			runLine(ctx, bed, line)
		}
	}
}

func runLine(ctx context.Context, bed *testbed.Bed, line string) {
	num, script, _ := strings.Cut(strings.TrimSpace(line), " ")
	if num == "" {
		return
	}
	i, err := strconv.Atoi(num)
	if err != nil || i < 1 || i > len(bed.Nodes()) {
		fmt.Fprintf(os.Stderr, "want N command, N in 1..%d\n", len(bed.Nodes()))
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	res, err := bed.Node(i).Exec(ctx, testbed.Cmd{Argv: []string{"sh", "-c", script}})
	os.Stdout.Write(res.Stdout)
	os.Stderr.Write(res.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
	} else if res.Exit != 0 {
		fmt.Fprintf(os.Stderr, "exit %d\n", res.Exit)
	}
}
