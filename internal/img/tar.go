package img

import (
	"runtime"
)

// tarCreate is the argv that writes dir (relative to parent) as a tar on
// stdout with numeric owners, sparse files kept sparse, and excludes
// (paths relative to parent).
func tarCreate(parent, dir string, gzip bool, exclude []string) []string {
	argv := []string{"tar", "-c", "-f", "-", "--numeric-owner"}
	if runtime.GOOS == "freebsd" {
		argv = append(argv, "--format", "gnutar") // bsdtar keeps sparse files sparse by itself
	} else {
		argv = append(argv, "--format=gnu", "--sparse")
	}
	if gzip {
		argv = append(argv, "-z")
	}
	for _, e := range exclude {
		argv = append(argv, "--exclude="+e)
	}
	return append(argv, "-C", parent, dir)
}

// tarExtract is the argv that unpacks a tar from stdin into dir, dropping
// the archive's top directory (the source environment's name).
func tarExtract(dir string) []string {
	return []string{"tar", "-x", "-p", "-f", "-", "--numeric-owner", "--strip-components=1", "-C", dir}
}
