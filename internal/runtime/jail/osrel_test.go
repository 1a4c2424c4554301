package jail

import (
	"encoding/binary"
	"os/exec"
	"testing"
)

// note builds one ELF note.
func note(name string, typ uint32, desc []byte) []byte {
	pad := func(b []byte) []byte {
		for len(b)%4 != 0 {
			b = append(b, 0)
		}
		return b
	}
	n := append([]byte(name), 0)
	b := binary.LittleEndian.AppendUint32(nil, uint32(len(n)))
	b = binary.LittleEndian.AppendUint32(b, uint32(len(desc)))
	b = binary.LittleEndian.AppendUint32(b, typ)
	b = append(b, pad(n)...)
	return append(b, pad(desc)...)
}

func TestFreeBSDNote(t *testing.T) {
	ver := binary.LittleEndian.AppendUint32(nil, 1403000)
	notes := append(note("GNU", 1, []byte{0, 0, 0, 0, 3, 0, 0, 0}), note("FreeBSD", ntFreeBSDABITag, ver)...)
	if got := freeBSDNote(notes, binary.LittleEndian); got != 1403000 {
		t.Fatalf("osreldate = %d", got)
	}
	if got := freeBSDNote(note("FreeBSD", 4, ver), binary.LittleEndian); got != 0 { // NT_FREEBSD_FEATURE_CTL
		t.Fatalf("wrong note type read: %d", got)
	}
	if got := freeBSDNote(notes[:20], binary.LittleEndian); got != 0 {
		t.Fatalf("truncated: %d", got)
	}
	// A Linux binary has no FreeBSD note; a missing file is not an error.
	if sh, err := exec.LookPath("sh"); err == nil && OSRelDate(sh) != 0 {
		t.Fatal("Linux sh read as FreeBSD")
	}
	if OSRelDate("/nonexistent") != 0 {
		t.Fatal("missing file")
	}
	if osrelease("13.5", 1305000, 1403000) != "13.5-RELEASE" || osrelease("14.3", 1403000, 1403501) != "" || osrelease("14.3", 0, 1) != "" {
		t.Fatal("osrelease")
	}
}
