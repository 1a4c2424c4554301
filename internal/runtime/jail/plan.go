package jail

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/cbsdgo/cbsd/internal/env"
	"github.com/cbsdgo/cbsd/internal/fstab"
	"github.com/cbsdgo/cbsd/internal/hook"
	"github.com/cbsdgo/cbsd/internal/network"
	"github.com/cbsdgo/cbsd/internal/rctl"
	"github.com/cbsdgo/cbsd/internal/runtime/plan"
)

// Paths are the workdir locations a plan uses.
type Paths struct {
	W          string      // workdir
	Base       string      // W/basejail/base_<arch>_<arch>_<ver>
	ConfFile   string      // W/ftmp/<J>.conf
	ConsoleLog string      // W/var/log/<J>.log ("" = none)
	SrcDir     string      // W/src/src_<ver>/src
	ObjDir     string      // W/src/obj_<arch>_<arch>_<ver>/obj
	KernelDir  string      // W/basejail/FreeBSD-kernel_GENERIC_<arch>_<ver>/boot/kernel
	Limits     rctl.Limits // RCTL limits, applied once the jail exists
	// BaseOSRelDate and HostOSRelDate are the osreldate of the base's and
	// the host's /bin/sh (0 = unknown): jail.conf spoofs the base's.
	BaseOSRelDate, HostOSRelDate int
}

// root is where the jail's filesystem is assembled.
func root(e *env.Env) string {
	if e.Bool("baserw") {
		return e.Get("data")
	}
	return e.Get("path")
}

// mountStep mounts src on dst (nullfs), undone by a forced unmount.
func mountStep(name, src, dst string, opts []string) plan.Step {
	argv := []string{"mount_nullfs"}
	if len(opts) > 0 {
		argv = append(argv, "-o", strings.Join(opts, ","))
	}
	return plan.Step{Name: name, Do: append(argv, src, dst), Undo: []string{"umount", "-f", dst}}
}

// StartPlan is jstart's ordered plan for e (spec §5.3): mnt_start, the
// read-only base, src/obj/kernel/ports, fstab then fstab.local (".local"
// wins per mount point), IP aliases or epairs, jail.conf and jail(8), and
// for vnet jails the NICs moved in before exec.start runs.
func StartPlan(e *env.Env, p Paths) (*plan.Plan, error) {
	name, r := e.Name(), root(e)
	pl := &plan.Plan{Files: map[string]string{p.ConfFile: Conf(e, r, p)}}
	add := func(s plan.Step) { pl.Steps = append(pl.Steps, s) }
	if hook.Enabled(e.Get("mnt_start")) {
		a := hook.MountArgs{Data: e.Get("data"), Fstab: filepath.Join(p.W, "jails-fstab", name), Jname: name,
			Rcconf: filepath.Join(p.W, "jails-rcconf"), Sys: filepath.Join(p.W, "jails-system", name)}
		s := plan.Step{Name: "mnt_start", Do: a.Argv(e.Get("mnt_start"))}
		if hook.Enabled(e.Get("mnt_stop")) {
			s.Undo = a.Argv(e.Get("mnt_stop"))
		}
		add(s)
	}
	if !e.Bool("baserw") {
		add(plan.Step{Name: "mkdir path", Do: []string{"mkdir", "-p", r}})
		add(mountStep("base", p.Base, r, []string{"ro"}))
	}
	if e.Bool("mount_src") && p.SrcDir != "" {
		add(mountStep("src", p.SrcDir, filepath.Join(r, "usr/src"), []string{"ro"}))
	}
	if e.Bool("mount_obj") && p.ObjDir != "" {
		add(mountStep("obj", p.ObjDir, filepath.Join(r, "usr/obj"), []string{"rw"}))
	}
	if e.Bool("mount_kernel") && p.KernelDir != "" {
		add(mountStep("kernel", p.KernelDir, filepath.Join(r, "boot/kernel"), []string{"ro"}))
	}
	if e.Bool("mount_ports") {
		add(mountStep("ports", "/usr/ports", filepath.Join(r, "usr/ports"), []string{"ro"}))
		add(mountStep("distfiles", filepath.Join(e.Get("data"), "var/cache/distfiles"), filepath.Join(r, "usr/ports/distfiles"), []string{"rw"}))
	}
	fs, err := mounts(e, p.W)
	if err != nil {
		return nil, err
	}
	var zfs []fstab.Entry
	for _, m := range fs {
		dst := filepath.Join(r, m.MountPoint)
		switch m.Type {
		case "nullfs":
			add(mountStep("fstab "+m.MountPoint, m.Source, dst, m.Options))
		case "external":
			add(plan.Step{Name: "fstab external " + m.MountPoint,
				Do:   []string{m.Source, "-p", dst, "-o", strings.Join(m.Options, ","), name},
				Undo: []string{"umount", "-f", dst}, Ignore: true})
		case "zfs":
			zfs = append(zfs, m) // attached once the jail exists
		default:
			argv := []string{"mount", "-t", m.Type}
			if len(m.Options) > 0 {
				argv = append(argv, "-o", strings.Join(m.Options, ","))
			}
			add(plan.Step{Name: "fstab " + m.MountPoint, Do: append(argv, m.Source, dst), Undo: []string{"umount", "-f", dst}})
		}
	}
	vnet := e.Bool("vnet")
	if !vnet {
		iface := e.Get("interface")
		if iface != "" && iface != "0" && iface != "auto" {
			ps, _ := network.ParseAddrs(e.Get("ip4_addr"), 24)
			for _, a := range ps {
				fam := "inet"
				if a.Addr().Is6() {
					fam = "inet6"
				}
				add(plan.Step{Name: "alias " + a.String(), Do: []string{"ifconfig", iface, fam, a.String(), "alias"},
					Undo: []string{"ifconfig", iface, fam, a.Addr().String(), "-alias"}})
			}
		}
	}
	add(plan.Step{Name: "jail", Do: []string{"jail", "-f", p.ConfFile, "-c", name}, Undo: []string{"jail", "-r", name}})
	for _, r := range p.Limits.Rules(name) {
		add(plan.Step{Name: "rctl " + r, Do: []string{"rctl", "-a", r}, Undo: []string{"rctl", "-r", r[:strings.LastIndexByte(r, ':')]}})
	}
	for _, m := range zfs {
		add(plan.Step{Name: "zfs attach " + m.Source, Do: []string{"zfs", "set", "jailed=on", m.Source}, Undo: []string{"zfs", "set", "jailed=off", m.Source}})
		add(plan.Step{Name: "zfs jail " + m.Source, Do: []string{"zfs", "jail", name, m.Source}, Undo: []string{"zfs", "unjail", name, m.Source}})
	}
	if vnet {
		for i, nic := range nics(e) {
			v := fmt.Sprintf("EPAIR%d", i)
			add(plan.Step{Name: fmt.Sprintf("epair %d", i), Do: []string{"ifconfig", "epair", "create", "up"}, Capture: v,
				Undo: []string{"ifconfig", "${" + v + "}", "destroy"}})
			add(plan.Step{Name: fmt.Sprintf("epair %d describe", i), Do: []string{"ifconfig", "${" + v + "}", "description", fmt.Sprintf("%s-eth%d", name, i)}})
			add(plan.Step{Name: fmt.Sprintf("epair %d bridge", i), Do: []string{"ifconfig", nic, "addm", "${" + v + "}"}})
			add(plan.Step{Name: fmt.Sprintf("epair %d move", i), Do: []string{"ifconfig", "${" + v + "B}", "vnet", name}})
			add(plan.Step{Name: fmt.Sprintf("epair %d rename", i), Do: []string{"jexec", name, "ifconfig", "${" + v + "B}", "name", fmt.Sprintf("eth%d", i)}})
		}
		ps, _ := network.ParseAddrs(e.Get("ip4_addr"), 24)
		for _, a := range ps {
			fam := "inet"
			if a.Addr().Is6() {
				fam = "inet6"
			}
			add(plan.Step{Name: "address " + a.String(), Do: []string{"jexec", name, "ifconfig", "eth0", fam, a.String(), "alias"}})
		}
		if gw := e.Get("ci_gw4"); gw != "0" && gw != "" {
			add(plan.Step{Name: "default route", Do: []string{"jexec", name, "route", "add", "default", gw}})
		}
		if st := e.Get("exec_start"); st != "0" && st != "" {
			add(plan.Step{Name: "exec.start", Do: append([]string{"jexec", name}, strings.Fields(st)...), Ignore: true})
		}
	}
	return pl, nil
}

// nics are the bridges a vnet jail's NICs join (one per interface=,
// comma-separated; "auto"/"0" = bridge0).
func nics(e *env.Env) []string {
	var out []string
	for _, n := range strings.Split(e.Get("interface"), ",") {
		n = strings.TrimSpace(n)
		if n == "" || n == "0" || n == "auto" {
			n = "bridge0"
		}
		out = append(out, n)
	}
	return out
}

// mounts reads fstab and fstab.local (".local" wins per mount point).
func mounts(e *env.Env, w string) ([]fstab.Entry, error) {
	file := e.Get("mount_fstab")
	if file == "" || file == "0" {
		file = filepath.Join(w, "jails-fstab", e.Name(), "fstab")
	}
	sys, err := fstab.Parse(file, w)
	if err != nil {
		return nil, err
	}
	local, err := fstab.Parse(file+".local", w)
	if err != nil {
		return nil, err
	}
	return fstab.Merge(sys, local), nil
}

// StopPlan is jstop's plan (spec §5.7, cleanup §5.6): exec.stop through
// jail -r, then every mount of StartPlan undone deepest first, the IP
// aliases and epairs removed, and mnt_stop last.
func StopPlan(e *env.Env, p Paths) (*plan.Plan, error) {
	start, err := StartPlan(e, p)
	if err != nil {
		return nil, err
	}
	name := e.Name()
	pl := &plan.Plan{Files: start.Files}
	pl.Steps = append(pl.Steps, plan.Step{Name: "jail -r", Do: []string{"jail", "-f", p.ConfFile, "-r", name}, Ignore: true})
	if len(p.Limits.Set()) > 0 {
		pl.Steps = append(pl.Steps, plan.Step{Name: "rctl", Do: []string{"rctl", "-r", "jail:" + name}, Ignore: true})
	}
	var umounts []plan.Step
	var rest []plan.Step
	for _, s := range start.Steps {
		if len(s.Undo) == 0 || s.Name == "jail" || s.Name == "mnt_start" || strings.HasPrefix(s.Name, "rctl ") {
			continue
		}
		u := plan.Step{Name: "undo " + s.Name, Do: s.Undo, Ignore: true}
		if s.Undo[0] == "umount" {
			umounts = append(umounts, u)
		} else {
			rest = append(rest, u)
		}
	}
	// Deepest mount point first.
	sort.SliceStable(umounts, func(i, j int) bool {
		return strings.Count(umounts[i].Do[len(umounts[i].Do)-1], "/") > strings.Count(umounts[j].Do[len(umounts[j].Do)-1], "/")
	})
	pl.Steps = append(pl.Steps, umounts...)
	for i := len(rest) - 1; i >= 0; i-- {
		if strings.Contains(strings.Join(rest[i].Do, " "), "${EPAIR") {
			continue // captured at start: found again by description below
		}
		pl.Steps = append(pl.Steps, rest[i])
	}
	if e.Bool("vnet") {
		for i := range nics(e) {
			v := fmt.Sprintf("EPAIR%d", i)
			pl.Steps = append(pl.Steps, plan.Step{Name: fmt.Sprintf("epair %d destroy", i),
				Do: []string{"ifconfig", "${" + v + "}", "destroy"}, Find: map[string]string{v: fmt.Sprintf("%s-eth%d", name, i)}, Ignore: true})
		}
	}
	if hook.Enabled(e.Get("mnt_stop")) {
		a := hook.MountArgs{Data: e.Get("data"), Fstab: filepath.Join(p.W, "jails-fstab", name), Jname: name,
			Rcconf: filepath.Join(p.W, "jails-rcconf"), Sys: filepath.Join(p.W, "jails-system", name)}
		pl.Steps = append(pl.Steps, plan.Step{Name: "mnt_stop", Do: a.Argv(e.Get("mnt_stop")), Ignore: true})
	}
	return pl, nil
}
