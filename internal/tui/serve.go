package tui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"

	"github.com/cbsdgo/cbsd/internal/tui/ask"
)

// Serve shows the form req asks for on the terminal of in/out and replies
// with what the user chose; a form left with Esc or Ctrl+C replies Aborted.
func Serve(ctx context.Context, req ask.Request, in *os.File, out io.Writer) (ask.Reply, error) {
	taken := func(name string) bool { return slices.Contains(req.Taken, name) }
	jconf := func(name string) string { return filepath.Join(req.JconfDir, name+".jconf") }
	var r ask.Reply
	var err error
	switch req.Form {
	case ask.Initenv:
		n := NodeFrom(req.Workdir, req.Settings)
		if err = Run(ctx, InitenvForm(n), in, out, req.Alternative); err == nil {
			r = ask.Reply{Write: n.Write, Workdir: n.Workdir, Settings: n.Settings()}
		}
	case ask.Profile:
		if err = Run(ctx, ProfileForm(&r.Profile, req.Profiles), in, out, req.Alternative); err != nil {
			r = ask.Reply{}
		}
	case ask.Jconstruct:
		d := req.Jail
		j := &Jail{Profile: d.Profile, IP4: d.IP4, Interface: d.Interface, BaseRW: d.BaseRW, Vnet: d.Vnet,
			Astart: d.Astart, Options: d.Options}
		setup := JailSetup{Vers: req.Vers, Hooks: req.Hooks, Packaged: req.Packaged, Exists: taken, Jconf: jconf}
		if err = Run(ctx, JconstructForm(j, setup), in, out, req.Alternative); err == nil {
			r = ask.Reply{Action: j.Action, Jname: j.Jname, Args: j.Args(), Jconf: j.Jconf(), JconfPath: j.JconfPath}
		}
	case ask.Bconstruct:
		v := &VM{RAM: "1g", CPUs: "1", ImgSize: "10g", NIC: "auto", ISO: NoISO}
		setup := VMSetup{Profiles: req.Profiles, ISOs: req.ISOs, Exists: taken, Jconf: jconf}
		if err = Run(ctx, BconstructForm(v, setup), in, out, req.Alternative); err == nil {
			r = ask.Reply{Action: v.Action, Jname: v.Jname, Args: v.Args(), Jconf: v.Jconf(), JconfPath: v.JconfPath}
		}
	default:
		return ask.Reply{}, fmt.Errorf("unknown form %q", req.Form)
	}
	if errors.Is(err, ErrAborted) {
		return ask.Reply{Aborted: true}, nil
	}
	return r, err
}

// Main is the cbsd-tui program: it reads a Request from fd 3, shows the
// form on its stdin/stdout and writes the Reply to fd 4. An error goes to
// stderr and the exit code is 1.
func Main() int {
	var req ask.Request
	if err := ask.Read(os.NewFile(3, "request"), &req); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	r, err := Serve(context.Background(), req, os.Stdin, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if err := ask.Write(os.NewFile(4, "reply"), r); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}
