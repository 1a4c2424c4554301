// Package revert undoes the completed steps of a multi-step operation when a
// later step fails (the incus pattern):
//
//	r := revert.New()
//	defer r.Fail()
//	... r.Add(undo) after each step ...
//	r.Success()
package revert

// Reverter collects undo functions.
type Reverter struct {
	fns  []func()
	done bool
}

// New returns an empty Reverter.
func New() *Reverter { return &Reverter{} }

// Add registers an undo step; steps run in reverse order.
func (r *Reverter) Add(fn func()) { r.fns = append(r.fns, fn) }

// Fail runs the undo steps unless Success was called.
func (r *Reverter) Fail() {
	if r.done {
		return
	}
	r.done = true
	for i := len(r.fns) - 1; i >= 0; i-- {
		r.fns[i]()
	}
}

// Success disarms the Reverter.
func (r *Reverter) Success() { r.done = true }
