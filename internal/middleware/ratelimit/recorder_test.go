package ratelimit

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"

	"github.com/embodied-community/embodied/internal/store"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// violations is a ViolationStore in memory; fail makes the next call fail.
type violations struct {
	mu   sync.Mutex
	fail bool
	rows []store.RateLimitViolation
}

func (v *violations) AddRateLimitViolations(_ context.Context, vs []store.RateLimitViolation) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.fail {
		v.fail = false
		return errors.New("database unreachable")
	}
	v.rows = append(v.rows, vs...)
	return nil
}

func (v *violations) counts() []int {
	v.mu.Lock()
	defer v.mu.Unlock()
	var n []int
	for _, r := range v.rows {
		n = append(n, r.Count)
	}
	return n
}

// A failed flush keeps the counts for the next one, merged with what came
// since.
func TestRecorderRetries(t *testing.T) {
	db := &violations{fail: true}
	r := NewRecorder(db, slog.New(slog.DiscardHandler))
	at := time.Date(2025, 10, 7, 14, 30, 0, 0, time.UTC)
	r.Add("g", "u", "submit-stats", at)
	r.runOnce(t.Context())
	if got := db.counts(); len(got) != 0 {
		t.Fatalf("rows after a failed flush: %v", got)
	}
	r.Add("g", "u", "submit-stats", at.Add(time.Second))
	r.runOnce(t.Context())
	if diff := cmp.Diff([]int{2}, db.counts()); diff != "" {
		t.Errorf("counts mismatch (-want +got):\n%s", diff)
	}
}

// Stop writes what is still counted: refusals between two flushes are not
// lost at shutdown.
func TestRecorderFlushesAtStop(t *testing.T) {
	db := &violations{}
	r := NewRecorder(db, slog.New(slog.DiscardHandler))
	if err := r.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := r.Start(t.Context()); err == nil {
		t.Error("a second Start did not fail")
	}
	r.Add("g", "u", "submit-stats", time.Now())
	if err := r.Stop(t.Context()); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]int{1}, db.counts()); diff != "" {
		t.Errorf("counts mismatch (-want +got):\n%s", diff)
	}
}

// The running Limiter evicts idle buckets.
func TestLimiterEvictsWhileRunning(t *testing.T) {
	c := &clock{t: time.Date(2025, 10, 7, 14, 30, 0, 0, time.UTC)}
	l := New(slog.New(slog.DiscardHandler), Options{Now: c.now, EvictEvery: time.Millisecond})
	l.Allow("u", "submit-stats", DefaultLimit)
	c.t = c.t.Add(time.Hour)
	if err := l.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	defer l.Stop(t.Context())
	deadline := time.Now().Add(5 * time.Second)
	for l.Len() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d buckets after an hour idle", l.Len())
		}
		time.Sleep(time.Millisecond)
	}
}
