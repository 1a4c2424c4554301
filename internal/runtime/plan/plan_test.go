package plan

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/cbsdgo/cbsd/internal/sys"
)

// recorder is a Runner that records argv and fails on one command.
type recorder struct {
	calls  []string
	failOn string
	out    map[string]string
}

func (r *recorder) Run(_ context.Context, c sys.Cmd) ([]byte, error) {
	line := strings.Join(c.Argv, " ")
	r.calls = append(r.calls, line)
	if r.failOn != "" && strings.HasPrefix(line, r.failOn) {
		return nil, &sys.ExecError{Argv: c.Argv, ExitCode: 1, Err: errors.New("exit status 1")}
	}
	return []byte(r.out[line]), nil
}

// TestExecutorUnwinds: steps run through the runner in order, captured
// names are substituted, and a failed step undoes the earlier ones in
// reverse.
func TestExecutorUnwinds(t *testing.T) {
	p := &Plan{Steps: []Step{
		{Name: "a", Do: []string{"mount_nullfs", "/b", "/p"}, Undo: []string{"umount", "-f", "/p"}},
		{Name: "epair", Do: []string{"ifconfig", "epair", "create", "up"}, Capture: "EPAIR0", Undo: []string{"ifconfig", "${EPAIR0}", "destroy"}},
		{Name: "move", Do: []string{"ifconfig", "${EPAIR0B}", "vnet", "j"}},
		{Name: "ignored", Do: []string{"false"}, Ignore: true},
		{Name: "jail", Do: []string{"jail", "-c", "j"}, Undo: []string{"jail", "-r", "j"}},
	}}
	r := &recorder{failOn: "jail -c", out: map[string]string{"ifconfig epair create up": "epair7a\n"}}
	err := (&Executor{Run: r}).Execute(context.Background(), p)
	if err == nil || !strings.Contains(err.Error(), "step jail") {
		t.Fatalf("err = %v", err)
	}
	want := []string{"mount_nullfs /b /p", "ifconfig epair create up", "ifconfig epair7b vnet j", "false", "jail -c j",
		"ifconfig epair7a destroy", "umount -f /p"}
	if strings.Join(r.calls, "\n") != strings.Join(want, "\n") {
		t.Fatalf("calls:\n%s\nwant:\n%s", strings.Join(r.calls, "\n"), strings.Join(want, "\n"))
	}
	// Find resolves epairs by description.
	r2 := &recorder{}
	x := &Executor{Run: r2, Find: func(_ context.Context, d string) (string, error) { return "epair3a", nil }}
	if err := x.Execute(context.Background(), &Plan{Steps: []Step{{Name: "d", Do: []string{"ifconfig", "${E}", "destroy"}, Find: map[string]string{"E": "j-eth0"}}}}); err != nil {
		t.Fatal(err)
	}
	if r2.calls[0] != "ifconfig epair3a destroy" {
		t.Fatalf("find: %v", r2.calls)
	}
	// A lookup that finds nothing skips an ignorable step entirely.
	r3 := &recorder{}
	x = &Executor{Run: r3, Find: func(_ context.Context, d string) (string, error) { return "", errors.New("none") }}
	if err := x.Execute(context.Background(), &Plan{Steps: []Step{{Name: "d", Do: []string{"ifconfig", "${E}", "destroy"}, Find: map[string]string{"E": "j-eth0"}, Ignore: true}}}); err != nil {
		t.Fatal(err)
	}
	if len(r3.calls) != 0 {
		t.Fatalf("ran with an unresolved name: %v", r3.calls)
	}
}

func TestParseDescription(t *testing.T) {
	out := "em0: flags=8843<UP> metric 0 mtu 1500\n\tether 00:11\nepair5a: flags=8843<UP> metric 0 mtu 1500\n\tdescription: web1-eth0\n\tether 02:aa\nbridge0: flags=8843<UP>\n\tdescription: web1-eth1x\n"
	if got, err := ParseDescription(out, "web1-eth0"); err != nil || got != "epair5a" {
		t.Fatalf("got %q %v", got, err)
	}
	if _, err := ParseDescription(out, "web1-eth1"); err == nil {
		t.Fatal("prefix matched")
	}
}
