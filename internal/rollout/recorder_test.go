package rollout

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"

	"github.com/embodied-community/embodied/internal/health"
	"github.com/embodied-community/embodied/internal/jobs"
	"github.com/embodied-community/embodied/internal/storetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// The recorder stores each run once, failures with their error.
func TestRecorderStoresEachRunOnce(t *testing.T) {
	db := storetest.New(t)
	r := NewRecorder(db.Store, RecorderOptions{Enforce: true, Env: "staging"})
	ctx := t.Context()
	at := time.Date(2025, 10, 7, 14, 30, 0, 0, time.UTC)

	for range 2 { // the same run twice, as a retried job would
		if err := r.Record(ctx, &health.Report{At: at, Discord: health.Result{OK: true}, Database: health.Result{OK: true}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Record(ctx, &health.Report{At: at.Add(5 * time.Minute), Discord: health.Result{OK: true},
		Database: health.Result{Err: "connection refused"}, ConsecutiveFailures: 1}); err != nil {
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

// gateway is a connected Discord session as the checks see it.
type gateway struct{}

func (gateway) Connected() bool        { return true }
func (gateway) Latency() time.Duration { return time.Millisecond }

// alerts keeps the alerts of every process.
type alerts struct {
	mu  sync.Mutex
	got []string
}

func (a *alerts) notifier() health.Notifier {
	return health.NotifierFunc(func(_ context.Context, al health.Alert) error {
		a.mu.Lock()
		defer a.mu.Unlock()
		a.got = append(a.got, al.Key+" "+al.Level.String())
		return nil
	})
}

func (a *alerts) list() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.got...)
}

// startProcess starts one bot process's health checker and job runner.
func startProcess(t *testing.T, db *storetest.DB, al *alerts, name string) *jobs.Runner {
	t.Helper()
	c := health.New(health.Options{Pool: db.App, Gateway: gateway{}, Notifier: al.notifier(), Interval: time.Second})
	r := jobs.New(db.App, jobs.Options{PollInterval: 100 * time.Millisecond})
	ScheduleHealth(r, c, NewRecorder(db.Store, RecorderOptions{Env: "production"}), time.Second)
	if err := r.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := r.Stop(context.Background()); err != nil {
			t.Errorf("stop %s: %v", name, err)
		}
	})
	return r
}

// Two processes on one database: one health_runs row per interval, and a
// database-wide threshold crossed alerts once across both.
func TestHealthRunOncePerIntervalAcrossProcesses(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	if _, err := db.App.Exec(t.Context(), `INSERT INTO content_flags (guild_id, user_id, content_type, flag_reason)
		SELECT 'g', 'u' || i, 'barbie_note', 'toxic_language' FROM generate_series(1, 12) AS i`); err != nil {
		t.Fatal(err)
	}
	al := &alerts{}
	start := time.Now()
	startProcess(t, db, al, "first")
	startProcess(t, db, al, "second")

	var runs []HealthRun
	for deadline := time.Now().Add(30 * time.Second); len(runs) < 4; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d health runs within 30s", len(runs))
		}
		var err error
		if runs, err = db.Store.HealthRunsSince(t.Context(), start.Add(-time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	for i, r := range runs {
		if !r.Passed || r.At.Truncate(time.Second) != r.At {
			t.Errorf("run %d: %+v, want a passed run on a whole second", i, r)
		}
		if i > 0 && !runs[i-1].At.After(r.At) {
			t.Errorf("two runs at %s: one per interval expected", r.At)
		}
	}
	// doctor --enforcement reads them as one unbroken soak.
	if s := CurrentSoak(runs, 3*time.Second); s.Runs != len(runs) || s.BrokenBy != "" {
		t.Errorf("soak over %d runs: %+v", len(runs), s)
	}
	if diff := cmp.Diff([]string{"unreviewed_content_flags warning"}, al.list()); diff != "" {
		t.Errorf("alerts across processes mismatch (-want +got):\n%s", diff)
	}
}
