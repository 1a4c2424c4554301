package qemu

import (
	"fmt"
	"os"
)

// Accel resolves vm_accel: "kvm", "tcg" or "auto" (KVM only when /dev/kvm
// is real hardware virtualisation: a PVM backend, /sys/module/kvm_pvm,
// accepts a probe but cannot boot stock guest kernels).
func Accel(setting string) (string, error) {
	switch setting {
	case "kvm", "tcg":
		return setting, nil
	case "", "0", "auto":
		if _, err := os.Stat("/sys/module/kvm_pvm"); err == nil {
			return "tcg", nil
		}
		if f, err := os.OpenFile("/dev/kvm", os.O_RDWR, 0); err == nil {
			f.Close()
			return "kvm", nil
		}
		return "tcg", nil
	}
	return "", fmt.Errorf("vm_accel=%q: want auto, kvm or tcg", setting)
}
