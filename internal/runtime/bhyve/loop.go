package bhyve

import "fmt"

// Exit statuses of bhyve(8).
const (
	ExitReboot      = 0 // the guest rebooted
	ExitPoweroff    = 1 // the guest powered off
	ExitHalt        = 2 // the guest halted
	ExitTripleFault = 3
	ExitError       = 4 // bhyve exited because of an error
)

// Next decides, as bhyverun.sh's exit_action_mode does, whether bhyve is
// started again after it exited with status exit (negative: killed by a
// signal): a reboot restarts unless on_reboot=destroy; a power-off
// restarts only with on_poweroff=restart; a halt, a triple fault, an error
// or any other status restart only with on_crash=restart. Unknown policy
// values get CBSD's defaults (restart on reboot, destroy otherwise).
func Next(exit int, onReboot, onPoweroff, onCrash string) (restart bool, reason string) {
	switch exit {
	case ExitReboot:
		return onReboot != "destroy", "rebooted"
	case ExitPoweroff:
		return onPoweroff == "restart", "powered off"
	case ExitHalt:
		reason = "halted"
	case ExitTripleFault:
		reason = "triple fault"
	case ExitError:
		reason = "exited due to an error"
	default:
		if exit < 0 {
			reason = "killed by a signal"
		} else {
			reason = fmt.Sprintf("exited with unknown status %d", exit)
		}
	}
	return onCrash == "restart", reason
}
