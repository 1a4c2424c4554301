package cloudinit

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kdomanski/iso9660"
)

func TestSeedISO(t *testing.T) {
	s := Seed{InstanceID: "vm1-1", Hostname: "vm1.example", PubKeys: []string{"ssh-ed25519 AAAA test@host"},
		IP4: "10.0.0.5/24", GW4: "10.0.0.1", Nameservers: []string{"9.9.9.9"}, MAC: "02:00:00:00:00:01"}
	p := filepath.Join(t.TempDir(), "seed.iso")
	if err := s.Write(p); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := iso9660.OpenImage(f)
	if err != nil {
		t.Fatal(err)
	}
	if label, _ := img.Label(); label != "cidata" {
		t.Fatalf("volume label %q, want cidata", label)
	}
	root, err := img.RootDir()
	if err != nil {
		t.Fatal(err)
	}
	kids, err := root.GetChildren()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, k := range kids {
		b, _ := io.ReadAll(k.Reader())
		got[k.Name()] = string(b)
	}
	if !strings.Contains(got["meta-data"], "local-hostname: vm1.example") {
		t.Fatalf("meta-data: %q (files %v)", got["meta-data"], got)
	}
	if !strings.Contains(got["user-data"], "#cloud-config") || !strings.Contains(got["user-data"], `"ssh-ed25519 AAAA test@host"`) {
		t.Fatalf("user-data: %q", got["user-data"])
	}
	nc := got["network-config"]
	for _, want := range []string{"addresses: [10.0.0.5/24]", "gateway4: 10.0.0.1", `macaddress: "02:00:00:00:00:01"`, "addresses: [9.9.9.9]"} {
		if !strings.Contains(nc, want) {
			t.Fatalf("network-config lacks %q:\n%s", want, nc)
		}
	}
	if _, err := (Seed{IP4: "nonsense"}).Files(); err == nil {
		t.Fatal("bad address accepted")
	}
	d, _ := (Seed{InstanceID: "x", Hostname: "x"}).Files()
	if !strings.Contains(string(d["network-config"]), "dhcp4: true") {
		t.Fatalf("no address should mean DHCP: %s", d["network-config"])
	}
}
