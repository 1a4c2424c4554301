package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/huh"

	"github.com/cbsdgo/cbsd/internal/env"
	"github.com/cbsdgo/cbsd/internal/tui/ask"
)

// Actions a constructor ends with.
const (
	ActionStart  = ask.ActionStart
	ActionCreate = ask.ActionCreate
	ActionJconf  = ask.ActionJconf
)

// JailOptions are the jail.conf switches jconstruct-tui offers.
var JailOptions = ask.JailOptions

// Jail is what jconstruct-tui collects.
type Jail struct {
	Profile                              string // jprofile ("" = default)
	Jname, Hostname, IP4, Ver, Interface string
	BaseRW, Astart, Vnet                 bool
	MntStart, MntStop                    string
	Options                              []string // JailOptions that are on
	RootPW                               string
	Packages                             string // pkglist, for bases with a package manager
	Action, JconfPath                    string
}

// JailSetup is what the form offers.
type JailSetup struct {
	Vers   []string                 // installed bases
	Exists func(name string) bool   // a name already taken
	Hooks  []string                 // shipped mount hook scripts (Ctrl+E completes them)
	Jconf  func(name string) string // default jconf path for a name
	// Packaged are the bases with a package manager (pkglist works).
	Packaged map[string]bool
}

// Args are the jcreate arguments the Jail stands for.
func (j *Jail) Args() map[string]string {
	b := func(v bool) string {
		if v {
			return "1"
		}
		return "0"
	}
	host := strings.TrimSpace(j.Hostname)
	if host == "" {
		host = j.Jname + ".my.domain"
	}
	a := map[string]string{"jname": j.Jname, "host_hostname": host, "ip4_addr": strings.TrimSpace(j.IP4),
		"ver": j.Ver, "baserw": b(j.BaseRW), "astart": b(j.Astart), "vnet": b(j.Vnet)}
	if a["ip4_addr"] == "" {
		a["ip4_addr"] = "0"
	}
	if j.Profile != "" {
		a["jprofile"] = j.Profile
	}
	if i := strings.TrimSpace(j.Interface); i != "" {
		a["interface"] = i
	}
	for _, k := range []struct{ key, v string }{{"mnt_start", j.MntStart}, {"mnt_stop", j.MntStop}} {
		if v := strings.TrimSpace(k.v); v != "" && v != "0" {
			a[k.key] = v
		}
	}
	for _, o := range JailOptions {
		a[o] = "0"
	}
	for _, o := range j.Options {
		a[o] = "1"
	}
	if j.RootPW != "" {
		a["user_pw_root"] = j.RootPW
	}
	if p := strings.TrimSpace(j.Packages); p != "" {
		a["pkglist"] = p
	}
	return a
}

// Jconf renders the Jail as a CBSD jconf file.
func (j *Jail) Jconf() string {
	a := j.Args()
	var b strings.Builder
	b.WriteString("# jconf written by cbsd jconstruct-tui; create with: cbsd jcreate jconf=<this file>\n")
	for _, k := range append(append([]string{}, env.JARG...), env.CreateKnobs...) {
		if v, ok := a[k]; ok && k != "jname" {
			fmt.Fprintf(&b, "%s=%s;\n", k, env.Quote(v))
			delete(a, k)
		}
	}
	fmt.Fprintf(&b, "jname=%s;\n", env.Quote(j.Jname))
	return b.String()
}

func (j *Jail) summary() string {
	yn := map[bool]string{true: "yes", false: "no"}
	hooks := "none"
	if strings.TrimSpace(j.MntStart) != "" {
		hooks = j.MntStart
	}
	return plain(fmt.Sprintf("jname %s   host_hostname %s\nip4_addr %s   ver %s   baserw %s\nvnet %s   astart %s   interface %s\nmnt_start %s\noptions %s",
		j.Jname, j.Args()["host_hostname"], j.IP4, j.Ver, yn[j.BaseRW], yn[j.Vnet], yn[j.Astart], j.Interface,
		hooks, strings.Join(j.Options, " ")))
}

// ProfileForm asks for the jail profile (jprofile=) the constructor
// starts from; its values then fill JconstructForm's defaults.
func ProfileForm(profile *string, profiles []string) *huh.Form {
	opts := []huh.Option[string]{huh.NewOption("default", "")}
	for _, p := range profiles {
		opts = append(opts, huh.NewOption(p, p))
	}
	return huh.NewForm(huh.NewGroup(
		huh.NewSelect[string]().Title("Profile (jprofile)").
			Description("The defaults the jail starts from (W/etc/defaults/jail-*-<profile>.conf)").
			Options(opts...).Value(profile),
	).Title("Jail profile"))
}

// JconstructForm is jconstruct-tui: the jail, its options and storage
// hooks, a root password, then what to do with it.
func JconstructForm(j *Jail, s JailSetup) *huh.Form {
	if j.Ver == "" && len(s.Vers) > 0 {
		j.Ver = s.Vers[0]
	}
	if j.Action == "" {
		j.Action = ActionStart
	}
	name := func(v string) error {
		if err := env.ValidateName(v); err != nil {
			return fmt.Errorf("1-64 letters, digits, _ @ %% : - (not first: -)")
		}
		if s.Exists != nil && s.Exists(v) {
			return fmt.Errorf("%s already exists", v)
		}
		return nil
	}
	opts := make([]huh.Option[string], 0, len(JailOptions))
	for _, o := range JailOptions {
		opts = append(opts, huh.NewOption(o, o).Selected(contains(j.Options, o)))
	}
	return huh.NewForm(
		huh.NewGroup(
			huh.NewInput().Title("Jail name (jname)").Value(&j.Jname).Validate(name),
			huh.NewInput().Title("Host name").Description("Empty: <jname>.my.domain").Value(&j.Hostname),
			huh.NewInput().Title("IPv4/IPv6 (ip4_addr)").Description("DHCP takes one from the node's pool; 0 for none").
				Value(&j.IP4).Validate(ValidAddrs),
			huh.NewSelect[string]().Title("Base (ver)").Options(huh.NewOptions(s.Vers...)...).Value(&j.Ver),
		).Title("Jail"),
		huh.NewGroup(
			huh.NewConfirm().Title("Private copy of the base (baserw)").
				Description("No: share the read-only base (fast, small); yes: a writable copy").
				Value(&j.BaseRW).Affirmative("Yes").Negative("No"),
			huh.NewConfirm().Title("Own network stack (vnet)").Value(&j.Vnet).Affirmative("Yes").Negative("No"),
			huh.NewConfirm().Title("Start at boot (astart)").Value(&j.Astart).Affirmative("Yes").Negative("No"),
			huh.NewInput().Title("Interface").Description("Bridge (vnet) or NIC for aliases; empty: auto").Value(&j.Interface),
		).Title("Network and boot"),
		huh.NewGroup(
			huh.NewInput().Title("mnt_start hook").Description("Executable run before start (-d -f -j -r -s); Ctrl+E: shipped examples").
				Value(&j.MntStart).Suggestions(s.Hooks).Validate(ValidHook),
			huh.NewInput().Title("mnt_stop hook").Value(&j.MntStop).Suggestions(s.Hooks).Validate(ValidHook),
			huh.NewMultiSelect[string]().Title("Jail options").Options(opts...).Value(&j.Options).Height(10),
		).Title("Storage and options"),
		huh.NewGroup(
			huh.NewInput().Title("Packages (pkglist)").
				Description("Installed by apt at creation (a baserw jail), space-separated; empty: none").
				Value(&j.Packages),
		).Title("Packages").WithHideFunc(func() bool { return !s.Packaged[j.Ver] || !j.BaseRW }),
		huh.NewGroup(
			huh.NewInput().Title("Root password").Description("Empty: leave root's password as the base has it").
				EchoMode(huh.EchoModePassword).Value(&j.RootPW),
			huh.NewNote().Title("Summary").DescriptionFunc(j.summary, j),
			huh.NewSelect[string]().Title("Then").Options(
				huh.NewOption("Create and start", ActionStart),
				huh.NewOption("Create", ActionCreate),
				huh.NewOption("Write a jconf file only", ActionJconf),
			).Value(&j.Action),
		).Title("Finish"),
		huh.NewGroup(
			huh.NewInput().Title("jconf file").Value(&j.JconfPath).
				PlaceholderFunc(func() string {
					if s.Jconf != nil {
						return s.Jconf(j.Jname)
					}
					return ""
				}, &j.Jname),
		).WithHideFunc(func() bool { return j.Action != ActionJconf }),
	)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
