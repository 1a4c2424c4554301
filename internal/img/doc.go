// Package img reads and writes CBSD's environment image format (.img,
// header version 4): text sections HEADER, RCCONF, FSTAB, PKGINFO, DESCR,
// INFO and LOCALFSTAB, then SYSDATA (a tar.gz of jails-system/<J>) and DATA
// (a GNU tar of the data directory, xz- or zstd-compressed), each between
// "___NCSTART_<PART>=1" and "___NCSTOP_<PART>=1" lines. Both directions
// stream: tar and the compressor run as pipes through the command runner
// and the image never sits in memory.
package img
