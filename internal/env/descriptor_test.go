package env

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/cbsdgo/cbsd/internal/errdefs"
)

func TestParseValue(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		wantErr bool
	}{
		{`"x y"`, "x y", false},
		{`"a \"b\" c"`, `a "b" c`, false},
		{`"back\\slash"`, `back\slash`, false},
		{`"\$HOME \` + "`" + `"`, "$HOME `", false},
		{`"keep\n"`, `keep\n`, false},
		{`'single $x "q"'`, `single $x "q"`, false},
		{`'a\'`, `a\`, false},
		{`bare`, "bare", false},
		{`bare;`, "bare", false},
		{`"q";`, "q", false},
		{`"q" ;`, "q", false},
		{`"q"; # comment`, "q", false},
		{`bare # comment`, "bare", false},
		{`bare#comment`, "bare", false},
		{`x\ y`, "x y", false},
		{`"a"'b'c`, "abc", false},
		{``, "", false},
		{`""`, "", false},
		{`"unterminated`, "", true},
		{`'unterminated`, "", true},
		{`"x\"`, "", true},
		{`x y`, "", true},
		{`"x" y`, "", true},
		{`"x"; y=1`, "", true},
	}
	for _, tt := range tests {
		got, err := parseValue(tt.in)
		if tt.wantErr {
			if err == nil {
				t.Errorf("parseValue(%q) = %q, want error", tt.in, got)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("parseValue(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestParseAssignments(t *testing.T) {
	in := "# header\n" +
		"\n" +
		"  # indented comment\n" +
		"a=\"x \\\"y\\\"\";\n" +
		"b='single'\n" +
		"c=bare\r\n" +
		"export d=\"exported\"\r\n" +
		"e=\n" +
		"f=\"v\" # trailing comment\n" +
		"  g=\"spaced\"  \n"
	got, err := ParseAssignments(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []Assignment{
		{"a", `x "y"`}, {"b", "single"}, {"c", "bare"}, {"d", "exported"},
		{"e", ""}, {"f", "v"}, {"g", "spaced"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ParseAssignments:\n got %q\nwant %q", got, want)
	}
}

func TestParseAssignmentsErrors(t *testing.T) {
	tests := []struct {
		name, in, line string
	}{
		{"shell code", "a=1\necho hi\n", "line 2"},
		{"unterminated double", "a=1\nb=2\nc=\"x\n", "line 3"},
		{"unterminated single", "c='x\n", "line 1"},
		{"bad key", "a=1\n1a=2\n", "line 2"},
		{"key with dash", "a-b=1\n", "line 1"},
		{"empty key", "=x\n", "line 1"},
		{"text after value", "a=1\nb=x y\n", "line 2"},
		{"crlf counts lines", "a=1\r\n\r\nif true\r\n", "line 3"},
	}
	for _, tt := range tests {
		_, err := ParseAssignments(strings.NewReader(tt.in))
		if err == nil {
			t.Errorf("%s: no error", tt.name)
			continue
		}
		if !errors.Is(err, errdefs.ErrInvalid) {
			t.Errorf("%s: %v is not ErrInvalid", tt.name, err)
		}
		if !strings.Contains(err.Error(), tt.line+":") {
			t.Errorf("%s: %v does not name %q", tt.name, err, tt.line)
		}
	}
}

func TestParseDefaultProfile(t *testing.T) {
	as, err := ParseAssignments(strings.NewReader(DefaultProfile))
	if err != nil {
		t.Fatal(err)
	}
	if len(as) < 50 {
		t.Errorf("only %d assignments in DefaultProfile", len(as))
	}
}

func TestQuote(t *testing.T) {
	tests := map[string]string{
		"":         `""`,
		"plain":    `"plain"`,
		`a"b`:      `"a\"b"`,
		`$x`:       `"\$x"`,
		`a\b`:      `"a\\b"`,
		"`id`":     "\"\\`id\\`\"",
		"it's ok!": `"it's ok!"`,
	}
	for in, want := range tests {
		if got := Quote(in); got != want {
			t.Errorf("Quote(%q) = %s, want %s", in, got, want)
		}
		back, err := parseValue(Quote(in))
		if err != nil || back != in {
			t.Errorf("parseValue(Quote(%q)) = %q, %v", in, back, err)
		}
	}
}

func TestDescriptorRoundTrip(t *testing.T) {
	const wd = "/usr/jails"
	e := New("web1")
	e.Set("path", wd+"/jails/web1")
	e.Set("data", wd+"/jails-data/web1-data")
	e.Set("mount_fstab", wd+"/jails-fstab/web1/fstab")
	e.Set("rcconf", wd+"/jails-rcconf/rc.conf_web1")
	e.Set("host_hostname", "web1.my.domain")
	e.Set("ip4_addr", "10.0.0.5/24")
	e.Set("exec_start", `/bin/sh -c "echo \"$HOME\" \\ `+"`id`"+`"`)
	e.Set("exec_stop", "it's 'single'")
	e.Set("nic_hwaddr", "02:00:00:00:00:01") // a JARG key that is not a column
	e.Set("astart", "1")

	var b bytes.Buffer
	if err := WriteDescriptor(&b, e, wd); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if strings.Contains(out, wd) {
		t.Errorf("workdir %s left in descriptor:\n%s", wd, out)
	}
	if !strings.Contains(out, "\npath=\"CBSDROOT/jails/web1\";\n") {
		t.Errorf("path not written with placeholder:\n%s", out)
	}
	if !strings.HasPrefix(out, "# ") || !strings.Contains(out, "relative_path=\"1\";\n") {
		t.Errorf("missing header or relative_path:\n%s", out)
	}
	if !strings.HasSuffix(out, "\njname=\"web1\"\n") {
		t.Errorf("descriptor does not end with jname=\"web1\" (no ';'):\n%q", out[max(0, len(out)-40):])
	}
	for _, k := range JARG {
		if e.Has(k) && !strings.Contains(out, "\n"+k+"=") {
			t.Errorf("key %s not written", k)
		}
	}

	got, extra, err := ReadDescriptor(strings.NewReader(out), wd)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name() != "web1" {
		t.Errorf("Name = %q", got.Name())
	}
	for _, k := range JARG {
		if !e.Has(k) {
			continue
		}
		v, ok := got.Get(k), got.Has(k)
		if !ok {
			v, ok = extra[k]
		}
		if !ok || v != e.Get(k) {
			t.Errorf("%s: read %q (present %v), wrote %q", k, v, ok, e.Get(k))
		}
	}
	if extra["relative_path"] != "1" {
		t.Errorf("relative_path in extra = %q", extra["relative_path"])
	}

	// Another workdir: the placeholder becomes the reader's workdir.
	got2, _, err := ReadDescriptor(strings.NewReader(out), "/srv/cbsd")
	if err != nil {
		t.Fatal(err)
	}
	if p := got2.Get("path"); p != "/srv/cbsd/jails/web1" {
		t.Errorf("path with workdir /srv/cbsd = %q", p)
	}
	if h := got2.Get("host_hostname"); h != "web1.my.domain" {
		t.Errorf("host_hostname = %q", h)
	}
}

func TestWriteDescriptorNoWorkdir(t *testing.T) {
	e := New("j")
	e.Set("path", "/usr/jails/jails/j")
	var b bytes.Buffer
	if err := WriteDescriptor(&b, e, ""); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "path=\"/usr/jails/jails/j\";") || strings.Contains(b.String(), Placeholder) {
		t.Errorf("empty workdir must leave paths alone:\n%s", b.String())
	}
}

func TestReadDescriptorErrors(t *testing.T) {
	for _, in := range []string{
		"path=\"/x\"\n",
		"jname=\"0\"\n",
		"jname=\"\"\n",
		"jname=\"x\nrm -rf /\n",
	} {
		if _, _, err := ReadDescriptor(strings.NewReader(in), "/w"); err == nil {
			t.Errorf("ReadDescriptor(%q): no error", in)
		} else if !errors.Is(err, errdefs.ErrInvalid) {
			t.Errorf("ReadDescriptor(%q) = %v, want ErrInvalid", in, err)
		}
	}
}

func TestReadDescriptorExtra(t *testing.T) {
	in := "jname=\"a\"\npkglist=\"CBSDROOT/x\"\npath=\"CBSDROOT/jails/a\"\n"
	e, extra, err := ReadDescriptor(strings.NewReader(in), "/w")
	if err != nil {
		t.Fatal(err)
	}
	if extra["pkglist"] != "/w/x" || e.Has("pkglist") {
		t.Errorf("pkglist: extra %q, in env %v", extra["pkglist"], e.Has("pkglist"))
	}
	if e.Get("path") != "/w/jails/a" {
		t.Errorf("path = %q", e.Get("path"))
	}
	if e.Get("emulator") != "jail" {
		t.Errorf("missing columns must take defaults, emulator = %q", e.Get("emulator"))
	}
}

func TestPlaceholder(t *testing.T) {
	tests := []struct{ v, wd, to string }{
		{"/usr/jails/jails/a", "/usr/jails", "CBSDROOT/jails/a"},
		{"/other/a", "/usr/jails", "/other/a"},
		{"/usr/jails/a", "", "/usr/jails/a"},
		{"/a", "/", "/a"},
	}
	for _, tt := range tests {
		if got := ToPlaceholder(tt.v, tt.wd); got != tt.to {
			t.Errorf("ToPlaceholder(%q, %q) = %q, want %q", tt.v, tt.wd, got, tt.to)
		}
	}
	if got := FromPlaceholder("CBSDROOT/a:CBSDROOT/b", "/w"); got != "/w/a:CBSDROOT/b" {
		t.Errorf("FromPlaceholder replaces the first occurrence only, got %q", got)
	}
	if got := FromPlaceholder("CBSDROOT/a", ""); got != "CBSDROOT/a" {
		t.Errorf("FromPlaceholder with empty workdir = %q", got)
	}
}

func TestToPlaceholderBoundaries(t *testing.T) {
	const w = "/usr/jails"
	for _, tc := range []struct{ in, want string }{
		{"/usr/jails/jails-data/a-data", "CBSDROOT/jails-data/a-data"},
		{"/usr/jails", "CBSDROOT"},
		{"/usr/jails2/x", "/usr/jails2/x"},
		{"/data/usr/jails/x", "/data/usr/jails/x"},
		{"cp /usr/jails/a /usr/jails/b", "cp CBSDROOT/a /usr/jails/b"},
		{"/usr/jails2 /usr/jails/x", "/usr/jails2 CBSDROOT/x"},
	} {
		if got := ToPlaceholder(tc.in, w); got != tc.want {
			t.Errorf("ToPlaceholder(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestMultiLineValueRoundTrip(t *testing.T) {
	e := New("ml")
	e.Set("exec_start", "echo 1\necho \"2\"")
	var b strings.Builder
	if err := WriteDescriptor(&b, e, ""); err != nil {
		t.Fatal(err)
	}
	got, _, err := ReadDescriptor(strings.NewReader(b.String()), "")
	if err != nil {
		t.Fatalf("read back: %v\n%s", err, b.String())
	}
	if got.Get("exec_start") != "echo 1\necho \"2\"" {
		t.Fatalf("exec_start = %q", got.Get("exec_start"))
	}
	if got.Name() != "ml" {
		t.Fatalf("jname = %q", got.Name())
	}
}
