package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/embodied-community/embodied/internal/apptest"
	"github.com/embodied-community/embodied/internal/config"
	"github.com/embodied-community/embodied/internal/health"
)

// healthTicks counts the database-wide health runs River has completed.
const healthTicks = `SELECT count(*) FROM river_job WHERE kind = 'periodic' AND args->>'name' = 'health' AND state = 'completed'`

// Two processes on one database check themselves every second and run the
// database-wide half once per second between them: 12 unreviewed flags are
// one warning DM to the owner across both, the steady level none more, and
// the review one recovery DM; both processes' reports show the level.
func TestHealthAlertOnceAcrossProcesses(t *testing.T) {
	t.Parallel()
	every1s := func(c *config.Config) { c.EnableHealthchecks = true; c.HealthcheckInterval = time.Second }
	h1 := apptest.New(t, every1s)
	yieldShard(h1)
	h2 := apptest.Start(t, apptest.Options{Beside: h1}, every1s)
	exec := func(q string) {
		t.Helper()
		if _, err := h1.DB.App.Exec(context.Background(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	dms := func(text string) int {
		n := 0
		for _, m := range h1.Sim.DMs(h1.Owner.ID()) {
			if strings.Contains(m.Content, text) {
				n++
			}
		}
		return n
	}
	level := func(h *apptest.Harness) health.Level {
		if r := h.App.Health.Snapshot(); r != nil {
			return r.Levels["unreviewed_content_flags"]
		}
		return health.LevelOK
	}
	steady := func(what string) {
		t.Helper()
		n := h1.Count(healthTicks)
		h1.Eventually(what+": 2 more database-wide runs", func() bool { return h1.Count(healthTicks) >= n+2 })
	}

	exec(`INSERT INTO content_flags (guild_id, user_id, content_type, flag_reason)
		SELECT 'g', 'u' || i, 'barbie_note', 'toxic_language' FROM generate_series(1, 12) AS i`)
	warning := "⚠️ WARNING: Unreviewed content flags is 12 flags (threshold 10 flags)."
	h1.Eventually("the warning DM", func() bool { return dms(warning) > 0 })
	for _, h := range []*apptest.Harness{h1, h2} {
		h.Eventually("the warning in the process's report", func() bool { return level(h) == health.LevelWarning })
	}
	// The owner's /security status, answered by the process with the
	// gateway, shows the database-wide level and figures.
	var fields []string
	for _, f := range h2.Run(h2.Owner, "/security status").Embeds()[0].Fields {
		fields = append(fields, f.Name+": "+f.Value)
	}
	for _, want := range []string{"Alerts: unreviewed_content_flags: warning", "Unreviewed flags: 12\n"} {
		if !strings.Contains(strings.Join(fields, "\n"), want) {
			t.Errorf("status shows no %q: %q", want, fields)
		}
	}
	steady("warning")
	if n := dms(warning); n != 1 {
		t.Errorf("%d warning DMs across two processes, want 1", n)
	}

	exec(`UPDATE content_flags SET status = 'confirmed', reviewed_by = 'mod', reviewed_at = now()`)
	recovery := "✅ RECOVERED: Unreviewed content flags is 0 flags"
	h1.Eventually("the recovery DM", func() bool { return dms(recovery) > 0 })
	steady("recovered")
	if n := dms(recovery); n != 1 {
		t.Errorf("%d recovery DMs across two processes, want 1", n)
	}
	if n := dms(warning); n != 1 {
		t.Errorf("%d warning DMs after the recovery, want 1", n)
	}
}
