// Package progress shows how long operations are getting on: a progress
// bar (or a spinner when the total is unknown) on a terminal, plain lines
// at most twice a second elsewhere, nothing when the caller asks for quiet.
package progress
