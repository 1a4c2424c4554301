package revert

import (
	"reflect"
	"testing"
)

func TestReverter(t *testing.T) {
	tests := []struct {
		name    string
		steps   int
		success bool
		fails   int
		want    []int
	}{
		{"fail runs in reverse", 3, false, 1, []int{3, 2, 1}},
		{"fail twice runs once", 2, false, 2, []int{2, 1}},
		{"success disarms", 3, true, 1, nil},
		{"no steps", 0, false, 1, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []int
			r := New()
			for i := 1; i <= tt.steps; i++ {
				r.Add(func() { got = append(got, i) })
			}
			if tt.success {
				r.Success()
			}
			for range tt.fails {
				r.Fail()
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("undo order = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestDeferredPattern(t *testing.T) {
	var undone []string
	op := func(fail bool) {
		r := New()
		defer r.Fail()
		r.Add(func() { undone = append(undone, "a") })
		r.Add(func() { undone = append(undone, "b") })
		if fail {
			return
		}
		r.Success()
	}
	op(false)
	if len(undone) != 0 {
		t.Errorf("successful op undid %v", undone)
	}
	op(true)
	if !reflect.DeepEqual(undone, []string{"b", "a"}) {
		t.Errorf("failed op undid %v, want [b a]", undone)
	}
}
