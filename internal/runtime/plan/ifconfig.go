package plan

import (
	"bufio"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/cbsdgo/cbsd/internal/errdefs"
	"github.com/cbsdgo/cbsd/internal/sys"
)

// InterfaceByDescription finds the network interface whose ifconfig(8)
// description is desc: FreeBSD drivers name their epairs and taps
// "<J>-eth<N>"/"<J>-nic<N>" this way, as CBSD does, and find them again
// (an Executor's Find).
func InterfaceByDescription(ctx context.Context, run Runner, desc string) (string, error) {
	out, err := run.Run(ctx, sys.Cmd{Argv: []string{"ifconfig", "-a"}, Timeout: 10 * time.Second})
	if err != nil {
		return "", err
	}
	return ParseDescription(string(out), desc)
}

// ParseDescription scans ifconfig output for "description: desc".
func ParseDescription(out, desc string) (string, error) {
	cur := ""
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		if line != "" && line[0] != '\t' && line[0] != ' ' {
			if i := strings.IndexByte(line, ':'); i > 0 {
				cur = line[:i]
			}
			continue
		}
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "description: "); ok && v == desc {
			return cur, nil
		}
	}
	return "", fmt.Errorf("no interface described %q: %w", desc, errdefs.ErrNotFound)
}
