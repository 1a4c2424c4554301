//go:build linux

// Package wire is the protocol between the testbed and its guest agent.
//
// Each message is one JSON object on one line. The host sends Requests; the
// agent answers each with a Response carrying the same ID, in any order, and
// sends one unsolicited Response with ID 0 and Hello set when it starts.
// Byte fields travel as base64 (encoding/json's []byte form), so output of
// any content and length survives the line framing.
package wire

// PortName is the virtio-serial port name the agent listens on.
const PortName = "tb.agent"

// Request runs a command, or cancels the running request with the same ID.
type Request struct {
	ID     uint64   `json:"id"`
	Argv   []string `json:"argv,omitempty"`
	Env    []string `json:"env,omitempty"`
	Dir    string   `json:"dir,omitempty"`
	Stdin  []byte   `json:"stdin,omitempty"`
	Cancel bool     `json:"cancel,omitempty"`
}

// Response is the result of a Request, or the agent's greeting (ID 0).
type Response struct {
	ID     uint64 `json:"id"`
	Hello  *Hello `json:"hello,omitempty"`
	Stdout []byte `json:"stdout,omitempty"`
	Stderr []byte `json:"stderr,omitempty"`
	Exit   int    `json:"exit"`
	// Error is set when the command could not be run at all.
	Error string `json:"error,omitempty"`
}

// Hello describes the guest when the agent comes up.
type Hello struct {
	Hostname string  `json:"hostname"`
	Kernel   string  `json:"kernel"`
	Uptime   float64 `json:"uptime"` // guest seconds since boot
}
