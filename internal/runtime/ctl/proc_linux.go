package ctl

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// procInfo reads a process's state letter and start time (clock ticks
// since boot) from /proc/<pid>/stat.
func ProcInfo(pid int) (state byte, start uint64, err error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, 0, err
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, 0, fmt.Errorf("bad /proc/%d/stat", pid)
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 20 {
		return 0, 0, fmt.Errorf("short /proc/%d/stat", pid)
	}
	start, err = strconv.ParseUint(f[19], 10, 64)
	return f[0][0], start, err
}

// alive reports whether pid runs (not a zombie) and, when start is not 0,
// is still the same process.
func Alive(pid int, start uint64) bool {
	if pid <= 0 {
		return false
	}
	st, s, err := ProcInfo(pid)
	if err != nil || st == 'Z' || st == 'X' {
		return false
	}
	return start == 0 || s == start
}
