package hook

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/cbsdgo/cbsd/internal/errdefs"
	"github.com/cbsdgo/cbsd/internal/sys"
)

// MountArgs are the getopt arguments of a mnt_start/mnt_stop hook, in
// CBSD's order: -d data -f fstab-dir -j jname -r rcconf-dir -s sysdata.
// Fstab is empty for VMs (no -f).
type MountArgs struct {
	Data, Fstab, Jname, Rcconf, Sys string
}

// Argv renders the hook's command line.
func (a MountArgs) Argv(script string) []string {
	argv := []string{script, "-d", a.Data}
	if a.Fstab != "" {
		argv = append(argv, "-f", a.Fstab)
	}
	return append(argv, "-j", a.Jname, "-r", a.Rcconf, "-s", a.Sys)
}

// Enabled reports whether a mnt_start/mnt_stop value names a script ("0"
// and "" mean off).
func Enabled(v string) bool {
	v = strings.TrimSpace(v)
	return v != "" && v != "0"
}

// CheckScript verifies that a hook value is off or an executable file.
func CheckScript(key, v string) error {
	if !Enabled(v) {
		return nil
	}
	st, err := os.Stat(v)
	if err != nil || st.IsDir() || st.Mode()&0o111 == 0 {
		return fmt.Errorf("%s script not exist or not executable: %s: %w", key, v, errdefs.ErrInvalid)
	}
	return nil
}

// RunMount runs a mnt_start/mnt_stop script synchronously with the
// CBSD arguments, appending its output with time stamps to log. A timeout
// of 0 means none (as CBSD); the hook is killed when it is exceeded. A
// non-zero exit is an error naming the script, its exit code and stderr.
func RunMount(ctx context.Context, run *sys.Runner, key, script string, a MountArgs, timeout time.Duration, log io.Writer) error {
	if err := CheckScript(key, script); err != nil {
		return err
	}
	if timeout <= 0 {
		timeout = 365 * 24 * time.Hour // "none": only the caller's context bounds it
	}
	argv := a.Argv(script)
	stamp := func(format string, v ...any) {
		fmt.Fprintf(log, "%s %s %s: "+format+"\n", append([]any{time.Now().Format(time.RFC3339), a.Jname, key}, v...)...)
	}
	stamp("run %s", strings.Join(argv, " "))
	tw := &stampWriter{w: log, prefix: a.Jname + " " + key + ": "}
	_, err := run.Run(ctx, sys.Cmd{Argv: argv, Stdout: tw, Stderr: tw, Timeout: timeout})
	tw.flush()
	if err != nil {
		var ee *sys.ExecError
		code, stderr := -1, ""
		if errors.As(err, &ee) {
			code, stderr = ee.ExitCode, strings.TrimSpace(ee.Stderr)
		}
		if errors.Is(err, context.DeadlineExceeded) {
			stamp("killed after %s", timeout)
			return fmt.Errorf("%s script %s did not finish within %s (mnt_timeout), killed", key, script, timeout)
		}
		stamp("failed: exit %d", code)
		msg := fmt.Sprintf("%s script %s failed with exit code %d", key, script, code)
		if stderr != "" {
			msg += ": " + stderr
		}
		return errors.New(msg)
	}
	stamp("ok")
	return nil
}

// stampWriter prefixes every line with a time stamp.
type stampWriter struct {
	w      io.Writer
	prefix string
	buf    []byte
}

func (s *stampWriter) Write(p []byte) (int, error) {
	s.buf = append(s.buf, p...)
	for {
		i := strings.IndexByte(string(s.buf), '\n')
		if i < 0 {
			break
		}
		fmt.Fprintf(s.w, "%s %s%s\n", time.Now().Format(time.RFC3339), s.prefix, s.buf[:i])
		s.buf = s.buf[i+1:]
	}
	return len(p), nil
}

func (s *stampWriter) flush() {
	if len(s.buf) > 0 {
		s.Write([]byte("\n"))
	}
}

// ParseTimeout parses mnt_timeout (seconds; "0"/"" = none).
func ParseTimeout(v string) (time.Duration, error) {
	v = strings.TrimSpace(v)
	if v == "" || v == "0" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("mnt_timeout=%q: want seconds: %w", v, errdefs.ErrInvalid)
	}
	return time.Duration(n) * time.Second, nil
}
