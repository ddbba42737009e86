package rollout

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"

	"github.com/embodied-community/embodied/internal/health"
	"github.com/embodied-community/embodied/internal/storetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// The recorder stores each new periodic report once, failures with their
// error, and nothing before the first report.
func TestRecorderStoresEachNewReportOnce(t *testing.T) {
	db := storetest.New(t)
	var last atomic.Pointer[health.Report]
	r := NewRecorder(db.Store, last.Load, RecorderOptions{Interval: time.Minute, Enforce: true, Env: "staging"})
	ctx := t.Context()
	at := time.Date(2025, 10, 7, 14, 30, 0, 0, time.UTC)

	if err := r.runOnce(ctx); err != nil { // no report yet
		t.Fatal(err)
	}
	last.Store(&health.Report{At: at, Discord: health.Result{OK: true}, Database: health.Result{OK: true}})
	for range 2 { // the same report twice
		if err := r.runOnce(ctx); err != nil {
			t.Fatal(err)
		}
	}
	last.Store(&health.Report{At: at.Add(5 * time.Minute), Discord: health.Result{OK: true},
		Database: health.Result{Err: "connection refused"}, ConsecutiveFailures: 1})
	if err := r.runOnce(ctx); err != nil {
		t.Fatal(err)
	}

	got, err := db.Store.HealthRunsSince(ctx, at.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	want := []HealthRun{
		{At: at.Add(5 * time.Minute), Passed: false, Enforce: true, Env: "staging", Failures: 1, Err: "connection refused"},
		{At: at, Passed: true, Enforce: true, Env: "staging"},
	}
	if diff := cmp.Diff(want, got, cmp.Comparer(time.Time.Equal)); diff != "" {
		t.Errorf("health runs mismatch (-want +got):\n%s", diff)
	}
}

// Start polls until Stop; a second Start is refused.
func TestRecorderLifecycle(t *testing.T) {
	db := storetest.New(t)
	var last atomic.Pointer[health.Report]
	r := NewRecorder(db.Store, last.Load, RecorderOptions{Interval: 100 * time.Millisecond})
	if err := r.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := r.Start(t.Context()); err == nil {
		t.Error("second Start succeeded")
	}
	at := time.Now().Truncate(time.Millisecond)
	last.Store(&health.Report{At: at, Discord: health.Result{OK: true}, Database: health.Result{OK: true}})
	deadline := time.Now().Add(10 * time.Second)
	for {
		runs, err := db.Store.HealthRunsSince(t.Context(), at)
		if err != nil {
			t.Fatal(err)
		}
		if len(runs) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the report was not recorded within 10s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := r.Stop(t.Context()); err != nil {
		t.Fatal(err)
	}
}
