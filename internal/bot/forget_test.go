package bot

import (
	"testing"
	"time"
)

// The Forgetter drops the ids older than maxAge and keeps the others.
func TestForgetterRunOnce(t *testing.T) {
	now := time.Date(2025, 10, 7, 14, 30, 0, 0, time.UTC)
	b := &Bot{opts: Options{Now: func() time.Time { return now }}}
	b.seen.Store("old", now.Add(-21*time.Minute))
	b.seen.Store("recent", now.Add(-19*time.Minute))
	f := NewForgetter(b, 20*time.Minute, time.Minute)
	f.runOnce(t.Context())
	if _, ok := b.seen.Load("old"); ok {
		t.Error("the 21-minute-old id is still remembered")
	}
	if _, ok := b.seen.Load("recent"); !ok {
		t.Error("the 19-minute-old id was forgotten")
	}
	if err := f.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := f.Stop(t.Context()); err != nil {
		t.Fatal(err)
	}
}
