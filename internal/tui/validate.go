package tui

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/cbsdgo/cbsd/internal/env"
	"github.com/cbsdgo/cbsd/internal/network"
)

// ValidPool checks an IP pool (nodeippool): CIDRs or a.b.c.x-y ranges.
func ValidPool(s string) error {
	if _, err := network.ParsePool(strings.TrimSpace(s)); err != nil {
		return fmt.Errorf("want CIDRs or a.b.c.x-y ranges, e.g. 10.0.0.0/24: %v", err)
	}
	return nil
}

// ValidNodename checks a node name (it names the inventory file).
func ValidNodename(s string) error {
	if err := env.ValidateName(s); err != nil {
		return fmt.Errorf("letters, digits and _ @ %% : - only")
	}
	return nil
}

// ValidWorkdir checks a workdir: an absolute path that is a directory or
// can be made.
func ValidWorkdir(s string) error {
	if !filepath.IsAbs(s) {
		return fmt.Errorf("give an absolute path, e.g. /usr/jails")
	}
	for p := s; p != "/"; p = filepath.Dir(p) {
		if st, err := os.Stat(p); err == nil {
			if !st.IsDir() {
				return fmt.Errorf("%s is not a directory", p)
			}
			return nil
		}
	}
	return nil
}

// ValidAddrs checks ip4_addr: DHCP, 0, or comma-separated addresses.
func ValidAddrs(s string) error {
	s = strings.TrimSpace(s)
	if strings.EqualFold(s, "DHCP") || s == "0" || s == "" {
		return nil
	}
	if _, err := network.ParseAddrs(s, 24); err != nil {
		return fmt.Errorf("want DHCP, 0 or addresses such as 10.0.0.5/24: %v", err)
	}
	return nil
}

// ValidHook checks a mount hook: empty or 0 for none, else an executable
// file.
func ValidHook(s string) error {
	s = strings.TrimSpace(s)
	if s == "" || s == "0" {
		return nil
	}
	st, err := os.Stat(s)
	switch {
	case err != nil:
		return fmt.Errorf("no such file: %s", s)
	case st.IsDir():
		return fmt.Errorf("%s is a directory", s)
	case st.Mode().Perm()&0o111 == 0:
		return fmt.Errorf("%s is not executable (chmod +x)", s)
	}
	return nil
}

// ValidCount checks a positive integer no larger than max.
func ValidCount(max int) func(string) error {
	return func(s string) error {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 || n > max {
			return fmt.Errorf("want a number from 1 to %d", max)
		}
		return nil
	}
}

// ValidSize checks a size such as 512m, 10g or a number of bytes.
func ValidSize(s string) error {
	t := strings.ToLower(strings.TrimSpace(s))
	t = strings.TrimSuffix(t, "b") // 512mb, 10gb
	if t == "" {
		return fmt.Errorf("want a size such as 512m or 10g")
	}
	unit := t[len(t)-1]
	if unit == 'k' || unit == 'm' || unit == 'g' || unit == 't' {
		t = t[:len(t)-1]
	}
	if n, err := strconv.ParseUint(t, 10, 64); err != nil || n == 0 {
		return fmt.Errorf("want a size such as 512m or 10g")
	}
	return nil
}
