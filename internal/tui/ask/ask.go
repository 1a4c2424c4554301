package ask

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"golang.org/x/term"

	"github.com/cbsdgo/cbsd/internal/errdefs"
)

// The forms.
const (
	Initenv    = "initenv"    // node settings (initenv-tui)
	Profile    = "profile"    // the jail profile jconstruct-tui starts from
	Jconstruct = "jconstruct" // a jail (jconstruct-tui)
	Bconstruct = "bconstruct" // a VM (bconstruct-tui)
)

// Actions a constructor ends with.
const (
	ActionStart  = "start"  // create, then start
	ActionCreate = "create" // create only
	ActionJconf  = "jconf"  // write a jconf file, create nothing
)

// JailOptions are the jail.conf switches jconstruct-tui offers.
var JailOptions = []string{"allow_raw_sockets", "allow_mount", "allow_nullfs", "allow_devfs", "allow_procfs",
	"mount_fdescfs", "mount_procfs", "persist"}

// Request is a form to show and what it starts from.
type Request struct {
	Form string `json:"form"`
	// Alternative is the command line that does without a terminal.
	Alternative string `json:"alternative"`

	// Initenv: the workdir and the stored (or default) settings.
	Workdir  string            `json:"workdir,omitempty"`
	Settings map[string]string `json:"settings,omitempty"`

	// Profile and Bconstruct: the profiles to choose from.
	Profiles []string `json:"profiles,omitempty"`

	// Jconstruct.
	Jail     JailDefaults    `json:"jail"`
	Vers     []string        `json:"vers,omitempty"`     // installed bases
	Hooks    []string        `json:"hooks,omitempty"`    // shipped mount hook scripts
	Packaged map[string]bool `json:"packaged,omitempty"` // bases with a package manager

	// Bconstruct: ISO files in W/src/iso.
	ISOs []string `json:"isos,omitempty"`

	// Jconstruct and Bconstruct.
	Taken    []string `json:"taken,omitempty"` // names already in use
	JconfDir string   `json:"jconf_dir,omitempty"`
}

// JailDefaults are what jconstruct-tui starts from (the profile's values).
type JailDefaults struct {
	Profile              string   `json:"profile,omitempty"`
	IP4, Interface       string   `json:",omitempty"`
	BaseRW, Vnet, Astart bool     `json:",omitempty"`
	Options              []string `json:",omitempty"`
}

// Reply is what the user chose. A form left with Esc or Ctrl+C replies
// Aborted and nothing else.
type Reply struct {
	Aborted bool `json:"aborted,omitempty"`

	// Profile.
	Profile string `json:"profile,omitempty"`

	// Initenv: Write is the user's confirmation of the summary.
	Write    bool              `json:"write,omitempty"`
	Workdir  string            `json:"workdir,omitempty"`
	Settings map[string]string `json:"settings,omitempty"`

	// Jconstruct and Bconstruct: the create arguments, or the jconf
	// (JconfPath "" = the default: <jname>.jconf in JconfDir).
	Action    string            `json:"action,omitempty"`
	Jname     string            `json:"jname,omitempty"`
	Args      map[string]string `json:"args,omitempty"`
	Jconf     string            `json:"jconf,omitempty"`
	JconfPath string            `json:"jconf_path,omitempty"`
}

// NeedTerminal fails with an error naming alternative unless in and out
// are both a terminal.
func NeedTerminal(in *os.File, out io.Writer, alternative string) error {
	o, ok := out.(*os.File)
	if in == nil || !term.IsTerminal(int(in.Fd())) || !ok || o == nil || !term.IsTerminal(int(o.Fd())) {
		return fmt.Errorf("this form needs a terminal (stdin and stdout); without one use: %s: %w", alternative, errdefs.ErrNotSupported)
	}
	return nil
}

// Write sends v (a Request or a Reply) as one JSON document.
func Write(w io.Writer, v any) error { return json.NewEncoder(w).Encode(v) }

// Read reads what Write sent into v.
func Read(r io.Reader, v any) error {
	if err := json.NewDecoder(r).Decode(v); err != nil {
		return fmt.Errorf("form: %w", err)
	}
	return nil
}
