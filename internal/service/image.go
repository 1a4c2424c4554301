package service

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cbsdgo/cbsd/internal/env"
	"github.com/cbsdgo/cbsd/internal/errdefs"
	"github.com/cbsdgo/cbsd/internal/img"
	"github.com/cbsdgo/cbsd/internal/network"
	"github.com/cbsdgo/cbsd/internal/progress"
	"github.com/cbsdgo/cbsd/internal/revert"
	"github.com/cbsdgo/cbsd/internal/storage"
	"github.com/cbsdgo/cbsd/internal/workdir"
)

// ExportRequest is what jexport/bexport were given for one environment.
type ExportRequest struct {
	Name     string
	Dir      string // dstdir (default W/export)
	File     string // imgname (default <J>.img)
	Compress string // compress= (CBSD's 0-9 = xz level; zstd[:level])
	Exclude  []string
}

// Export writes an environment as a CBSD .img (hdrver 4). A running
// environment can be exported (its data as it is at that moment). It
// returns the image's path and size.
func (s *Service) Export(ctx context.Context, req ExportRequest) (string, int64, error) {
	comp, err := img.ParseCompress(req.Compress)
	if err != nil {
		return "", 0, err
	}
	e, err := s.Get(ctx, req.Name)
	if err != nil {
		return "", 0, err
	}
	name := e.Name()
	dir := req.Dir
	if dir == "" || dir == "0" {
		dir = s.L.Path("export")
	}
	file := req.File
	if file == "" || file == "0" {
		file = name + ".img"
	}
	if strings.Contains(file, "/") {
		return "", 0, fmt.Errorf("imgname=%q: a file name, not a path (use dstdir=): %w", file, errdefs.ErrInvalid)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", 0, err
	}
	var rc bytes.Buffer
	if err := env.WriteDescriptor(&rc, e, s.L.W); err != nil {
		return "", 0, err
	}
	node := s.NodeSetting("nodename", "")
	h := &img.Header{}
	for _, kv := range [][2]string{{"jname", name}, {"compress", comp.String()}, {"arch", e.Get("arch")},
		{"ver", e.Get("ver")}, {"date", time.Now().Format("20060102")}, {"emulator", e.Emulator()},
		{"ip4_addr", e.Get("ip4_addr")}, {"host_hostname", e.Get("host_hostname")}, {"from_nodename", node}} {
		h.Set(kv[0], kv[1])
	}
	var disks []string
	if e.Emulator() == "bhyve" {
		ds, _ := filepath.Glob(filepath.Join(dataDir(s.L, e), "dsk*.vhd"))
		for _, d := range ds {
			disks = append(disks, strings.TrimSuffix(filepath.Base(d), ".vhd"))
		}
	}
	h.Set("vm_dsk_list", strings.Join(disks, " "))
	h.Set("vm_zvol_list", "")
	read := func(p string) []byte {
		b, _ := os.ReadFile(p)
		return b
	}
	placeholder := func(b []byte) []byte {
		var out []string
		for _, l := range strings.SplitAfter(string(b), "\n") {
			out = append(out, env.ToPlaceholder(l, s.L.W))
		}
		return []byte(strings.Join(out, ""))
	}
	sysDir := s.L.SysDir(name)
	if err := os.MkdirAll(sysDir, 0o755); err != nil {
		return "", 0, err
	}
	spec := img.Spec{Header: h, Rcconf: rc.Bytes(),
		Fstab: placeholder(read(s.L.Fstab(name))), Local: placeholder(read(s.L.Fstab(name) + ".local")),
		Pkginfo: read(filepath.Join(sysDir, "pkg_info")), Descr: read(filepath.Join(sysDir, "descr")),
		Info: read(filepath.Join(sysDir, "info")), SysDir: sysDir, DataDir: dataDir(s.L, e),
		Exclude: req.Exclude, Compress: comp}
	if s.Progress != nil {
		m := progress.Bytes(s.Progress, "export "+name, storage.TreeSize(spec.DataDir))
		defer m.Close()
		spec.Progress = m
	}
	dst := filepath.Join(dir, file)
	size, err := img.Write(ctx, s.Run, dst, spec)
	if err != nil {
		return "", 0, fmt.Errorf("export %s: %w", name, err)
	}
	return dst, size, nil
}

// ImportRequest is what jimport/bimport were given.
type ImportRequest struct {
	Image       string // a path, or a name resolved to W/import/<name>.img
	NewName     string // new_jname
	NewIP4      string // new_ip4_addr (DHCP allocates from the pool)
	NewHostname string // new_host_hostname
	// Gold keeps the image's data as a "gold" copy on btrfs and ZFS
	// (jails-data/.gold-<sha256>-data) and clones it: the first import
	// unpacks, later ones of the same image take no time (jcreate from=).
	Gold bool
}

// ImagePath resolves jimport's jname=: an existing file, else
// W/import/<name>.img, else W/export/<name>.img (an image made here).
func (s *Service) ImagePath(v string) (string, error) {
	if strings.Contains(v, "/") || strings.HasSuffix(v, ".img") {
		if _, err := os.Stat(v); err == nil {
			return v, nil
		}
	}
	for _, dir := range []string{"import", "export"} {
		if p := s.L.Path(dir, v+".img"); exists(p) {
			return p, nil
		}
	}
	return "", fmt.Errorf("no image %s (looked for a file, %s and %s): %w", v,
		s.L.Path("import", v+".img"), s.L.Path("export", v+".img"), errdefs.ErrNotFound)
}

// Import registers an environment from an image: the name (or new_jname)
// must be free; data and system files are unpacked into place, the
// descriptor is rewritten for this node (new name, address, host name) and
// registered. On any failure nothing of it is left.
func (s *Service) Import(ctx context.Context, req ImportRequest) (*env.Env, error) {
	path, err := s.ImagePath(req.Image)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	gold := ""
	if req.Gold && s.backend().Name() != "dir" {
		sum, err := fileSHA256(path)
		if err != nil {
			return nil, err
		}
		gold = s.L.Path("jails-data", ".gold-"+sum[:32]+"-data")
	}
	r := revert.New()
	defer r.Fail()
	var e *env.Env
	var oldName string
	prepare := func(im *img.Image) (string, string, error) {
		var err error
		e, _, err = env.ReadDescriptor(bytes.NewReader(im.Rcconf), s.L.W)
		if err != nil {
			return "", "", fmt.Errorf("image RCCONF: %w", err)
		}
		oldName = e.Name()
		name := oldName
		if req.NewName != "" && req.NewName != "0" {
			name = req.NewName
		}
		if err := env.ValidateName(name); err != nil {
			return "", "", err
		}
		if err := s.ensureUnregistered(ctx, name, "already exists"); err != nil {
			return "", "", err
		}
		for _, d := range []string{s.L.SysDir(name), s.L.DataDir(name), s.L.FstabDir(name)} {
			if exists(d) && !emptyDir(d) {
				return "", "", fmt.Errorf("%s already exists: %w", d, errdefs.ErrExists)
			}
		}
		e.Set("jname", name)
		e.Set("data", s.L.DataDir(name))
		if err := s.renameFor(ctx, e, oldName, req); err != nil {
			return "", "", err
		}
		sysDir, data := s.L.SysDir(name), s.L.DataDir(name)
		if err := os.MkdirAll(sysDir, 0o755); err != nil {
			return "", "", err
		}
		r.Add(func() { removeTree(sysDir) })
		b := s.backend()
		if gold != "" {
			if exists(gold + ".ok") {
				if err := b.Clone(ctx, gold, data); err != nil {
					return "", "", fmt.Errorf("clone %s (%s backend): %w", gold, b.Name(), err)
				}
				r.Add(func() { s.destroyData(context.Background(), data) })
				return sysDir, "", nil
			}
			s.destroyData(ctx, gold) // an unfinished one
			if err := b.Create(ctx, gold); err != nil {
				return "", "", fmt.Errorf("create %s (%s backend): %w", gold, b.Name(), err)
			}
			r.Add(func() { s.destroyData(context.Background(), gold) })
			return sysDir, gold, nil
		}
		if err := b.Create(ctx, data); err != nil {
			return "", "", fmt.Errorf("create %s (%s backend): %w", data, b.Name(), err)
		}
		r.Add(func() { s.destroyData(context.Background(), data) })
		return sysDir, data, nil
	}
	var in io.Reader = f
	if s.Progress != nil {
		st, _ := f.Stat()
		m := progress.Bytes(s.Progress, "import "+filepath.Base(path), st.Size())
		defer m.Close()
		in = io.TeeReader(f, m)
	}
	im, err := img.Extract(ctx, s.Run, in, prepare)
	if err != nil {
		return nil, fmt.Errorf("import %s: %w", path, err)
	}
	name := e.Name()
	if gold != "" && !exists(gold+".ok") {
		// First use of this image: the gold copy is complete; keep it.
		if err := os.WriteFile(gold+".ok", []byte(path+"\n"), 0o644); err != nil {
			return nil, err
		}
		r.Add(func() { os.Remove(gold + ".ok") })
		b := s.backend()
		if err := b.Clone(ctx, gold, s.L.DataDir(name)); err != nil {
			return nil, fmt.Errorf("clone %s (%s backend): %w", gold, b.Name(), err)
		}
		r.Add(func() { s.destroyData(context.Background(), s.L.DataDir(name)) })
	}
	// The extracted system dir carries the source's descriptor: this
	// node's comes from Register.
	os.Remove(filepath.Join(s.L.SysDir(name), "rc.conf_"+oldName))
	fixed := func(b []byte) []byte {
		return []byte(strings.ReplaceAll(string(b), "/jails-data/"+oldName+"-data", "/jails-data/"+name+"-data"))
	}
	if e.Emulator() != "bhyve" {
		if err := os.MkdirAll(s.L.FstabDir(name), 0o755); err != nil {
			return nil, err
		}
		r.Add(func() { removeTree(s.L.FstabDir(name)) })
		if err := workdir.WriteFileAtomic(s.L.Fstab(name), fixed(im.Fstab), 0o644); err != nil {
			return nil, err
		}
		if len(bytes.TrimSpace(im.Local)) > 0 {
			if err := workdir.WriteFileAtomic(s.L.Fstab(name)+".local", fixed(im.Local), 0o644); err != nil {
				return nil, err
			}
		}
	}
	for _, t := range []struct {
		file string
		b    []byte
		none string
	}{{"pkg_info", im.Pkginfo, "No pinfo\n"}, {"descr", im.Descr, "No descr\n"}, {"info", im.Info, "No info\n"}} {
		if len(t.b) > 0 && string(t.b) != t.none {
			os.WriteFile(filepath.Join(s.L.SysDir(name), t.file), t.b, 0o644)
		}
	}
	var rc bytes.Buffer
	if err := env.WriteDescriptor(&rc, e, s.L.W); err != nil {
		return nil, err
	}
	tmp, err := os.CreateTemp(s.L.Path("tmp"), "import-*.rc")
	if err != nil {
		return nil, err
	}
	tmp.Close()
	defer os.Remove(tmp.Name())
	if err := os.WriteFile(tmp.Name(), rc.Bytes(), 0o644); err != nil {
		return nil, err
	}
	reg, err := s.Register(ctx, RegisterRequest{Name: name, Rcfile: tmp.Name()})
	if err != nil {
		return nil, err
	}
	r.Success()
	return reg, nil
}

// renameFor rewrites an imported environment's address and host name for
// its new name (CBSD's jimport: a renamed jail's host name becomes
// <new>.<old domain> unless one is given; DHCP takes a free address).
func (s *Service) renameFor(ctx context.Context, e *env.Env, oldName string, req ImportRequest) error {
	name := e.Name()
	switch {
	case req.NewHostname != "" && req.NewHostname != "0":
		e.Set("host_hostname", req.NewHostname)
	case name != oldName:
		host := e.Get("host_hostname")
		if _, domain, ok := strings.Cut(host, "."); ok {
			e.Set("host_hostname", name+"."+domain)
		} else {
			e.Set("host_hostname", name)
		}
	}
	if ip := req.NewIP4; ip != "" && ip != "0" {
		e.Set("ip4_addr", ip)
		if network.HasDHCP(ip) {
			pl, err := s.poolLock(ctx)
			if err != nil {
				return err
			}
			defer pl.Release()
			return s.allocateIP(ctx, e)
		}
	}
	return nil
}

// errNotImage wraps errors about a file that is not an image.
var errNotImage = errors.New("not a cbsd image")

// ImageInfo reads an image's header and descriptor without unpacking it.
func ImageInfo(path string) (*img.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	im, err := img.ReadText(io.LimitReader(f, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("%s: %w: %w", path, errNotImage, err)
	}
	return im, nil
}

// fileSHA256 is the hex SHA-256 of a file.
func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
