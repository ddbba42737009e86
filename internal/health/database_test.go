package health

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// TestDatabaseAlertsOnceAcrossProcesses runs the database-wide half of the
// health checks in two "processes" (two checkers on one database, each
// with its own notifier), at once: a threshold crossed alerts once across
// both, a steady level never again, not even from a restarted process, a
// failed delivery is delivered at the next run, once, and so is the
// recovery.
func TestDatabaseAlertsOnceAcrossProcesses(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	ctx := context.Background()
	first, second := &recorder{}, &recorder{}
	newProcess := func(n *recorder) *Checker {
		return New(Options{Pool: e.db.App, Gateway: e.gateway, Logger: newLogger(t, e.logs), Notifier: n,
			Interval: time.Minute, Timeout: 3 * time.Second})
	}
	a, b := newProcess(first), newProcess(second)
	both := func() {
		var wg sync.WaitGroup
		for _, c := range []*Checker{a, b} {
			wg.Go(func() { c.RunDatabase(ctx, time.Now()) })
		}
		wg.Wait()
	}
	delivered := func() []string { return append(first.got(), second.got()...) }
	setFail := func(fail bool) {
		for _, r := range []*recorder{first, second} {
			r.mu.Lock()
			r.fail = fail
			r.mu.Unlock()
		}
	}
	exec := func(q string) {
		t.Helper()
		if _, err := e.db.App.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	warning := "unreviewed_content_flags warning (was ok) 12"
	recovery := "unreviewed_content_flags ok (was warning) 0"

	steps := []struct {
		name string
		do   func()
		want []string
	}{
		{"12 flags, both processes at once", func() { exec(flags(12)); both() }, []string{warning}},
		{"steady", both, []string{warning}},
		{"a process restarted", func() { a = newProcess(first); both() }, []string{warning}},
		{"reviewed, every delivery fails", func() {
			setFail(true)
			exec(`UPDATE content_flags SET status = 'confirmed', reviewed_by = 'mod', reviewed_at = now()`)
			both()
		}, []string{warning}},
		{"delivered at the next run", func() { setFail(false); both() }, []string{warning, recovery}},
		{"steady again", both, []string{warning, recovery}},
	}
	for _, s := range steps {
		s.do()
		if diff := cmp.Diff(s.want, delivered(), cmpopts.SortSlices(func(x, y string) bool { return x < y })); diff != "" {
			t.Fatalf("%s: alerts across processes mismatch (-want +got):\n%s", s.name, diff)
		}
	}
	// Each process may have tried the failing recovery (one after the
	// other released it), never both at once.
	if n := strings.Count(e.logs.String(), "Alert delivery failed; retrying at the next run"); n < 1 || n > 2 {
		t.Errorf("%d failed deliveries logged, want 1 or 2:\n%s", n, e.logs)
	}
	if n := strings.Count(e.logs.String(), "Alert: ⚠️ WARNING: Unreviewed content flags is 12 flags"); n != 1 {
		t.Errorf("%d warning lines logged across processes, want 1", n)
	}
}

// A process's own report shows the database-wide levels and figures of the
// last run, whichever process ran it; its own thresholds stay its own.
func TestReportShowsDatabaseLevels(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	ctx := context.Background()
	if _, err := e.db.App.Exec(ctx, flags(12)); err != nil {
		t.Fatal(err)
	}
	other := New(Options{Pool: e.db.App, Gateway: e.gateway, Interval: time.Minute})
	other.RunDatabase(ctx, time.Now())

	r := e.checker.runOnce(ctx)
	want := map[string]Level{"health_check_failures": LevelOK, keyUnreviewedFlags: LevelWarning, keyAuditLogRows: LevelOK, keyFlaggedUsers: LevelOK}
	if diff := cmp.Diff(want, r.Levels); diff != "" {
		t.Errorf("levels mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(&Counts{UnreviewedFlags: 12}, r.Counts); diff != "" {
		t.Errorf("counts mismatch (-want +got):\n%s", diff)
	}
	if got := gaugeValue(t, e.metrics, "embodied_content_flags_unreviewed", "", ""); got != 12 {
		t.Errorf("unreviewed gauge = %v, want 12", got)
	}
	if !strings.Contains(r.Summary(), "warning alerts") {
		t.Errorf("summary without the database-wide warning: %s", r.Summary())
	}
}
