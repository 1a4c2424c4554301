package ctl

// Report is a supervisor's one-line JSON answer, written to fd 3, to the
// start that spawned it: the pid it started, or why it could not. A
// supervisor may first send a Pending report, as soon as the pid is known,
// and then the final one.
type Report struct {
	Pid     int    `json:"pid,omitempty"`
	Pending bool   `json:"pending,omitempty"`
	Error   string `json:"error,omitempty"`
	Warning string `json:"warning,omitempty"`
}
