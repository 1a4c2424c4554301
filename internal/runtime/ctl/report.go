package ctl

// Report is a supervisor's one-line JSON answer, written to fd 3, to the
// start that spawned it: the pid it started, or why it could not.
type Report struct {
	Pid     int    `json:"pid,omitempty"`
	Error   string `json:"error,omitempty"`
	Warning string `json:"warning,omitempty"`
}
