package backup

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/audit"
	"github.com/embodied-community/embodied/internal/storetest"
)

func TestSchedulerSpec(t *testing.T) {
	t.Parallel()
	e, err := New(Options{Dir: t.TempDir(), DatabaseURL: "postgres://u@localhost/db"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	from := time.Date(2025, 10, 7, 14, 30, 15, 0, time.UTC)
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skipf("no time zone data: %v", err)
	}
	tests := []struct {
		spec    string
		next    time.Time
		wantErr bool
	}{
		{spec: "0 3 * * *", next: time.Date(2025, 10, 8, 3, 0, 0, 0, time.UTC)},
		{spec: "CRON_TZ=Europe/Berlin 0 3 * * *", next: time.Date(2025, 10, 8, 3, 0, 0, 0, berlin)},
		{spec: "@daily", next: time.Date(2025, 10, 8, 0, 0, 0, 0, time.UTC)},
		{spec: "0 3 * *", wantErr: true},
		{spec: "0 0 3 * * *", wantErr: true},
		{spec: "", wantErr: true},
	}
	for _, tt := range tests {
		s, err := NewScheduler(e, SchedulerOptions{Spec: tt.spec}, nil)
		if (err != nil) != tt.wantErr {
			t.Errorf("NewScheduler(%q) error = %v, want error %v", tt.spec, err, tt.wantErr)
			continue
		}
		if err == nil && !s.Next(from).Equal(tt.next) {
			t.Errorf("NewScheduler(%q).Next = %v, want %v", tt.spec, s.Next(from), tt.next)
		}
	}
}

// report collects the audit records of the scheduled runs (Reporter.Audit).
type report struct {
	mu    sync.Mutex
	calls []reported
}

type reported struct {
	Trigger, File string
	Err           string
}

func (r *report) reporter() *Reporter {
	return &Reporter{Audit: func(_ context.Context, e audit.Entry) error {
		r.mu.Lock()
		defer r.mu.Unlock()
		c := reported{}
		c.Trigger, _ = e.Details["trigger"].(string)
		c.File, _ = e.Details["file"].(string)
		c.Err, _ = e.Details["error"].(string)
		r.calls = append(r.calls, c)
		return nil
	}}
}

func (r *report) get() []reported {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]reported(nil), r.calls...)
}

func TestSchedulerRunOnceWithDrill(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	seed(t, db)
	e := newEngine(t, db, nil)
	var r report
	s, err := NewScheduler(e, SchedulerOptions{Spec: "0 3 * * *", Drill: true, Report: r.reporter()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	s.runOnce(context.Background())
	calls := r.get()
	if len(calls) != 1 || calls[0].Err != "" || calls[0].Trigger != TriggerScheduled || calls[0].File == "" {
		t.Fatalf("reported runs = %+v, want one scheduled success", calls)
	}
	if st := e.Status(); st.LastSuccess.File != calls[0].File || st.LastError != nil {
		t.Errorf("Status() = %+v", st)
	}
}

func TestSchedulerRecoversAndSkips(t *testing.T) {
	t.Parallel()
	e, err := New(Options{Dir: t.TempDir(), DatabaseURL: "postgres://u@localhost/db"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var r report
	s, err := NewScheduler(e, SchedulerOptions{Spec: "0 3 * * *", Report: r.reporter()}, nil)
	if err != nil {
		t.Fatal(err)
	}

	s.backup = func(context.Context) (Result, error) { panic("boom") }
	s.runOnce(context.Background())

	started, release := make(chan struct{}), make(chan struct{})
	s.backup = func(context.Context) (Result, error) {
		close(started)
		<-release
		return Result{Trigger: TriggerScheduled, File: "backup-2025-10-07T14-30-15.sql.gz"}, nil
	}
	done := make(chan struct{})
	go func() { s.runOnce(context.Background()); close(done) }()
	<-started
	s.runOnce(context.Background()) // skipped: returns at once, reports nothing
	close(release)
	<-done

	want := []reported{
		{Trigger: TriggerScheduled, Err: "scheduled backup panicked: boom"},
		{Trigger: TriggerScheduled, File: "backup-2025-10-07T14-30-15.sql.gz"},
	}
	if diff := cmp.Diff(want, r.get()); diff != "" {
		t.Errorf("reported runs mismatch (-want +got):\n%s", diff)
	}
}

func TestSchedulerStartStop(t *testing.T) {
	t.Parallel()
	e, err := New(Options{Dir: t.TempDir(), DatabaseURL: "postgres://u@localhost/db"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewScheduler(e, SchedulerOptions{Spec: "0 3 * * *"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background()); err == nil || !strings.Contains(err.Error(), "already started") {
		t.Errorf("second Start = %v", err)
	}
	s.Stop(context.Background())
	s.Stop(context.Background()) // idempotent
}
