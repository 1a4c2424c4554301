// Package base builds and lists bases: read-only root trees in
// W/basejail/base_<arch>_<arch>_<ver> that jails run on (baserw=0 shares
// one base between jails; baserw=1 copies it). On Linux ver "busybox" is a
// tiny base made from Debian's busybox-static, any other ver a Debian
// release made by debootstrap.
package base
