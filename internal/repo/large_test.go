package repo

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"aead.dev/minisign"
)

// genReader is a deterministic stream of size bytes that can seek: byte i
// is byte i%8 of splitmix64(i/8), computed on demand, never stored.
type genReader struct{ off, size int64 }

func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

func (g *genReader) Read(p []byte) (int, error) {
	if g.off >= g.size {
		return 0, io.EOF
	}
	if rem := g.size - g.off; int64(len(p)) > rem {
		p = p[:rem]
	}
	n := 0
	for n < len(p) {
		if g.off%8 == 0 && len(p)-n >= 8 {
			binary.LittleEndian.PutUint64(p[n:], splitmix64(uint64(g.off/8)))
			n, g.off = n+8, g.off+8
			continue
		}
		p[n] = byte(splitmix64(uint64(g.off/8)) >> (8 * (g.off % 8)))
		n, g.off = n+1, g.off+1
	}
	return n, nil
}

func (g *genReader) Seek(off int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		off += g.off
	case io.SeekEnd:
		off += g.size
	}
	if off < 0 {
		return 0, errors.New("negative offset")
	}
	g.off = off
	return off, nil
}

// vmHWM is the process's peak resident set (Linux), for the log.
func vmHWM() string {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

// TestLargeDownloadBoundedMemory downloads a 1 GiB artifact, generated
// on the fly by the server, and checks that the heap in use never grows
// past 64 MiB while it streams to disk and is verified.
func TestLargeDownloadBoundedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("1 GiB download; skipped with -short")
	}
	const size = 1 << 30
	pk, sk := newKey(t)

	// Publishing: the SHA-256 is computed on the fly from the stream.
	h := sha256.New()
	if _, err := io.Copy(h, &genReader{size: size}); err != nil {
		t.Fatal(err)
	}
	a := Artifact{Kind: KindImage, Name: "big", Version: "1", Arch: "amd64", Size: size, SHA256: hex.EncodeToString(h.Sum(nil)), Published: time.Now().UTC()}
	x := &Index{Artifacts: []Artifact{a}}
	data, err := x.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	sig := Sign(data, sk, time.Now())
	mux := http.NewServeMux()
	mux.HandleFunc("/"+IndexFile, func(w http.ResponseWriter, r *http.Request) { w.Write(data) })
	mux.HandleFunc("/"+SigFile, func(w http.ResponseWriter, r *http.Request) { w.Write(sig) })
	mux.HandleFunc("/"+a.Object(), func(w http.ResponseWriter, r *http.Request) {
		http.ServeContent(w, r, "big", time.Time{}, &genReader{size: size})
	})
	url := serve(t, mux)

	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	var peak atomic.Uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		var ms runtime.MemStats
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	start := time.Now()
	dst := filepath.Join(t.TempDir(), "big.img")
	c := &Client{Mirrors: []string{url}, Keys: []minisign.PublicKey{pk}}
	_, _, err = c.Get(context.Background(), Query{Kind: KindImage, Name: "big"}, dst)
	close(stop)
	<-sampled
	if err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(start)
	fi, err := os.Stat(dst)
	if err != nil || fi.Size() != size {
		t.Fatalf("downloaded file: %v %v", fi, err)
	}
	os.Remove(dst)
	const limit = 64 << 20
	t.Logf("1 GiB download in %.1fs: peak heap in use %.1f MiB (%.1f MiB before), process VmHWM %s",
		elapsed.Seconds(), float64(peak.Load())/(1<<20), float64(base.HeapInuse)/(1<<20), vmHWM())
	if peak.Load() > limit {
		t.Fatalf("peak heap in use %d bytes, over %d", peak.Load(), limit)
	}
}
