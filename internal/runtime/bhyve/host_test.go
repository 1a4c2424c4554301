package bhyve

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/cbsdgo/cbsd/internal/sys"
)

// fakeHost is a recording Runner that keeps the taps ifconfig would have:
// "tap create" takes the next unit, "description" and "destroy" act on
// them, "-a" lists them; bhyvectl fails (no vmm instance), as do commands
// starting with failOn.
type fakeHost struct {
	calls  []string
	failOn string
	next   int
	taps   map[string]string // tap -> description
}

func (f *fakeHost) Run(_ context.Context, c sys.Cmd) ([]byte, error) {
	line := strings.Join(c.Argv, " ")
	f.calls = append(f.calls, line)
	fail := func() ([]byte, error) {
		return nil, &sys.ExecError{Argv: c.Argv, ExitCode: 1, Err: errors.New("exit status 1")}
	}
	if f.failOn != "" && strings.HasPrefix(line, f.failOn) || c.Argv[0] == "bhyvectl" {
		return fail()
	}
	a := c.Argv
	switch {
	case line == "ifconfig tap create":
		name := fmt.Sprintf("tap%d", f.next)
		f.next++
		f.taps[name] = ""
		return []byte(name + "\n"), nil
	case line == "ifconfig -a":
		var names []string
		for n := range f.taps {
			names = append(names, n)
		}
		sort.Strings(names)
		var b strings.Builder
		b.WriteString("em0: flags=8843<UP,BROADCAST,RUNNING,SIMPLEX,MULTICAST> metric 0 mtu 1500\n\tether 00:11:22:33:44:55\n")
		for _, n := range names {
			fmt.Fprintf(&b, "%s: flags=8903<UP,BROADCAST,PROMISC,SIMPLEX,MULTICAST> metric 0 mtu 1500\n", n)
			if d := f.taps[n]; d != "" {
				fmt.Fprintf(&b, "\tdescription: %s\n", d)
			}
			b.WriteString("\toptions=80000<LINKSTATE>\n")
		}
		return []byte(b.String()), nil
	case a[0] == "ifconfig" && len(a) == 4 && a[2] == "description":
		if _, ok := f.taps[a[1]]; !ok {
			return fail()
		}
		f.taps[a[1]] = a[3]
	case a[0] == "ifconfig" && len(a) == 3 && a[2] == "destroy":
		if _, ok := f.taps[a[1]]; !ok {
			return fail()
		}
		delete(f.taps, a[1])
	}
	return nil, nil
}

// effective drops the commands that still hold a "${VAR}": a step whose
// interface lookup found nothing may be attempted with the placeholder
// unexpanded, which fails (no such interface) and is ignored.
func effective(calls []string) []string {
	var out []string
	for _, c := range calls {
		if !strings.Contains(c, "${") {
			out = append(out, c)
		}
	}
	return out
}

// TestHostUpDown: the plans run through the runner in order, a tap left
// over from an earlier run is destroyed first, the taps made are found by
// description and named in the argv, and Down removes them.
func TestHostUpDown(t *testing.T) {
	v := fullVM(t)
	f := &fakeHost{next: 3, taps: map[string]string{"tap1": "web1-nic0"}} // stale
	h := &Host{Run: f}
	if err := h.Up(context.Background(), v); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"bhyvectl --destroy --vm=web1",
		"kldload -n vmm",
		"kldload -n nmdm",
		"ifconfig -a", "ifconfig tap1 destroy",
		"ifconfig tap create", "ifconfig tap3 description web1-nic0", "ifconfig bridge0 addm tap3", "ifconfig tap3 up",
		"ifconfig -a", // no stale tap for nic1
		"ifconfig tap create", "ifconfig tap4 description web1-nic1", "ifconfig bridge1 addm tap4", "ifconfig tap4 up",
		"ifconfig -a", "ifconfig -a", // the taps, by description
	}
	if got := strings.Join(effective(f.calls), "\n"); got != strings.Join(want, "\n") {
		t.Fatalf("calls:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
	}
	line := strings.Join(v.Argv(), " ")
	for _, s := range []string{"-s 7,virtio-net,tap3,mac=00:a0:98:11:22:33", "-s 8,virtio-net,tap4,mac=00:a0:98:44:55:66"} {
		if !strings.Contains(line, s) {
			t.Fatalf("no %q in %s", s, line)
		}
	}
	f.calls = nil
	if err := h.Down(context.Background(), v); err != nil {
		t.Fatal(err)
	}
	want = []string{"bhyvectl --destroy --vm=web1", "ifconfig -a", "ifconfig tap3 destroy", "ifconfig -a", "ifconfig tap4 destroy"}
	if got := strings.Join(effective(f.calls), "\n"); got != strings.Join(want, "\n") || len(f.taps) != 0 {
		t.Fatalf("down calls:\n%s\ntaps left: %v", got, f.taps)
	}
}

// TestHostUpUnwinds: when a step fails, the taps already made are
// destroyed in reverse order and the error names the step.
func TestHostUpUnwinds(t *testing.T) {
	v := fullVM(t)
	f := &fakeHost{next: 3, taps: map[string]string{}, failOn: "ifconfig bridge1 addm"}
	err := (&Host{Run: f}).Up(context.Background(), v)
	if err == nil || !strings.Contains(err.Error(), "step tap 1 bridge") {
		t.Fatalf("err = %v", err)
	}
	tail := f.calls[len(f.calls)-3:]
	want := []string{"ifconfig bridge1 addm tap4", "ifconfig tap4 destroy", "ifconfig tap3 destroy"}
	if strings.Join(tail, "\n") != strings.Join(want, "\n") || len(f.taps) != 0 {
		t.Fatalf("calls end with:\n%s\ntaps left: %v", strings.Join(tail, "\n"), f.taps)
	}
	if v.NICs[0].Tap != "" {
		t.Fatalf("tap recorded after a failed start: %q", v.NICs[0].Tap)
	}
}
