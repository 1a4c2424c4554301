package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cbsdgo/cbsd/internal/base"
	"github.com/cbsdgo/cbsd/internal/errdefs"
	"github.com/cbsdgo/cbsd/internal/repo"
	"github.com/cbsdgo/cbsd/internal/sys"
	"github.com/cbsdgo/cbsd/internal/workdir"
)

func repoCmd() *Command {
	return &Command{
		Name: "repo", Desc: "Signed repositories of bases, images and ISOs; FreeBSD releases from the official mirrors",
		Args: []string{"action"},
		Opt:  []string{"sources", "name", "ver", "arch", "target_arch", "repo", "url", "force", "dir", "key", "listen", "header"},
		Usage: `  cbsd repo action=list [sources=base|kernel|img|iso|profile] [name=N] [ver=V] [arch=A]
  cbsd repo action=get sources=img name=vmagent [ver=V]   # W/import/vmagent.img
  cbsd repo action=get sources=iso name=debian-12.iso     # W/src/iso/debian-12.iso
  cbsd repo action=get sources=base ver=busybox           # W/basejail/base_amd64_amd64_busybox
  cbsd repo action=get sources=base ver=14.3              # base.txz (+ lib32.txz on amd64)
  cbsd repo action=get sources=base ver=14.3 url=http://mirror.example/pub/FreeBSD
  cbsd repo action=keygen name=mykey                      # W/etc/keys/mykey.key and .pub
  cbsd repo action=publish dir=/srv/repo key=W/etc/keys/mykey.key [sources=img] [name=N] [ver=V] [arch=amd64] FILE ...
  cbsd repo action=publish dir=/srv/repo key=W/etc/keys/mykey.key sources=base ver=busybox
  cbsd repo action=serve dir=/srv/repo [listen=127.0.0.1:8080]
Repository mirrors come from repo= (URLs or directories, space- or
comma-separated; repo=0: none), else the node setting repo (cbsd initenv
repo="https://a/ https://b/"). An index is used only when its signature
verifies against a key in W/etc/repo.keys, every download only when its size
and SHA-256 match the index; an interrupted download resumes from
<file>.part, and a mirror that fails is skipped for the next one. get puts
images in W/import/<name>.img (import them with cbsd jimport), ISOs in
W/src/iso/<name>, bases in W/basejail; force=1 fetches again what is there.
A base the repository does not have, or any base when no repository is
configured, comes from the FreeBSD mirrors when ver= is a FreeBSD release:
every set is checked against the SHA-256 of the release MANIFEST before it
is extracted into W/basejail/base_<arch>_<target_arch>_<ver>; mirror roots
come from url=, else default_obtain_base_repo_sources in
W/etc/FreeBSD-bases.conf, else download.freebsd.org, ftp.freebsd.org and
pub.allbsd.org.
publish stores each FILE (or, for sources=base without a FILE, the installed
base W/basejail/base_<arch>_<arch>_<ver> as tar+zstd) under its SHA-256 and
re-signs the index. Defaults: sources= from the file name (.img, .iso,
.conf), name= the file name (less .img or the archive suffix), ver= today's
date (required for bases and kernels), arch=amd64 (the host's for an
installed base). serve serves a tree over HTTP until interrupted; any static
web server does as well. --quiet hides download progress. The repository
format: docs/repository.md.`,
		Run: func(ctx context.Context, c *Ctx, a *Args) error {
			switch act := a.KV["action"]; act {
			case "list":
				return repoList(ctx, c, a)
			case "get":
				return repoGet(ctx, c, a)
			case "keygen":
				return repoKeygen(c, a)
			case "publish":
				return repoPublish(ctx, c, a)
			case "serve":
				return repoServe(ctx, c, a)
			default:
				return fmt.Errorf("repo action=%q: want list, get, keygen, publish or serve: %w", act, errdefs.ErrInvalid)
			}
		},
	}
}

// needWorkdir fails unless the workdir is initialised.
func needWorkdir(c *Ctx) error {
	if !c.L.Exists() {
		return fmt.Errorf("no workdir at %s: run cbsd initenv first: %w", c.Workdir, errdefs.ErrNotFound)
	}
	return nil
}

// pleaseSet prints CBSD's message for a missing argument.
func pleaseSet(c *Ctx, key string) error {
	fmt.Fprintf(c.Stdout, "Please set repo: %s\n", key)
	return &errdefs.ExitCode{Code: 1}
}

// repoMirrors returns the repository mirrors: repo= on the command line,
// else the node setting repo; none for "0" or "".
func repoMirrors(ctx context.Context, c *Ctx, a *Args) ([]string, error) {
	v, given := a.KV["repo"]
	if !given {
		s, err := c.Service(ctx)
		if err != nil {
			return nil, err
		}
		v = s.NodeSetting("repo", "0")
	}
	if v = strings.TrimSpace(v); v == "0" || v == "" {
		return nil, nil
	}
	return strings.Fields(strings.ReplaceAll(v, ",", " ")), nil
}

// repoClient is a client for mirrors that trusts W/etc/repo.keys.
func repoClient(c *Ctx, a *Args, mirrors []string) (*repo.Client, error) {
	p := c.L.Path("etc", repo.KeysFile)
	keys, err := repo.ReadKeys(p)
	if err != nil {
		return nil, err
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("no trusted keys in %s: add the publisher's public key (one per line) to trust a repository: %w", p, errdefs.ErrNotFound)
	}
	return &repo.Client{Mirrors: mirrors, Keys: keys, Progress: progressOut(c, a),
		Warn: func(m string, err error) {
			fmt.Fprintf(c.Stderr, "repo: %s: %s; trying the next mirror\n", m, message(err))
		}}, nil
}

// configuredClient is a client for the configured repository (noRepo when
// there is none).
func configuredClient(ctx context.Context, c *Ctx, a *Args) (*repo.Client, error) {
	mirrors, err := repoMirrors(ctx, c, a)
	if err != nil {
		return nil, err
	}
	if len(mirrors) == 0 {
		return nil, noRepo()
	}
	return repoClient(c, a, mirrors)
}

// noRepo is the error of list and get when no repository is configured.
func noRepo() error {
	return fmt.Errorf("no repository configured (repo= or the node setting repo): without one, only action=get sources=base is available, for FreeBSD releases from the FreeBSD mirrors: %w", errdefs.ErrNotFound)
}

func repoList(ctx context.Context, c *Ctx, a *Args) error {
	if err := needWorkdir(c); err != nil {
		return err
	}
	cl, err := configuredClient(ctx, c, a)
	if err != nil {
		return err
	}
	x, _, err := cl.Index(ctx)
	if err != nil {
		return err
	}
	var rows [][]string
	for _, art := range x.Select(repo.Query{Kind: a.KV["sources"], Name: a.KV["name"], Version: a.KV["ver"], Arch: a.KV["arch"]}) {
		rows = append(rows, []string{art.Kind, art.Name, art.Version, art.Arch, byteSize(art.Size), art.SHA256[:16]})
	}
	table(c.Stdout, []string{"SOURCES", "NAME", "VER", "ARCH", "SIZE", "SHA256"}, rows, a.Value("header", "1") != "0")
	return nil
}

func repoGet(ctx context.Context, c *Ctx, a *Args) error {
	if err := needWorkdir(c); err != nil {
		return err
	}
	switch src := a.KV["sources"]; src {
	case "":
		return pleaseSet(c, "sources")
	case repo.KindBase:
		return repoGetBase(ctx, c, a)
	case repo.KindImage, repo.KindISO:
		return repoGetFile(ctx, c, a, src)
	case repo.KindKernel, repo.KindProfile:
		return fmt.Errorf("repo action=get sources=%s: kernels and profiles can be published and listed, not fetched yet: %w", src, errdefs.ErrNotSupported)
	default:
		return fmt.Errorf("sources=%q: want base, img or iso: %w", src, errdefs.ErrInvalid)
	}
}

// hostArch is arch= with "native" (or nothing) meaning the host's.
func hostArch(a *Args) string {
	if arch := a.Value("arch", "native"); arch != "native" && arch != "" {
		return arch
	}
	return workdir.Arch()
}

func repoGetBase(ctx context.Context, c *Ctx, a *Args) error {
	ver := a.KV["ver"]
	if ver == "" {
		return fmt.Errorf("Please set repo: ver")
	}
	mirrors, err := repoMirrors(ctx, c, a)
	if err != nil {
		return err
	}
	freebsd := base.IsFreeBSDRelease(ver)
	if len(mirrors) == 0 {
		if freebsd {
			return fetchRelease(ctx, c, a, ver)
		}
		return fmt.Errorf("ver=%q is not a FreeBSD version such as 14.3 and no repository is configured (repo= or the node setting repo): build it with cbsd mkbase ver=%s: %w",
			ver, ver, errdefs.ErrNotFound)
	}
	arch := hostArch(a)
	dst := c.L.BaseDir("", arch, ver)
	if freebsd {
		rel := base.Release{Ver: ver, Arch: arch, TargetArch: a.Value("target_arch", base.TargetArch(arch))}
		ver = rel.Name()
		dst = c.L.Path("basejail", "base_"+rel.Arch+"_"+rel.TargetArch+"_"+ver)
	}
	if base.Ready(dst) && a.KV["force"] != "1" {
		fmt.Fprintf(c.Stdout, "base %s is installed in %s (force=1 fetches it again)\n", filepath.Base(dst), dst)
		return nil
	}
	cl, err := repoClient(c, a, mirrors)
	if err != nil {
		return err
	}
	dl := dst + ".download"
	art, m, err := cl.Get(ctx, repo.Query{Kind: repo.KindBase, Name: a.KV["name"], Version: ver, Arch: arch}, dl)
	if err != nil {
		if freebsd && errors.Is(err, repo.ErrNotInIndex) {
			fmt.Fprintf(c.Stdout, "repo: no base %s for %s in the repository; fetching FreeBSD %s from the FreeBSD mirrors\n", ver, arch, ver)
			return fetchRelease(ctx, c, a, a.KV["ver"])
		}
		return err
	}
	defer os.Remove(dl)
	fmt.Fprintf(c.Stdout, "%s: %s, sha256 verified (from %s)\n", art, byteSize(art.Size), m)
	b := &base.Builder{L: c.L, Run: c.Run, Out: func(f string, x ...any) { fmt.Fprintf(c.Stdout, f, x...) }, Progress: progressOut(c, a)}
	return b.InstallPublished(dst, func(tmp string) error { return extractArchive(ctx, c, art, dl, tmp) })
}

// extractArchive unpacks a verified base or kernel archive into dir:
// tar+zstd in process, other tar formats with tar(1).
func extractArchive(ctx context.Context, c *Ctx, art repo.Artifact, file, dir string) error {
	switch art.Format {
	case repo.FormatTarZstd:
		f, err := os.Open(file)
		if err != nil {
			return err
		}
		defer f.Close()
		return repo.ExtractTarZstd(ctx, c.Run, f, dir)
	case repo.FormatTarXz, repo.FormatTarGz, repo.FormatTar:
		_, err := c.Run.Run(ctx, sys.Cmd{Argv: []string{"tar", "-xpf", file, "-C", dir}, Timeout: time.Hour})
		return err
	}
	return fmt.Errorf("%s: archive format %q: %w", art, art.Format, errdefs.ErrNotSupported)
}

func repoGetFile(ctx context.Context, c *Ctx, a *Args, kind string) error {
	name := a.KV["name"]
	if name == "" {
		return pleaseSet(c, "name")
	}
	if err := repo.CheckWord("name", name); err != nil {
		return err
	}
	dst := c.L.Path("src", "iso", name)
	if kind == repo.KindImage {
		dst = imagePath(c, name)
	}
	if _, err := os.Lstat(dst); err == nil && a.KV["force"] != "1" {
		return fmt.Errorf("%s exists (force=1 replaces it): %w", dst, errdefs.ErrExists)
	}
	cl, err := configuredClient(ctx, c, a)
	if err != nil {
		return err
	}
	art, m, err := cl.Get(ctx, repo.Query{Kind: kind, Name: name, Version: a.KV["ver"], Arch: hostArch(a)}, dst)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.Stdout, "%s: %s, sha256 verified (from %s)\n", art, byteSize(art.Size), m)
	if kind != repo.KindImage {
		fmt.Fprintf(c.Stdout, "downloaded to %s\n", dst)
		return nil
	}
	info := imageInfo{Name: art.Name, Version: art.Version, Arch: art.Arch, Size: art.Size, SHA256: art.SHA256, Source: m, Downloaded: time.Now().UTC()}
	if err := writeImageInfo(dst, info); err != nil {
		return err
	}
	fmt.Fprintf(c.Stdout, "downloaded to %s (import with: cbsd jimport jname=%s)\n", dst, name)
	return nil
}

func repoKeygen(c *Ctx, a *Args) error {
	if err := needWorkdir(c); err != nil {
		return err
	}
	name := a.KV["name"]
	if name == "" {
		return pleaseSet(c, "name")
	}
	kp, err := repo.GenerateKey(c.L.Path("etc", "keys"), name)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.Stdout, "secret key: %s (unencrypted, mode 0600: keep it private)\n", kp.Secret)
	fmt.Fprintf(c.Stdout, "public key: %s (key id %s)\n", kp.Public, kp.ID)
	fmt.Fprintln(c.Stdout, kp.Line)
	fmt.Fprintf(c.Stdout, "to trust repositories it signs, on each node:\n  echo %s >> %s\n", kp.Line, c.L.Path("etc", repo.KeysFile))
	return nil
}

func repoPublish(ctx context.Context, c *Ctx, a *Args) error {
	dir, keyFile := a.KV["dir"], a.KV["key"]
	if dir == "" {
		return pleaseSet(c, "dir")
	}
	if keyFile == "" {
		return pleaseSet(c, "key")
	}
	sk, err := repo.ReadSecretKey(keyFile)
	if err != nil {
		return err
	}
	p := &repo.Publisher{Dir: dir, Key: sk}
	kind := a.KV["sources"]
	var arts []repo.Artifact
	if len(a.Pos) == 0 {
		if kind != repo.KindBase {
			return fmt.Errorf("nothing to publish: give FILE arguments, or sources=base ver=V for an installed base: %w", errdefs.ErrInvalid)
		}
		art, err := publishBase(ctx, c, a, p)
		if err != nil {
			return err
		}
		arts = append(arts, art)
	}
	if len(a.Pos) > 1 && a.KV["name"] != "" {
		return fmt.Errorf("name= names one artifact, but %d files were given: %w", len(a.Pos), errdefs.ErrInvalid)
	}
	for _, f := range a.Pos {
		art, err := fileArtifact(a, kind, f)
		if err != nil {
			return err
		}
		if art, err = p.PutFile(ctx, f, art); err != nil {
			return err
		}
		arts = append(arts, art)
	}
	x, err := p.Commit(ctx, arts...)
	if err != nil {
		return err
	}
	for _, art := range arts {
		fmt.Fprintf(c.Stdout, "published %s: %s, sha256 %s\n", art, byteSize(art.Size), art.SHA256)
	}
	plural := "s"
	if len(x.Artifacts) == 1 {
		plural = ""
	}
	fmt.Fprintf(c.Stdout, "%s: %d artifact%s, signed by key %s\n", filepath.Join(dir, repo.IndexFile), len(x.Artifacts), plural, repo.KeyID(sk.ID()))
	return nil
}

// fileArtifact is the metadata of a file to publish, from k=v or defaults.
func fileArtifact(a *Args, kind, file string) (repo.Artifact, error) {
	fname := filepath.Base(file)
	format := repo.FormatOf(fname)
	if kind == "" {
		switch ext := strings.ToLower(filepath.Ext(fname)); {
		case ext == ".img":
			kind = repo.KindImage
		case ext == ".iso":
			kind = repo.KindISO
		case ext == ".conf":
			kind = repo.KindProfile
		default:
			return repo.Artifact{}, fmt.Errorf("%s: give sources=base|kernel|img|iso|profile: %w", file, errdefs.ErrInvalid)
		}
	}
	known := false
	for _, k := range repo.Kinds {
		known = known || k == kind
	}
	if !known {
		return repo.Artifact{}, fmt.Errorf("sources=%q: want one of %s: %w", kind, strings.Join(repo.Kinds, ", "), errdefs.ErrInvalid)
	}
	art := repo.Artifact{Kind: kind, Name: a.KV["name"], Version: a.KV["ver"], Arch: a.Value("arch", "amd64")}
	switch kind {
	case repo.KindBase, repo.KindKernel:
		if format == "" {
			return repo.Artifact{}, fmt.Errorf("%s: a %s must be a tar archive (.tar.zst, .txz, .tgz or .tar): %w", file, kind, errdefs.ErrInvalid)
		}
		if art.Version == "" {
			return repo.Artifact{}, fmt.Errorf("%s: give ver= for a %s: %w", file, kind, errdefs.ErrInvalid)
		}
		art.Format = format
		if art.Name == "" {
			art.Name = kind
		}
	case repo.KindImage:
		if art.Name == "" {
			art.Name = strings.TrimSuffix(fname, ".img")
		}
	}
	if art.Name == "" {
		art.Name = fname
	}
	if art.Version == "" {
		art.Version = time.Now().UTC().Format("20060102")
	}
	return art, nil
}

// publishBase stores an installed base as tar+zstd.
func publishBase(ctx context.Context, c *Ctx, a *Args, p *repo.Publisher) (repo.Artifact, error) {
	if err := needWorkdir(c); err != nil {
		return repo.Artifact{}, err
	}
	ver := a.KV["ver"]
	if ver == "" {
		return repo.Artifact{}, pleaseSet(c, "ver")
	}
	arch := hostArch(a)
	bs, err := base.List(c.L)
	if err != nil {
		return repo.Artifact{}, err
	}
	for _, b := range bs {
		if b.Arch == arch && b.Ver == ver && (b.Name == "base_"+arch+"_"+arch+"_"+ver || b.Name == "base_"+arch+"_"+base.TargetArch(arch)+"_"+ver) {
			fmt.Fprintf(c.Stdout, "archiving %s (tar+zstd)\n", b.Path)
			art := repo.Artifact{Kind: repo.KindBase, Name: a.Value("name", "base"), Version: ver, Arch: arch, Format: repo.FormatTarZstd}
			return p.Put(ctx, art, func(w io.Writer) error { return repo.WriteTarZstd(ctx, c.Run, w, b.Path) })
		}
	}
	return repo.Artifact{}, fmt.Errorf("no installed base ver=%s arch=%s in %s (see cbsd bases): %w", ver, arch, c.L.Path("basejail"), errdefs.ErrNotFound)
}

func repoServe(ctx context.Context, c *Ctx, a *Args) error {
	dir := a.KV["dir"]
	if dir == "" {
		return pleaseSet(c, "dir")
	}
	if _, err := os.Stat(filepath.Join(dir, repo.IndexFile)); err != nil {
		return fmt.Errorf("%s has no %s: publish something first (cbsd repo action=publish): %w", dir, repo.IndexFile, errdefs.ErrNotFound)
	}
	ln, err := net.Listen("tcp", a.Value("listen", "127.0.0.1:8080"))
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: repo.Handler(dir), ReadHeaderTimeout: 30 * time.Second}
	fmt.Fprintf(c.Stdout, "serving %s at http://%s/ (interrupt to stop)\n", dir, ln.Addr())
	done := make(chan struct{})
	go func() {
		defer close(done)
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()
	err = srv.Serve(ln)
	if errors.Is(err, http.ErrServerClosed) {
		<-done
		return nil
	}
	return err
}

// fetchRelease installs a FreeBSD base (repo action=get, mkbase ver=14.3).
func fetchRelease(ctx context.Context, c *Ctx, a *Args, ver string) error {
	arch := a.Value("arch", "native")
	if arch == "native" {
		arch = workdir.Arch()
	}
	rel := base.Release{Ver: ver, Arch: arch, TargetArch: a.Value("target_arch", base.TargetArch(arch))}
	mirrors := base.ReadMirrors(c.L.Path("etc"))
	if u := a.KV["url"]; u != "" {
		mirrors = strings.Fields(strings.ReplaceAll(u, ",", " "))
	}
	b := &base.Builder{L: c.L, Run: c.Run, Out: func(f string, x ...any) { fmt.Fprintf(c.Stdout, f, x...) }, Progress: progressOut(c, a)}
	_, err := b.FetchRelease(ctx, rel, mirrors, a.KV["force"] == "1")
	return err
}

// progressOut is where long operations show progress: stderr, or nowhere
// with --quiet (or quiet=1).
func progressOut(c *Ctx, a *Args) io.Writer {
	if a.Flags["quiet"] || a.KV["quiet"] == "1" {
		return nil
	}
	return c.Stderr
}
