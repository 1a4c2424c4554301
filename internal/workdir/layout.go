package workdir

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/cbsdgo/cbsd/internal/env"
)

// DefaultWorkdir is CBSD's default workdir.
const DefaultWorkdir = "/usr/jails"

// Layout resolves paths below one workdir.
type Layout struct {
	W string
}

// Dirs are the top-level directories initenv creates.
var Dirs = []string{
	".ssh", ".rssh", "basejail", "etc", "etc/defaults", "export", "import", "jails",
	"jails-data", "jails-fstab", "jails-rcconf", "jails-system", "var", "var/db",
	"var/log", "var/run", "var/run/lock", "var/mail", "var/spool/task", "var/cron/tabs",
	"tmp", "ftmp", "src", "share", "share/examples", "modules", "nodes", "template", "vm",
}

// SpreadDirs hold one directory tree per environment (SpreadSubdirs).
var SpreadDirs = []string{"jails-data", "jails-system", "jails-fstab"}

// IDDirs get a dir.id file with a random identifier.
var IDDirs = []string{"jails-data", "jails-system", "jails-rcconf", "var/db"}

// RcConf is where initenv records cbsd_workdir, as CBSD does.
const RcConf = "/etc/rc.conf"

// Resolve finds the workdir: the workdir environment variable, then
// cbsd_workdir in rcconf (/etc/rc.conf), then /usr/jails. The result is
// cleaned and made absolute (a trailing slash broke CBSD's unmounts, issue
// #777).
func Resolve(fromEnv, rcconf string) (string, error) {
	w := fromEnv
	if w == "" {
		w = rcConfWorkdir(rcconf)
	}
	if w == "" {
		w = DefaultWorkdir
	}
	abs, err := filepath.Abs(w)
	if err != nil {
		return "", err
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		abs = real
	}
	return abs, nil
}

// SetRcConfWorkdir records cbsd_workdir="w" in the rc.conf file at path.
func SetRcConfWorkdir(path, w string) error {
	return SetRcConf(path, [][2]string{{"cbsd_workdir", w}})
}

// SetRcConf sets key="value" lines in the rc.conf file at path, as sysrc(8)
// does: an existing line for a key is replaced (later duplicates dropped),
// a new key is appended; other lines are kept.
func SetRcConf(path string, kv [][2]string) error {
	b, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	out := splitLines(string(b))
	for _, p := range kv {
		line := p[0] + "=\"" + p[1] + "\""
		var next []string
		found := false
		for _, l := range out {
			if strings.HasPrefix(l, p[0]+"=") {
				if !found {
					next = append(next, line)
				}
				found = true
				continue
			}
			next = append(next, l)
		}
		for len(next) > 0 && next[len(next)-1] == "" {
			next = next[:len(next)-1]
		}
		if !found {
			next = append(next, line)
		}
		out = next
	}
	return WriteFileAtomic(path, []byte(joinLines(out)), 0o644)
}

func joinLines(ls []string) string {
	s := ""
	for _, l := range ls {
		s += l + "\n"
	}
	return s
}

func rcConfWorkdir(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	w := ""
	for _, line := range splitLines(string(b)) {
		line = strings.TrimSpace(strings.TrimSuffix(line, "\r"))
		if !strings.HasPrefix(line, "cbsd_workdir=") {
			continue
		}
		// The value may be quoted and followed by ';' or a comment.
		if as, err := env.ParseAssignments(strings.NewReader(line)); err == nil && len(as) == 1 {
			w = as[0].Value // the last assignment wins, as when sourced
		}
	}
	return w
}

func splitLines(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

// Path joins elements below the workdir.
func (l Layout) Path(elem ...string) string {
	return filepath.Join(append([]string{l.W}, elem...)...)
}

// DB is the inventory symlink W/var/db/local.sqlite.
func (l Layout) DB() string { return l.Path("var", "db", "local.sqlite") }

// InventoryFile is W/var/db/inv.<nodename>.sqlite.
func (l Layout) InventoryFile(node string) string {
	return l.Path("var", "db", "inv."+node+".sqlite")
}

// JailPath is W/jails/<J>.
func (l Layout) JailPath(j string) string { return l.Path("jails", j) }

// DataDir is W/jails-data/<J>-data.
func (l Layout) DataDir(j string) string { return l.Path("jails-data", j+"-data") }

// SysDir is W/jails-system/<J>.
func (l Layout) SysDir(j string) string { return l.Path("jails-system", j) }

// FstabDir is W/jails-fstab/<J>.
func (l Layout) FstabDir(j string) string { return l.Path("jails-fstab", j) }

// Fstab is W/jails-fstab/<J>/fstab.
func (l Layout) Fstab(j string) string { return l.Path("jails-fstab", j, "fstab") }

// RcconfDir is W/jails-rcconf.
func (l Layout) RcconfDir() string { return l.Path("jails-rcconf") }

// Rcconf is W/jails-rcconf/rc.conf_<J>, the unregistered descriptor.
func (l Layout) Rcconf(j string) string { return l.Path("jails-rcconf", "rc.conf_"+j) }

// SysRcconf is W/jails-system/<J>/rc.conf_<J>.
func (l Layout) SysRcconf(j string) string { return l.Path("jails-system", j, "rc.conf_"+j) }

// Log is W/var/log/<J>.log, the console log.
func (l Layout) Log(j string) string { return l.Path("var", "log", j+".log") }

// RunDir is W/var/run/oci/<J>: runtime bundle and state of a running jail.
func (l Layout) RunDir(j string) string { return l.Path("var", "run", "oci", j) }

// OpLock is the per-environment operation lock file.
func (l Layout) OpLock(j string) string { return l.Path("var", "run", "lock", j+".lock") }

// Cgroup is the cgroup of jail j: /cbsd/<J>.<8 hex digits of the SHA-256
// of the workdir's path>, so that jails of one name in two workdirs of a
// host (tests, two nodes' workdirs during a move) never share one.
func (l Layout) Cgroup(j string) string {
	sum := sha256.Sum256([]byte(filepath.Clean(l.W)))
	return "/cbsd/" + j + "." + hex.EncodeToString(sum[:4])
}

// BaseDir is W/basejail/base_<arch>_<target_arch>_<ver>.
func (l Layout) BaseDir(basename, arch, ver string) string {
	if basename != "" && basename != "0" {
		return l.Path("basejail", "base_"+basename+"_"+arch+"_"+arch+"_"+ver)
	}
	return l.Path("basejail", "base_"+arch+"_"+arch+"_"+ver)
}

// Vars returns CBSD's directory variables for profile expansion.
func (l Layout) Vars() map[string]string {
	return map[string]string{
		"workdir":       l.W,
		"jaildir":       l.Path("jails"),
		"jaildatadir":   l.Path("jails-data"),
		"jaildatapref":  "data",
		"jailfstabdir":  l.Path("jails-fstab"),
		"jailrcconfdir": l.Path("jails-rcconf"),
		"jailsysdir":    l.Path("jails-system"),
		"basejaildir":   l.Path("basejail"),
		"platform":      Platform(),
	}
}

// Exists reports whether W looks initialised (has the inventory).
func (l Layout) Exists() bool {
	_, err := os.Stat(l.DB())
	return err == nil
}

// Create makes the directory tree and the dir.id files; it is idempotent.
func (l Layout) Create() error {
	if err := os.MkdirAll(l.W, 0o755); err != nil {
		return err
	}
	for _, d := range Dirs {
		mode := os.FileMode(0o755)
		if d == ".ssh" || d == ".rssh" {
			mode = 0o700
		}
		if err := os.MkdirAll(l.Path(d), mode); err != nil {
			return err
		}
	}
	for _, d := range SpreadDirs {
		SpreadSubdirs(l.Path(d))
	}
	for _, d := range IDDirs {
		p := l.Path(d, "dir.id")
		if _, err := os.Stat(p); err == nil {
			continue
		} else if !errors.Is(err, os.ErrNotExist) {
			return err
		}
		buf := make([]byte, 30)
		if _, err := rand.Read(buf); err != nil {
			return err
		}
		if err := WriteFileAtomic(p, []byte(base64.StdEncoding.EncodeToString(buf)+"\n"), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// Platform is CBSD's platform name for this OS.
func Platform() string {
	switch runtime.GOOS {
	case "freebsd":
		return "FreeBSD"
	case "linux":
		return "Linux"
	}
	return runtime.GOOS
}

// Arch is the CBSD/Debian name of the host architecture.
func Arch() string {
	switch runtime.GOARCH {
	case "amd64":
		return "amd64"
	case "arm64":
		return "arm64"
	case "386":
		return "i386"
	}
	return runtime.GOARCH
}

// WriteFileAtomic writes data to a temp file next to path and renames it.
func WriteFileAtomic(path string, data []byte, perm os.FileMode) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if perm != 0o600 { // CreateTemp made it 0600
		if err := f.Chmod(perm); err != nil {
			f.Close()
			os.Remove(tmp)
			return err
		}
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("rename %s: %w", path, err)
	}
	return nil
}
