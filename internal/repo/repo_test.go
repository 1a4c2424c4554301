package repo

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"aead.dev/minisign"

	"github.com/cbsdgo/cbsd/internal/errdefs"
)

func newKey(t *testing.T) (minisign.PublicKey, minisign.PrivateKey) {
	t.Helper()
	pk, sk, err := minisign.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	return pk, sk
}

// publish writes files (name -> content) into a tree at dir as artifacts
// of kind, version ver, and commits them.
func publish(t *testing.T, dir string, sk minisign.PrivateKey, arts map[Artifact][]byte) *Index {
	t.Helper()
	p := &Publisher{Dir: dir, Key: sk}
	var added []Artifact
	for a, content := range arts {
		a, err := p.Put(context.Background(), a, func(w io.Writer) error {
			_, err := w.Write(content)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		added = append(added, a)
	}
	x, err := p.Commit(context.Background(), added...)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func serve(t *testing.T, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h) // 127.0.0.1
	t.Cleanup(srv.Close)
	return srv.URL
}

func sum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

var (
	imgBytes = bytes.Repeat([]byte("cbsd image "), 50000)
	isoBytes = []byte("an ISO, in spirit")
	vm1      = Artifact{Kind: KindImage, Name: "vm1", Version: "1.0", Arch: "amd64"}
	iso1     = Artifact{Kind: KindISO, Name: "tiny.iso", Version: "1", Arch: "amd64"}
)

// noFile fails when any of paths exists.
func noFile(t *testing.T, paths ...string) {
	t.Helper()
	for _, p := range paths {
		if _, err := os.Lstat(p); err == nil {
			t.Errorf("%s exists", p)
		}
	}
}

func TestPublishListGet(t *testing.T) {
	pk, sk := newKey(t)
	tree := t.TempDir()
	x := publish(t, tree, sk, map[Artifact][]byte{vm1: imgBytes, iso1: isoBytes})
	if len(x.Artifacts) != 2 {
		t.Fatalf("index has %d artifacts", len(x.Artifacts))
	}
	for _, b := range [][]byte{imgBytes, isoBytes} {
		if got, err := os.ReadFile(filepath.Join(tree, ObjectsDir, sum(b))); err != nil || !bytes.Equal(got, b) {
			t.Fatalf("object %s: %v", sum(b), err)
		}
	}
	// A second publish replaces the same slot and keeps the others.
	vm11 := vm1
	vm11.Version = "1.10"
	vm19 := vm1
	vm19.Version = "1.9"
	publish(t, tree, sk, map[Artifact][]byte{vm11: []byte("v1.10"), vm19: []byte("v1.9")})
	publish(t, tree, sk, map[Artifact][]byte{vm1: imgBytes})

	url := serve(t, Handler(tree))
	c := &Client{Mirrors: []string{url}, Keys: []minisign.PublicKey{pk}}
	idx, m, err := c.Index(context.Background())
	if err != nil || m != url {
		t.Fatalf("Index: %v from %q", err, m)
	}
	if n := len(idx.Select(Query{})); n != 4 {
		t.Fatalf("list: %d artifacts, want 4", n)
	}
	if n := len(idx.Select(Query{Kind: KindISO})); n != 1 {
		t.Fatalf("list sources=iso: %d artifacts, want 1", n)
	}

	dst := t.TempDir()
	tests := []struct {
		q    Query
		want []byte
	}{
		{Query{Kind: KindImage, Name: "vm1", Version: "1.0"}, imgBytes},
		{Query{Kind: KindImage, Name: "vm1"}, []byte("v1.10")}, // newest: 1.10 > 1.9 > 1.0
		{Query{Kind: KindISO, Name: "tiny.iso", Arch: "amd64"}, isoBytes},
	}
	for i, tt := range tests {
		t.Run(tt.q.String(), func(t *testing.T) {
			p := filepath.Join(dst, strings.Repeat("x", i+1))
			a, m, err := c.Get(context.Background(), tt.q, p)
			if err != nil {
				t.Fatal(err)
			}
			if m != url || a.SHA256 != sum(tt.want) {
				t.Fatalf("got %v from %s", a, m)
			}
			if got, _ := os.ReadFile(p); !bytes.Equal(got, tt.want) {
				t.Fatalf("content differs")
			}
			noFile(t, p+".part")
		})
	}
	_, _, err = c.Get(context.Background(), Query{Kind: KindImage, Name: "nosuch"}, filepath.Join(dst, "n"))
	if !errors.Is(err, ErrNotInIndex) || !errors.Is(err, errdefs.ErrNotFound) {
		t.Fatalf("missing artifact: %v", err)
	}
	noFile(t, filepath.Join(dst, "n"), filepath.Join(dst, "n.part"))
}

func TestTamperedObjectRefused(t *testing.T) {
	pk, sk := newKey(t)
	tree := t.TempDir()
	publish(t, tree, sk, map[Artifact][]byte{vm1: imgBytes})
	obj := filepath.Join(tree, ObjectsDir, sum(imgBytes))
	url := serve(t, Handler(tree))
	c := &Client{Mirrors: []string{url}, Keys: []minisign.PublicKey{pk}}
	for _, tamper := range []struct {
		name string
		data []byte
	}{
		{"same size", append([]byte("X"), imgBytes[1:]...)},
		{"longer", append(append([]byte{}, imgBytes...), '!')},
		{"shorter", imgBytes[:len(imgBytes)-1]},
	} {
		t.Run(tamper.name, func(t *testing.T) {
			if err := os.WriteFile(obj, tamper.data, 0o644); err != nil {
				t.Fatal(err)
			}
			dst := filepath.Join(t.TempDir(), "vm1.img")
			_, _, err := c.Get(context.Background(), Query{Kind: KindImage, Name: "vm1"}, dst)
			if !errors.Is(err, ErrChecksum) {
				t.Fatalf("tampered object: %v", err)
			}
			noFile(t, dst, dst+".part")
		})
	}
}

func TestUntrustedIndexRefused(t *testing.T) {
	pk, sk := newKey(t)
	other, _ := newKey(t)
	tree := t.TempDir()
	publish(t, tree, sk, map[Artifact][]byte{vm1: imgBytes})
	url := serve(t, Handler(tree))
	dst := filepath.Join(t.TempDir(), "vm1.img")

	c := &Client{Mirrors: []string{url}, Keys: []minisign.PublicKey{other}}
	if _, _, err := c.Get(context.Background(), Query{Kind: KindImage, Name: "vm1"}, dst); !errors.Is(err, ErrSignature) {
		t.Fatalf("unknown key: %v", err)
	} else if !strings.Contains(err.Error(), "which is not among the trusted keys") {
		t.Fatalf("message: %v", err)
	}
	noFile(t, dst, dst+".part")

	// The right key, but index.json changed after signing.
	b, _ := os.ReadFile(filepath.Join(tree, IndexFile))
	os.WriteFile(filepath.Join(tree, IndexFile), bytes.Replace(b, []byte(`"1.0"`), []byte(`"2.0"`), 1), 0o644)
	c.Keys = []minisign.PublicKey{other, pk}
	if _, _, err := c.Index(context.Background()); !errors.Is(err, ErrSignature) || !strings.Contains(err.Error(), "does not match") {
		t.Fatalf("altered index: %v", err)
	}
	// No keys at all.
	c.Keys = nil
	if _, _, err := c.Index(context.Background()); !errors.Is(err, ErrSignature) {
		t.Fatalf("no keys: %v", err)
	}
}

// cutter serves a tree, cutting the first object transfer off after cut
// bytes; it records each object request's Range header and body size.
type cutter struct {
	h      http.Handler
	cut    int64
	mu     sync.Mutex
	ranges []string
	sent   []int64
}

type countingWriter struct {
	http.ResponseWriter
	n     int64
	limit int64 // abort after this many bytes; 0: never
}

func (w *countingWriter) Write(p []byte) (int, error) {
	if w.limit > 0 && w.n+int64(len(p)) > w.limit {
		p = p[:w.limit-w.n]
		n, _ := w.ResponseWriter.Write(p)
		w.n += int64(n)
		w.ResponseWriter.(http.Flusher).Flush()
		panic(http.ErrAbortHandler) // the server dies mid-transfer: connection closed
	}
	n, err := w.ResponseWriter.Write(p)
	w.n += int64(n)
	return n, err
}

// requests waits for n object requests to have finished and returns
// their Range headers and byte counts.
func (c *cutter) requests(t *testing.T, n int) ([]string, []int64) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		c.mu.Lock()
		if len(c.sent) >= n || time.Now().After(deadline) {
			defer c.mu.Unlock()
			return append([]string{}, c.ranges...), append([]int64{}, c.sent...)
		}
		c.mu.Unlock()
	}
}

func (c *cutter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !strings.HasPrefix(r.URL.Path, "/"+ObjectsDir+"/") {
		c.h.ServeHTTP(w, r)
		return
	}
	c.mu.Lock()
	first := len(c.ranges) == 0
	c.ranges = append(c.ranges, r.Header.Get("Range"))
	c.mu.Unlock()
	cw := &countingWriter{ResponseWriter: w}
	if first && c.cut > 0 {
		cw.limit = c.cut
	}
	defer func() {
		c.mu.Lock()
		c.sent = append(c.sent, cw.n)
		c.mu.Unlock()
	}()
	c.h.ServeHTTP(cw, r)
}

func TestResumeAfterServerDies(t *testing.T) {
	pk, sk := newKey(t)
	tree := t.TempDir()
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
	publish(t, tree, sk, map[Artifact][]byte{vm1: big})
	const cut = 300_000
	q := Query{Kind: KindImage, Name: "vm1"}

	t.Run("restarted", func(t *testing.T) {
		// The first server dies after cut bytes; the client gives up.
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		srv1 := &http.Server{Handler: &cutter{h: Handler(tree), cut: cut}}
		go srv1.Serve(ln)
		url := "http://" + addr
		dst := filepath.Join(t.TempDir(), "vm1.img")
		c := &Client{Mirrors: []string{url}, Keys: []minisign.PublicKey{pk}, Resumes: -1}
		if _, _, err := c.Get(context.Background(), q, dst); !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("interrupted download: %v", err)
		}
		noFile(t, dst)
		if fi, err := os.Stat(dst + ".part"); err != nil || fi.Size() != cut {
			t.Fatalf(".part after the cut: %v, %v", fi, err)
		}
		srv1.Close()

		// Restarted on the same address: the download resumes.
		var ln2 net.Listener
		for i := 0; i < 50; i++ {
			if ln2, err = net.Listen("tcp", addr); err == nil {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if err != nil {
			t.Fatal(err)
		}
		rec := &cutter{h: Handler(tree)}
		srv2 := &http.Server{Handler: rec}
		go srv2.Serve(ln2)
		defer srv2.Close()
		if _, _, err := c.Get(context.Background(), q, dst); err != nil {
			t.Fatal(err)
		}
		ranges, sent := rec.requests(t, 1)
		if len(ranges) != 1 || ranges[0] != "bytes=300000-" {
			t.Fatalf("requests after restart: Range %q", ranges)
		}
		if sent[0] != int64(len(big))-cut {
			t.Fatalf("sent %d bytes after the restart, want %d", sent[0], int64(len(big))-cut)
		}
		if got, _ := os.ReadFile(dst); !bytes.Equal(got, big) {
			t.Fatal("resumed file differs")
		}
		noFile(t, dst+".part")
	})

	t.Run("same call", func(t *testing.T) {
		rec := &cutter{h: Handler(tree), cut: cut}
		url := serve(t, rec)
		dst := filepath.Join(t.TempDir(), "vm1.img")
		c := &Client{Mirrors: []string{url}, Keys: []minisign.PublicKey{pk}}
		if _, _, err := c.Get(context.Background(), q, dst); err != nil {
			t.Fatal(err)
		}
		ranges, sent := rec.requests(t, 2)
		if len(ranges) != 2 || ranges[0] != "" || ranges[1] != "bytes=300000-" {
			t.Fatalf("Range headers: %q", ranges)
		}
		if sent[0] != cut || sent[1] != int64(len(big))-cut {
			t.Fatalf("sent %v bytes, want %d then %d", sent, cut, int64(len(big))-cut)
		}
		if got, _ := os.ReadFile(dst); !bytes.Equal(got, big) {
			t.Fatal("resumed file differs")
		}
	})

	t.Run("range ignored", func(t *testing.T) {
		noRange := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			r.Header.Del("Range")
			Handler(tree).ServeHTTP(w, r)
		})
		dst := filepath.Join(t.TempDir(), "vm1.img")
		os.WriteFile(dst+".part", big[:1000], 0o644)
		c := &Client{Mirrors: []string{serve(t, noRange)}, Keys: []minisign.PublicKey{pk}}
		if _, _, err := c.Get(context.Background(), q, dst); err != nil {
			t.Fatal(err)
		}
		if got, _ := os.ReadFile(dst); !bytes.Equal(got, big) {
			t.Fatal("file differs")
		}
	})

	t.Run("foreign part", func(t *testing.T) {
		// A .part left by something else fails verification once, then
		// the download starts over.
		dst := filepath.Join(t.TempDir(), "vm1.img")
		os.WriteFile(dst+".part", bytes.Repeat([]byte("?"), 5000), 0o644)
		c := &Client{Mirrors: []string{serve(t, Handler(tree))}, Keys: []minisign.PublicKey{pk}}
		if _, _, err := c.Get(context.Background(), q, dst); err != nil {
			t.Fatal(err)
		}
		if got, _ := os.ReadFile(dst); !bytes.Equal(got, big) {
			t.Fatal("file differs")
		}
	})
}

// refusedURL is an address nothing listens on.
func refusedURL(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr
}

func TestMirrorFallback(t *testing.T) {
	pk, sk := newKey(t)
	_, otherSK := newKey(t)
	good, forged := t.TempDir(), t.TempDir()
	publish(t, good, sk, map[Artifact][]byte{vm1: imgBytes})
	publish(t, forged, otherSK, map[Artifact][]byte{vm1: imgBytes})
	down, goodURL, forgedURL := refusedURL(t), serve(t, Handler(good)), serve(t, Handler(forged))
	q := Query{Kind: KindImage, Name: "vm1"}

	t.Run("first down", func(t *testing.T) {
		var warned []string
		c := &Client{Mirrors: []string{down, goodURL}, Keys: []minisign.PublicKey{pk},
			Warn: func(m string, err error) { warned = append(warned, m) }}
		dst := filepath.Join(t.TempDir(), "vm1.img")
		_, m, err := c.Get(context.Background(), q, dst)
		if err != nil || m != goodURL {
			t.Fatalf("got %v from %q", err, m)
		}
		if len(warned) != 1 || warned[0] != down {
			t.Fatalf("warnings: %q", warned)
		}
	})
	t.Run("down, forged, good", func(t *testing.T) {
		c := &Client{Mirrors: []string{down, forgedURL, goodURL}, Keys: []minisign.PublicKey{pk}}
		dst := filepath.Join(t.TempDir(), "vm1.img")
		if _, m, err := c.Get(context.Background(), q, dst); err != nil || m != goodURL {
			t.Fatalf("got %v from %q", err, m)
		}
	})
	t.Run("all fail", func(t *testing.T) {
		c := &Client{Mirrors: []string{down, forgedURL, goodURL + "/nosuch"}, Keys: []minisign.PublicKey{pk}}
		dst := filepath.Join(t.TempDir(), "vm1.img")
		_, _, err := c.Get(context.Background(), q, dst)
		var me *MirrorError
		if !errors.As(err, &me) || len(me.Errs) != 3 {
			t.Fatalf("all mirrors failing: %v", err)
		}
		if !errors.Is(err, ErrSignature) || !errors.Is(err, errdefs.ErrNotFound) {
			t.Fatalf("categories lost: %v", err)
		}
		msg := err.Error()
		for _, want := range []string{down + ": ", "connection refused", forgedURL + ": ", "not among the trusted keys", goodURL + "/nosuch: ", "404"} {
			if !strings.Contains(msg, want) {
				t.Errorf("error lacks %q:\n%s", want, msg)
			}
		}
		noFile(t, dst, dst+".part")
	})
	t.Run("file mirror", func(t *testing.T) {
		c := &Client{Mirrors: []string{down, good}, Keys: []minisign.PublicKey{pk}}
		dst := filepath.Join(t.TempDir(), "vm1.img")
		if _, m, err := c.Get(context.Background(), q, dst); err != nil || m != good {
			t.Fatalf("got %v from %q", err, m)
		}
	})
}

func TestHandler(t *testing.T) {
	_, sk := newKey(t)
	tree := t.TempDir()
	publish(t, tree, sk, map[Artifact][]byte{vm1: imgBytes})
	os.WriteFile(filepath.Join(tree, ObjectsDir, ".tmp-123"), []byte("half"), 0o644)
	url := serve(t, Handler(tree))
	for _, tt := range []struct {
		path, rng string
		status    int
		body      string
	}{
		{"/" + IndexFile, "", 200, `"schema": 1`},
		{"/" + ObjectsDir + "/" + sum(imgBytes), "bytes=5-9", 206, "image"},
		{"/" + ObjectsDir + "/.tmp-123", "", 404, ""},
		{"/" + lockFile, "", 404, ""},
	} {
		req, _ := http.NewRequest(http.MethodGet, url+tt.path, nil)
		if tt.rng != "" {
			req.Header.Set("Range", tt.rng)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.status || !strings.Contains(string(b), tt.body) {
			t.Errorf("GET %s (Range %q): %d %q", tt.path, tt.rng, resp.StatusCode, b)
		}
	}
}

func TestKeys(t *testing.T) {
	dir := t.TempDir()
	kp, err := GenerateKey(dir, "k1")
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(kp.Secret); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("secret key: %v %v", fi.Mode(), err)
	}
	if _, err := GenerateKey(dir, "k1"); !errors.Is(err, errdefs.ErrExists) {
		t.Fatalf("overwrite: %v", err)
	}
	sk, err := ReadSecretKey(kp.Secret)
	if err != nil {
		t.Fatal(err)
	}
	if KeyID(sk.ID()) != kp.ID {
		t.Fatalf("key id %s, want %s", KeyID(sk.ID()), kp.ID)
	}
	pub, _ := os.ReadFile(kp.Public)
	other, _ := newKey(t)
	file := "# publisher one\n\n" + string(pub) + "  # indented comment\n" + other.String() + "\n"
	keys, err := ParseKeys(strings.NewReader(file))
	if err != nil || len(keys) != 2 || !keys[0].Equal(PublicKeyOf(sk)) || !keys[1].Equal(other) {
		t.Fatalf("ParseKeys: %v %v", keys, err)
	}
	if _, err := ParseKeys(strings.NewReader("not-a-key\n")); !errors.Is(err, errdefs.ErrInvalid) || !strings.Contains(err.Error(), "line 1") {
		t.Fatalf("bad key line: %v", err)
	}
	if keys, err := ReadKeys(filepath.Join(dir, "missing")); err != nil || keys != nil {
		t.Fatalf("missing keys file: %v %v", keys, err)
	}

	// A password-protected key (KDF "Sc") is refused with a hint.
	text, _ := os.ReadFile(kp.Secret)
	lines := strings.SplitN(string(text), "\n", 2)
	raw, _ := base64.StdEncoding.DecodeString(strings.TrimSpace(lines[1]))
	raw[2], raw[3] = 'S', 'c'
	enc := filepath.Join(dir, "enc.key")
	os.WriteFile(enc, []byte(lines[0]+"\n"+base64.StdEncoding.EncodeToString(raw)+"\n"), 0o600)
	if _, err := ReadSecretKey(enc); !errors.Is(err, errdefs.ErrNotSupported) || !strings.Contains(err.Error(), "password-protected") {
		t.Fatalf("encrypted key: %v", err)
	}

	// Sign and Verify round trip; the signature is minisign's prehashed kind.
	data := []byte(`{"schema": 1, "artifacts": []}`)
	sig := Sign(data, sk, time.Unix(1700000000, 0))
	var s minisign.Signature
	if err := s.UnmarshalText(sig); err != nil || s.Algorithm != minisign.HashEdDSA || !strings.Contains(s.TrustedComment, "timestamp:1700000000") {
		t.Fatalf("signature: %+v %v", s, err)
	}
	if _, err := Verify(data, sig, keys); err != nil {
		t.Fatal(err)
	}
}

func TestVersionLess(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		less bool
	}{
		{"1.9", "1.10", true},
		{"1.10", "1.9", false},
		{"14.3", "15.0", true},
		{"20250101", "20250601", true},
		{"1.0", "1.0", false},
		{"1.0", "1.0.1", true},
		{"bookworm", "trixie", true},
		{"1.01", "1.1", false},
	} {
		if got := VersionLess(tt.a, tt.b); got != tt.less {
			t.Errorf("VersionLess(%q, %q) = %v", tt.a, tt.b, got)
		}
	}
}

func TestParseIndexRejects(t *testing.T) {
	good := `{"kind":"img","name":"a","version":"1","arch":"amd64","size":1,"sha256":"` + strings.Repeat("a", 64) + `"}`
	for _, tt := range []struct{ name, json string }{
		{"schema", `{"schema": 2, "artifacts": []}`},
		{"slash in name", `{"schema": 1, "artifacts": [` + strings.Replace(good, `"name":"a"`, `"name":"../a"`, 1) + `]}`},
		{"short sha", `{"schema": 1, "artifacts": [` + strings.Replace(good, strings.Repeat("a", 64), "abc", 1) + `]}`},
		{"negative size", `{"schema": 1, "artifacts": [` + strings.Replace(good, `"size":1`, `"size":-1`, 1) + `]}`},
		{"not json", `{`},
	} {
		if _, err := ParseIndex([]byte(tt.json)); err == nil {
			t.Errorf("%s: accepted", tt.name)
		}
	}
	if _, err := ParseIndex([]byte(`{"schema": 1, "artifacts": [` + good + `]}`)); err != nil {
		t.Fatal(err)
	}
}

// A server that sends headers and then nothing is given up on after
// Client.Idle, and the download resumed.
func TestStalledTransfer(t *testing.T) {
	pk, sk := newKey(t)
	tree := t.TempDir()
	publish(t, tree, sk, map[Artifact][]byte{vm1: imgBytes})
	var hung atomic.Bool
	release := make(chan struct{})
	defer close(release)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/"+ObjectsDir) && !hung.Swap(true) {
			w.Header().Set("Content-Length", "550000")
			w.Write(imgBytes[:10])
			w.(http.Flusher).Flush()
			<-release
			return
		}
		Handler(tree).ServeHTTP(w, r)
	})
	c := &Client{Mirrors: []string{serve(t, h)}, Keys: []minisign.PublicKey{pk}, Idle: 200 * time.Millisecond}
	dst := filepath.Join(t.TempDir(), "vm1.img")
	// Stalled after 10 bytes: resumed from byte 10 on the next request.
	if _, _, err := c.Get(context.Background(), Query{Kind: KindImage, Name: "vm1"}, dst); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(dst); !bytes.Equal(got, imgBytes) {
		t.Fatal("file differs")
	}
}
