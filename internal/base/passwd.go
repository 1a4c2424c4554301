package base

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/cbsdgo/cbsd/internal/sys"
	"github.com/cbsdgo/cbsd/internal/workdir"
)

// Runner runs external commands (sys.CmdRunner).
type Runner = sys.CmdRunner

// SetRootPassword sets root's password in a jail's etc directory
// (CBSD's user_pw_root): a SHA-512 crypt hash from openssl(1) in
// etc/shadow, which is created when the base has none, and "x" in root's
// etc/passwd entry. The password goes to openssl on stdin, never in argv.
func SetRootPassword(ctx context.Context, run Runner, etc, password string) error {
	if strings.ContainsAny(password, "\n\r") {
		return fmt.Errorf("user_pw_root: a password cannot contain a newline")
	}
	out, err := run.Run(ctx, sys.Cmd{Argv: []string{"openssl", "passwd", "-6", "-stdin"},
		Stdin: strings.NewReader(password + "\n"), Timeout: 30 * time.Second})
	if err != nil {
		return fmt.Errorf("user_pw_root: hash the password with openssl: %w", err)
	}
	hash := strings.TrimSpace(string(out))
	if !strings.HasPrefix(hash, "$6$") {
		return fmt.Errorf("user_pw_root: unexpected openssl output %q", hash)
	}
	if err := editEntry(filepath.Join(etc, "passwd"), 0o644, "root", func(f []string) []string {
		f[1] = "x"
		return f
	}, nil); err != nil {
		return err
	}
	days := strconv.FormatInt(time.Now().Unix()/86400, 10)
	return editEntry(filepath.Join(etc, "shadow"), 0o640, "root", func(f []string) []string {
		f[1], f[2] = hash, days
		return f
	}, []string{"root", hash, days, "0", "99999", "7", "", "", ""})
}

// editEntry changes the ':'-separated line of file whose first field is
// user (fix gets at least 3 fields), or appends add when there is none
// (nil add: the user must exist). The file is replaced atomically.
func editEntry(file string, mode os.FileMode, user string, fix func([]string) []string, add []string) error {
	b, err := os.ReadFile(file)
	if err != nil && !(errors.Is(err, fs.ErrNotExist) && add != nil) {
		return fmt.Errorf("user_pw_root: %w", err)
	}
	if st, err := os.Stat(file); err == nil {
		mode = st.Mode().Perm()
	}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	if len(b) == 0 {
		lines = nil
	}
	found := false
	for i, l := range lines {
		f := strings.Split(l, ":")
		if f[0] != user {
			continue
		}
		for len(f) < 3 {
			f = append(f, "")
		}
		lines[i] = strings.Join(fix(f), ":")
		found = true
	}
	if !found {
		if add == nil {
			return fmt.Errorf("user_pw_root: no %s in %s", user, file)
		}
		lines = append(lines, strings.Join(add, ":"))
	}
	return workdir.WriteFileAtomic(file, []byte(strings.Join(lines, "\n")+"\n"), mode)
}
