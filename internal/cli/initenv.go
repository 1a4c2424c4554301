package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"

	"github.com/cbsdgo/cbsd/internal/env"
	"github.com/cbsdgo/cbsd/internal/errdefs"
	"github.com/cbsdgo/cbsd/internal/inventory"
	"github.com/cbsdgo/cbsd/internal/network"
	"github.com/cbsdgo/cbsd/internal/service"
	"github.com/cbsdgo/cbsd/internal/storage"
	"github.com/cbsdgo/cbsd/internal/workdir"
	"github.com/cbsdgo/cbsd/share"
)

// initenvKeys are the settings initenv accepts (CBSD's USERINI list plus
// this implementation's oci_runtime and bridge).
var initenvKeys = []string{
	"nodename", "hostname", "nodeip", "nodeip6", "nodedescr", "jnameserver", "nodeippool",
	"nodeip6pool", "nat_enable", "natip", "fbsdrepo", "repo", "zfsfeat", "hammerfeat",
	"jail_interface", "parallel", "stable", "sqlreplica", "statsd_bhyve_enable",
	"statsd_jail_enable", "statsd_hoster_enable", "default_vs", "oci_runtime", "bridge",
	"owner_stale",
}

// rcdScript is where FreeBSD's boot service for cbsd is installed.
const rcdScript = "/usr/local/etc/rc.d/cbsdd"

var initenvDefaults = map[string]string{
	"nodename": "auto", "hostname": "auto", "nodeip": "auto", "nodeip6": "auto",
	"nodedescr": "cbsd node", "jnameserver": "9.9.9.9,149.112.112.112,2620:fe::fe,2620:fe::9",
	"nodeippool": "auto", "nodeip6pool": "fde4:8dba:82e1::/64", "nat_enable": "0",
	"natip": "auto", "fbsdrepo": "1", "repo": "0", "zfsfeat": "auto", "hammerfeat": "0",
	"jail_interface": "auto", "parallel": "5", "stable": "0", "sqlreplica": "1",
	"statsd_bhyve_enable": "0", "statsd_jail_enable": "0", "statsd_hoster_enable": "0",
	"default_vs": "0", "oci_runtime": "auto", "bridge": "cbsdbr0", "owner_stale": "1800",
}

func initenvCmd() *Command {
	return &Command{
		Name: "initenv", Desc: "Initialise or upgrade the workdir and node settings",
		Opt: append([]string{"inter", "workdir", "initenv_modify_rcconf"}, initenvKeys...),
		Usage: `Creates the workdir layout, the inventory (var/db/inv.<nodename>.sqlite and
the local.sqlite symlink) and the node settings. Safe to run again.

  cbsd initenv workdir=/usr/jails nodename=node1 inter=0
  cbsd initenv /path/initenv.conf inter=0     # preseed file of key="value" lines

A setting given on the command line wins over the preseed file, which wins
over the values already stored. "auto" values are detected (zfsfeat=auto: 1
when W/jails-data is on ZFS). initenv records cbsd_workdir in /etc/rc.conf
unless initenv_modify_rcconf=0; on FreeBSD it also sets cbsdd_enable="YES"
and installs /usr/local/etc/rc.d/cbsdd, which runs "cbsd astart" at boot
(on Linux: W/share/systemd/cbsd.service).`,
		NoInventory: true,
		Run:         runInitenv,
	}
}

// storedSettings are the initenv defaults overlaid with the settings a
// workdir already has.
func storedSettings(ctx context.Context, l workdir.Layout) map[string]string {
	settings := map[string]string{}
	for k, v := range initenvDefaults {
		settings[k] = v
	}
	if l.Exists() {
		if st, err := inventory.Open(ctx, l.DB()); err == nil {
			if old, err := st.Local(ctx); err == nil {
				for k, v := range old {
					if _, ok := initenvDefaults[k]; ok && v != "" {
						settings[k] = v
					}
				}
			}
			st.Close()
		}
	}
	return settings
}

func runInitenv(ctx context.Context, c *Ctx, a *Args) error {
	if c.Getenv("workdir") == "" && a.KV["workdir"] == "" && len(a.Pos) == 0 {
		if _, err := os.Stat(c.RcConf()); err != nil && a.Value("inter", "1") != "0" {
			fmt.Fprintf(c.Stdout, "initenv: using the default workdir %s\n", c.Workdir)
		}
	}
	l := c.L
	fmt.Fprintf(c.Stdout, "[Stage 1: account & hierarchy] %s\n", l.W)
	if err := l.Create(); err != nil {
		return err
	}
	// Stored values (re-run), then preseed, then the command line.
	settings := storedSettings(ctx, l)
	modifyRc := "1"
	for _, p := range a.Pos {
		b, err := os.ReadFile(p)
		if err != nil {
			return fmt.Errorf("preseed %s: %w", p, err)
		}
		as, err := env.ParseAssignments(strings.NewReader(string(b)))
		if err != nil {
			return fmt.Errorf("preseed %s: %w", p, err)
		}
		for _, x := range as {
			switch {
			case x.Key == "initenv_modify_rcconf":
				modifyRc = x.Value
			case x.Key == "workdir":
				if x.Value != "" && x.Value != l.W && c.Getenv("workdir") == "" && a.KV["workdir"] == "" {
					return fmt.Errorf("preseed sets workdir=%s: pass it as workdir=%s on the command line: %w", x.Value, x.Value, errdefs.ErrInvalid)
				}
			default:
				settings[x.Key] = x.Value
			}
		}
	}
	for _, k := range initenvKeys {
		if v, ok := a.KV[k]; ok {
			settings[k] = v
		}
	}
	if v, ok := a.KV["initenv_modify_rcconf"]; ok {
		modifyRc = v
	}
	if err := resolveAuto(settings); err != nil {
		return err
	}
	if settings["zfsfeat"] == "auto" || settings["zfsfeat"] == "" {
		settings["zfsfeat"] = "0"
		if storage.OnZFS(l.Path("jails-data")) {
			settings["zfsfeat"] = "1"
		}
	}
	fmt.Fprintf(c.Stdout, "[Stage 2: features] zfsfeat=%s hammerfeat=%s\n", settings["zfsfeat"], settings["hammerfeat"])
	if err := env.ValidateName(settings["nodename"]); err != nil {
		return fmt.Errorf("nodename: %w", err)
	}
	if _, err := network.ParsePool(settings["nodeippool"]); err != nil {
		return fmt.Errorf("nodeippool: %w", err)
	}
	settings["workdir"] = l.W
	settings["platform"] = workdir.Platform()
	settings["hostarch"] = workdir.Arch()
	settings["cbsdver"] = Version
	settings["ncpu"] = fmt.Sprint(runtime.NumCPU())
	settings["jail_feat"] = "1"
	settings["vimage_feature"] = "1"

	fmt.Fprintf(c.Stdout, "[Stage 5: inventory] node %s, ip pool %s\n", settings["nodename"], settings["nodeippool"])
	dbFile := l.InventoryFile(settings["nodename"])
	if target, err := os.Readlink(l.DB()); err == nil {
		old := target
		if !filepath.IsAbs(old) {
			old = filepath.Join(filepath.Dir(l.DB()), old)
		}
		if old != dbFile {
			if _, err := os.Stat(dbFile); errors.Is(err, os.ErrNotExist) {
				if err := os.Rename(old, dbFile); err != nil {
					return fmt.Errorf("rename inventory for new nodename: %w", err)
				}
				for _, sfx := range []string{"-wal", "-shm"} {
					os.Rename(old+sfx, dbFile+sfx)
				}
			}
		}
	}
	st, err := inventory.Create(ctx, dbFile)
	if err != nil {
		return fmt.Errorf("inventory: %w", err)
	}
	err = st.SetLocal(ctx, settings)
	st.Close()
	if err != nil {
		return err
	}
	tmpLink := l.DB() + ".new"
	os.Remove(tmpLink)
	if err := os.Symlink(filepath.Base(dbFile), tmpLink); err != nil {
		return err
	}
	if err := os.Rename(tmpLink, l.DB()); err != nil {
		return err
	}
	files := map[string]string{
		"nodename":                              settings["nodename"] + "\n",
		"ver":                                   Version + "\n",
		"etc/defaults/" + service.ProfileFile(): env.DefaultProfile,
		"etc/defaults/" + service.JailProfileFile("vnet"): env.VnetProfile,
	}
	var inv strings.Builder
	keys := make([]string, 0, len(settings))
	for k := range settings {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&inv, "%s=%s\n", k, env.Quote(settings[k]))
	}
	files["nc.inventory"] = inv.String()
	for name, content := range files {
		if err := workdir.WriteFileAtomic(l.Path(name), []byte(content), 0o644); err != nil {
			return err
		}
	}
	if err := share.Install(l.Path("share")); err != nil {
		return fmt.Errorf("install %s: %w", l.Path("share"), err)
	}
	if modifyRc != "0" {
		kv := [][2]string{{"cbsd_workdir", l.W}}
		if runtime.GOOS == "freebsd" {
			kv = append(kv, [2]string{"cbsdd_enable", "YES"})
		}
		if err := workdir.SetRcConf(c.RcConf(), kv); err != nil {
			return fmt.Errorf("record cbsd_workdir in %s: %w", c.RcConf(), err)
		}
		if runtime.GOOS == "freebsd" {
			if err := workdir.WriteFileAtomic(rcdScript, share.RCScript(), 0o555); err != nil {
				return fmt.Errorf("install %s: %w", rcdScript, err)
			}
		}
	}
	fmt.Fprintf(c.Stdout, "[Stage 9: done] workdir %s is ready\n", l.W)
	return nil
}

func resolveAuto(s map[string]string) error {
	host, _ := os.Hostname()
	if host == "" {
		host = "localhost"
	}
	if s["nodename"] == "auto" || s["nodename"] == "" {
		s["nodename"] = strings.SplitN(host, ".", 2)[0]
	}
	if s["hostname"] == "auto" || s["hostname"] == "" {
		s["hostname"] = host
	}
	if s["nodeip"] == "auto" || s["nodeip"] == "" {
		s["nodeip"] = defaultRouteIP()
	}
	if s["natip"] == "auto" {
		s["natip"] = s["nodeip"]
	}
	if s["nodeip6"] == "auto" {
		s["nodeip6"] = "0"
	}
	if s["nodeippool"] == "auto" || s["nodeippool"] == "" {
		s["nodeippool"] = freePool()
	}
	return nil
}

// defaultRouteIP is the IPv4 address of the interface with the default
// route, or "0".
func defaultRouteIP() string {
	f, err := os.Open("/proc/net/route")
	if err != nil {
		return "0"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) > 2 && fs[1] == "00000000" {
			ifc, err := net.InterfaceByName(fs[0])
			if err != nil {
				continue
			}
			addrs, _ := ifc.Addrs()
			for _, ad := range addrs {
				if ipn, ok := ad.(*net.IPNet); ok && ipn.IP.To4() != nil {
					return ipn.IP.String()
				}
			}
		}
	}
	return "0"
}

// freePool picks a /24 in 10.0.0.0/8 that no host interface uses.
func freePool() string {
	used, _ := network.HostAddrs()
	for i := 0; i < 256; i++ {
		cand := netip.MustParsePrefix(fmt.Sprintf("10.0.%d.0/24", i))
		clash := false
		for _, u := range used {
			if u.Overlaps(cand) {
				clash = true
				break
			}
		}
		if !clash {
			return cand.String()
		}
	}
	return service.DefaultPool
}
