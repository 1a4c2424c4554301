package base

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/cbsdgo/cbsd/internal/env"
	"github.com/cbsdgo/cbsd/internal/errdefs"
	"github.com/cbsdgo/cbsd/internal/fetch"
	"github.com/cbsdgo/cbsd/internal/sys"
)

// FreeBSDMirrors are the mirror roots tried in order when neither url= nor
// W/etc/FreeBSD-bases.conf names others (CBSD's default list).
var FreeBSDMirrors = []string{"https://download.freebsd.org/ftp", "http://ftp.freebsd.org/pub/FreeBSD", "https://pub.allbsd.org/pub/FreeBSD"}

// MirrorsConf is the workdir file (under etc/) whose
// default_obtain_base_repo_sources lists mirror roots, space-separated.
const MirrorsConf = "FreeBSD-bases.conf"

var releaseRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^[0-9]+\.[0-9]+(-(RELEASE|RC[0-9]+|BETA[0-9]+|ALPHA[0-9]+|STABLE|CURRENT|PRERELEASE))?$`)
})

// IsFreeBSDRelease reports whether ver names a FreeBSD version (14.3,
// 14.3-RELEASE, 15.0-RC1, 14.3-STABLE, 16.0-CURRENT) rather than a Linux
// base.
func IsFreeBSDRelease(ver string) bool { return releaseRE().MatchString(ver) }

// Release is one FreeBSD version's distribution directory.
type Release struct {
	Ver        string // as given: 14.3, 14.3-RELEASE, 14.3-STABLE, 16.0-CURRENT
	Arch       string // amd64, arm64, i386
	TargetArch string // amd64, aarch64, i386
}

// Name is the version as a base directory records it (14.3 for
// 14.3-RELEASE).
func (r Release) Name() string { return strings.TrimSuffix(r.Ver, "-RELEASE") }

// Dir is the distribution directory below a mirror root:
// releases/<arch>/<target>/<ver>-RELEASE, or snapshots/... for -STABLE and
// -CURRENT.
func (r Release) Dir(mirror string) string {
	full, tree := r.Ver, "releases"
	if !strings.Contains(full, "-") {
		full += "-RELEASE"
	}
	if strings.HasSuffix(full, "-STABLE") || strings.HasSuffix(full, "-CURRENT") || strings.HasSuffix(full, "-PRERELEASE") {
		tree = "snapshots"
	}
	return strings.TrimSuffix(mirror, "/") + "/" + tree + "/" + r.Arch + "/" + r.TargetArch + "/" + full
}

// Sets are the distribution sets a base is made of: base.txz, and
// lib32.txz on amd64 when the release has it.
func (r Release) Sets() []string {
	if r.Arch == "amd64" {
		return []string{"base.txz", "lib32.txz"}
	}
	return []string{"base.txz"}
}

// TargetArch is FreeBSD's TARGET_ARCH for an arch.
func TargetArch(arch string) string {
	if arch == "arm64" {
		return "aarch64"
	}
	return arch
}

// ParseManifest reads a release MANIFEST: tab-separated lines of set name,
// SHA-256, file count, component, description and default selection.
func ParseManifest(r io.Reader) (map[string]string, error) {
	out := map[string]string{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Split(sc.Text(), "\t")
		if len(f) < 2 || f[0] == "" {
			continue
		}
		if len(f[1]) != 64 || strings.Trim(strings.ToLower(f[1]), "0123456789abcdef") != "" {
			return nil, fmt.Errorf("MANIFEST: %s: bad SHA-256 %q: %w", f[0], f[1], errdefs.ErrInvalid)
		}
		out[f[0]] = strings.ToLower(f[1])
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if _, ok := out["base.txz"]; !ok {
		return nil, fmt.Errorf("MANIFEST lists no base.txz: %w", errdefs.ErrInvalid)
	}
	return out, nil
}

// ReadMirrors returns the mirror roots of W/etc/FreeBSD-bases.conf, or
// FreeBSDMirrors when the file does not name any.
func ReadMirrors(etc string) []string {
	b, err := os.ReadFile(filepath.Join(etc, MirrorsConf))
	if err != nil {
		return FreeBSDMirrors
	}
	as, err := env.ParseAssignments(strings.NewReader(string(b)))
	if err != nil {
		return FreeBSDMirrors
	}
	for _, a := range as {
		if a.Key == "default_obtain_base_repo_sources" {
			if f := strings.Fields(a.Value); len(f) > 0 {
				return f
			}
		}
	}
	return FreeBSDMirrors
}

// FetchRelease installs a FreeBSD base from the first mirror that serves
// the release: MANIFEST, then every set downloaded and checked against its
// SHA-256 there (a mismatch or a failed download moves on to the next
// mirror), then the sets extracted with tar(1) into a temporary directory
// that is renamed into place, so nothing half-made is ever used.
func (b *Builder) FetchRelease(ctx context.Context, r Release, mirrors []string, force bool) (string, error) {
	if !IsFreeBSDRelease(r.Ver) {
		return "", fmt.Errorf("ver=%q is not a FreeBSD version such as 14.3 or 15.0-CURRENT: %w", r.Ver, errdefs.ErrInvalid)
	}
	if len(mirrors) == 0 {
		return "", fmt.Errorf("no mirror to fetch %s from: %w", r.Ver, errdefs.ErrInvalid)
	}
	dst := b.L.Path("basejail", "base_"+r.Arch+"_"+r.TargetArch+"_"+r.Name())
	if Ready(dst) && !force {
		return dst, nil
	}
	start := time.Now()
	dist := dst + ".dist"
	defer os.RemoveAll(dist)
	var errs []string
	for _, m := range mirrors {
		os.RemoveAll(dist)
		sets, err := b.download(ctx, r, m, dist)
		if err != nil {
			b.Out("%s: %v\n", m, err)
			errs = append(errs, err.Error())
			continue
		}
		err = b.install(dst, func(tmp string) error {
			for _, s := range sets {
				b.Out("extracting %s\n", filepath.Base(s))
				if _, err := b.Run.Run(ctx, sys.Cmd{Argv: []string{"tar", "-xpf", s, "-C", tmp}, Timeout: time.Hour}); err != nil {
					return err
				}
			}
			if !Ready(tmp) {
				return fmt.Errorf("%s has no bin/sh after extraction: %w", filepath.Base(sets[0]), errdefs.ErrInvalid)
			}
			return nil
		})
		if err != nil {
			return "", err
		}
		b.Out("base %s ready in %s (%.1fs, from %s)\n", filepath.Base(dst), dst, time.Since(start).Seconds(), m)
		return dst, nil
	}
	return "", fmt.Errorf("no mirror served a verified FreeBSD %s for %s/%s:\n  %s: %w", r.Ver, r.Arch, r.TargetArch,
		strings.Join(errs, "\n  "), errdefs.ErrNotFound)
}

// download fetches MANIFEST and the sets from one mirror into dir.
func (b *Builder) download(ctx context.Context, r Release, mirror, dir string) ([]string, error) {
	base := r.Dir(mirror)
	mctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(mctx, http.MethodGet, base+"/MANIFEST", nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s/MANIFEST: %s", base, resp.Status)
	}
	sums, err := ParseManifest(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("%s/MANIFEST: %w", base, err)
	}
	var out []string
	for _, set := range r.Sets() {
		sum, ok := sums[set]
		if !ok {
			continue // lib32 is optional
		}
		p := filepath.Join(dir, set)
		if err := fetch.File(ctx, base+"/"+set, p, sum, b.Progress); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}
