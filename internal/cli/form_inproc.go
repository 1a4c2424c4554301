//go:build !tuiembed

package cli

import (
	"context"

	"github.com/cbsdgo/cbsd/internal/tui"
	"github.com/cbsdgo/cbsd/internal/tui/ask"
)

// runForm shows a form in this process: a cbsd built without the embedded
// cbsd-tui (plain go build or go install) links the forms itself.
func runForm(ctx context.Context, c *Ctx, req ask.Request) (ask.Reply, error) {
	return tui.Serve(ctx, req, c.Stdin, c.Stdout)
}
