//go:build linux

// Package testbed runs cbsd tests on several machines at once: QEMU guests
// ("nodes") booted from a Debian kernel and a busybox initramfs, on a
// private network the test owns.
//
// A test asks for a bed and uses its nodes:
//
//	bed := testbed.Start(t, testbed.Config{
//		Nodes: 2,
//		Image: testbed.ImageSpec{Files: []testbed.File{{Src: cbsdBin, Dst: "/usr/local/bin/cbsd"}}},
//	})
//	out, exit, err := bed.Node(1).Run(ctx, "sh", "-c", "cbsd version")
//	bed.Node(2).Isolate()   // cut it off the network
//	bed.Node(2).Reconnect() // and back
//	bed.Node(1).Kill()      // power cut; Alive() is false from now on
//
// Start skips the test when the machine cannot run guests (not root, no
// qemu-system-x86_64, no kernel package) and tears everything down when
// the test ends. New and Close do the same outside a test, as
// cmd/testbed does for interactive debugging.
//
// # Image
//
// BuildImage makes the guest from Debian packages: the kernel of
// linux-image-amd64 (fetched with apt-get download, booted as an
// uncompressed vmlinux through QEMU's PVH entry) and an initramfs holding
// busybox, runc with the shared libraries ldd lists for it, the agent, the
// modules for virtio net/serial/blk, NFS client and server (nfs, nfsv4,
// nfsd), overlay, veth and bridge, and whatever files the caller adds. A
// built image is kept under CacheDir, keyed by a hash of all those inputs,
// so later runs boot at once. The guest's /init first moves the tree onto a
// tmpfs (switch_root), since pivot_root, and so runc, refuses the
// initramfs itself.
//
// # Network
//
// Each bed creates a bridge on the host; each node's QEMU creates a tap
// device that joins it. Node i has address 10.240.X.i/24 and hostname
// nodeI (all nodes are in every guest's /etc/hosts); the host is
// 10.240.X.254. X is chosen at random and reserved by the bridge's name,
// so parallel beds do not clash. Isolate takes a node's tap off the
// bridge; the guest keeps its link up and simply reaches nobody.
//
// # Commands
//
// Commands reach a guest over a virtio-serial port served by QEMU as a
// unix socket on the host. In the guest a small static Go agent (package
// agent, built by the testbed) reads one JSON request per line, runs the
// command in its own process group and answers with its exit code and
// base64 output. Calls may overlap; cancelling the context kills the
// command. The serial console (a shell) goes to a log file and a unix
// socket, and is shown when a test using Start fails.
//
// # Timing
//
// Under TCG (the KVM of the lab machine cannot boot stock kernels) a node
// boots to its agent in about 3 s; QEMU takes about 280 MB of host memory
// per node.
package testbed
