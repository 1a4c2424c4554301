package jail

import (
	"debug/elf"
	"encoding/binary"
)

// ntFreeBSDABITag is the type of the "FreeBSD" ELF note that carries the
// __FreeBSD_version (osreldate) a binary was built for.
const ntFreeBSDABITag = 1

// OSRelDate returns the osreldate of a FreeBSD binary (1403000 for 14.3),
// or 0 when path is not one (CBSD's elf_tables --ver).
func OSRelDate(path string) int {
	f, err := elf.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	for _, s := range f.Sections {
		if s.Type != elf.SHT_NOTE {
			continue
		}
		b, err := s.Data()
		if err != nil {
			continue
		}
		if v := freeBSDNote(b, f.ByteOrder); v > 0 {
			return v
		}
	}
	return 0
}

// freeBSDNote scans ELF notes for the FreeBSD ABI tag.
func freeBSDNote(b []byte, bo binary.ByteOrder) int {
	align := func(n uint32) int { return int((n + 3) &^ 3) }
	for len(b) >= 12 {
		namesz, descsz, typ := bo.Uint32(b), bo.Uint32(b[4:]), bo.Uint32(b[8:])
		b = b[12:]
		if align(namesz)+align(descsz) > len(b) {
			return 0
		}
		name := b[:namesz]
		desc := b[align(namesz) : align(namesz)+int(descsz)]
		if typ == ntFreeBSDABITag && string(name) == "FreeBSD\x00" && len(desc) >= 4 {
			return int(bo.Uint32(desc))
		}
		b = b[align(namesz)+align(descsz):]
	}
	return 0
}

// osrelease is the osrelease a jail reports when its base differs from
// the host's major.minor: "<ver>-RELEASE" (CBSD's makejconf), else "".
func osrelease(ver string, base, host int) string {
	if base == 0 || host == 0 || base/1000 == host/1000 {
		return ""
	}
	return ver + "-RELEASE"
}
