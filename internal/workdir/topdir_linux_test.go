package workdir

import (
	"os"
	"testing"

	"golang.org/x/sys/unix"
)

// On ext4, Create marks the directories that hold one tree per jail as tops
// of directory hierarchies (chattr +T), and marking again changes nothing.
func TestSpreadSubdirs(t *testing.T) {
	l := Layout{W: t.TempDir()}
	var st unix.Statfs_t
	if err := unix.Statfs(l.W, &st); err != nil || st.Type != unix.EXT4_SUPER_MAGIC {
		t.Skipf("%s is not on ext4 (FS_TOPDIR_FL is an ext2/3/4 flag)", l.W)
	}
	if err := l.Create(); err != nil {
		t.Fatal(err)
	}
	flags := func(d string) int {
		f, err := os.Open(l.Path(d))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		v, err := unix.IoctlGetInt(int(f.Fd()), unix.FS_IOC_GETFLAGS)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, d := range SpreadDirs {
		if flags(d)&fsTopdirFL == 0 {
			t.Errorf("%s is not marked +T", d)
		}
	}
	if flags("var")&fsTopdirFL != 0 {
		t.Errorf("var is marked +T")
	}
	before := flags("jails-data")
	SpreadSubdirs(l.Path("jails-data"))
	if after := flags("jails-data"); after != before {
		t.Errorf("flags %#x after marking again, %#x before", after, before)
	}
}
