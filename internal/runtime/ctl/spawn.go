package ctl

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/cbsdgo/cbsd/internal/errdefs"
	"github.com/cbsdgo/cbsd/internal/sys"
)

// Spawner starts a detached helper process (sys.Runner).
type Spawner interface {
	Spawn(d sys.Daemon) (*os.Process, error)
}

// StartHelper spawns argv detached (a supervisor or a lock holder) with
// its output appended to logPath ("" = none) and fd 3 for its Report, and
// waits for that report. A report with an error is returned as an error
// (errdefs.ErrLocked when the ownership lock is held elsewhere); a helper
// that dies first is described as what. The process is returned
// unreleased on success; on failure it has been released (and killed when
// ctx ended).
func StartHelper(ctx context.Context, sp Spawner, argv []string, logPath, what string) (*os.Process, Report, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, Report{}, err
	}
	defer r.Close()
	var logf *os.File
	if logPath != "" {
		if logf, err = os.OpenFile(logPath, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640); err != nil {
			w.Close()
			return nil, Report{}, err
		}
		defer logf.Close()
	}
	p, err := sp.Spawn(sys.Daemon{Argv: argv, Stdout: logf, ExtraFiles: []*os.File{w}})
	w.Close()
	if err != nil {
		return nil, Report{}, err
	}
	ch := make(chan Report, 1)
	go func() {
		var rep Report
		if err := json.NewDecoder(r).Decode(&rep); err != nil {
			rep.Error = what + " died during start"
			if logPath != "" {
				rep.Error += " (see " + logPath + ")"
			}
		}
		ch <- rep
	}()
	select {
	case rep := <-ch:
		if rep.Error != "" {
			p.Release()
			if strings.HasPrefix(rep.Error, "locked by") {
				return nil, rep, fmt.Errorf("%s: %w", rep.Error, errdefs.ErrLocked)
			}
			return nil, rep, errors.New(rep.Error)
		}
		return p, rep, nil
	case <-ctx.Done():
		p.Kill()
		p.Release()
		return nil, Report{}, ctx.Err()
	}
}
