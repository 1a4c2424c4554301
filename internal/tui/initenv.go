package tui

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/charmbracelet/huh"
)

// Node holds the initenv settings the form edits (CBSD's USERINI keys).
type Node struct {
	Workdir, Nodename, Nodeip, Nodedescr string
	Nodeippool, Nodeip6pool, Jnameserver string
	Bridge, OCIRuntime, Parallel         string
	ZFS, Hammer                          bool
	Write                                bool // the user confirmed the summary
}

// NodeFrom fills a Node from stored or default settings.
func NodeFrom(workdir string, s map[string]string) *Node {
	return &Node{Workdir: workdir, Nodename: s["nodename"], Nodeip: s["nodeip"], Nodedescr: s["nodedescr"],
		Nodeippool: s["nodeippool"], Nodeip6pool: s["nodeip6pool"], Jnameserver: s["jnameserver"],
		Bridge: s["bridge"], OCIRuntime: s["oci_runtime"], Parallel: s["parallel"],
		ZFS: s["zfsfeat"] == "1", Hammer: s["hammerfeat"] == "1"}
}

// Settings are the initenv arguments the Node stands for.
func (n *Node) Settings() map[string]string {
	b := func(v bool) string {
		if v {
			return "1"
		}
		return "0"
	}
	return map[string]string{"nodename": n.Nodename, "nodeip": n.Nodeip, "nodedescr": n.Nodedescr,
		"nodeippool": n.Nodeippool, "nodeip6pool": n.Nodeip6pool, "jnameserver": n.Jnameserver,
		"bridge": n.Bridge, "oci_runtime": n.OCIRuntime, "parallel": n.Parallel,
		"zfsfeat": b(n.ZFS), "hammerfeat": b(n.Hammer)}
}

func (n *Node) summary() string {
	yn := map[bool]string{true: "on", false: "off"}
	return plain(fmt.Sprintf("workdir     %s\nnodename    %s   nodeip %s\nnodeippool  %s\nnameservers %s\nbridge      %s   runtime %s   parallel %s\nzfsfeat     %s   hammerfeat %s",
		n.Workdir, n.Nodename, n.Nodeip, n.Nodeippool, n.Jnameserver, n.Bridge, n.OCIRuntime, n.Parallel, yn[n.ZFS], yn[n.Hammer]))
}

// InitenvForm is initenv-tui: node, network, features, then a summary to
// confirm before anything is written.
func InitenvForm(n *Node) *huh.Form {
	nameservers := func(s string) error {
		for _, a := range strings.Split(s, ",") {
			if strings.TrimSpace(a) == "" || strings.ContainsAny(a, " \t") {
				return fmt.Errorf("comma-separated addresses, no spaces")
			}
		}
		return nil
	}
	parallel := func(s string) error {
		if v, err := strconv.Atoi(s); err != nil || v < 0 || v > 256 {
			return fmt.Errorf("want a number from 0 (one at a time) to 256")
		}
		return nil
	}
	return huh.NewForm(
		huh.NewGroup(
			huh.NewInput().Title("Workdir").Description("Where jails, VMs, bases and the inventory live").
				Value(&n.Workdir).Validate(ValidWorkdir),
			huh.NewInput().Title("Node name").Description("This node's identity; names var/db/inv.<nodename>.sqlite").
				Value(&n.Nodename).Validate(ValidNodename),
			huh.NewInput().Title("Node IP").Description("Management address other nodes use (auto: default route)").
				Value(&n.Nodeip),
			huh.NewInput().Title("Description").Value(&n.Nodedescr),
		).Title("Node"),
		huh.NewGroup(
			huh.NewInput().Title("IPv4 pool (nodeippool)").Description("Addresses for ip4_addr=DHCP: CIDRs or a.b.c.x-y ranges").
				Value(&n.Nodeippool).Validate(ValidPool),
			huh.NewInput().Title("IPv6 pool (nodeip6pool)").Value(&n.Nodeip6pool),
			huh.NewInput().Title("Nameservers (jnameserver)").Description("Comma-separated resolvers for new jails").
				Value(&n.Jnameserver).Validate(nameservers),
			huh.NewInput().Title("Bridge").Description("Host bridge vnet jails and VMs join (Linux)").
				Value(&n.Bridge).Validate(ValidNodename),
		).Title("Network"),
		huh.NewGroup(
			huh.NewConfirm().Title("ZFS (zfsfeat)").
				Description("Datasets, clones and snapshots on ZFS. Turn off when jails-data is on\nNFS, GlusterFS or CephFS: a dataset there is not shared").
				Value(&n.ZFS).Affirmative("On").Negative("Off"),
			huh.NewConfirm().Title("HAMMER (hammerfeat)").Description("DragonFly only; off for shared storage").
				Value(&n.Hammer).Affirmative("On").Negative("Off"),
			huh.NewSelect[string]().Title("OCI runtime (Linux jails)").
				Options(huh.NewOptions("auto", "runc", "crun")...).Value(&n.OCIRuntime),
			huh.NewInput().Title("Parallel starts").Value(&n.Parallel).Validate(parallel),
		).Title("Features"),
		huh.NewGroup(
			huh.NewNote().Title("Summary").DescriptionFunc(n.summary, n),
			huh.NewConfirm().Title("Write these settings?").Value(&n.Write).Affirmative("Write").Negative("Cancel"),
		),
	)
}
