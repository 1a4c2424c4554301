package ctl

import (
	"encoding/json"
	"os"

	"github.com/cbsdgo/cbsd/internal/workdir"
)

// ReadJSON reads a JSON state file into v.
func ReadJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// WriteNewJSON writes v as a JSON file (mode 0600) in place: for files
// nobody reads until the writer says so (a runtime bundle's config, a
// supervisor's plan), where a rename buys nothing.
func WriteNewJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o600)
}

// WriteJSON writes v as a JSON state file atomically (mode 0600).
func WriteJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return workdir.WriteFileAtomic(path, append(b, '\n'), 0o600)
}
