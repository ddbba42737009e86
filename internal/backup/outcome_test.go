package backup

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/audit"
)

type metricCall struct {
	OK   bool
	Size int64
	D    time.Duration
	At   time.Time
}

type fakeMetrics struct{ calls []metricCall }

func (m *fakeMetrics) Backup(ok bool, size int64, d time.Duration, at time.Time) {
	m.calls = append(m.calls, metricCall{ok, size, d, at})
}

// Every surface reports through one Reporter: the schedule with metrics,
// alerts and its own audit record, the CLI with an audit record only.
func TestReporter(t *testing.T) {
	at := time.Date(2025, 10, 7, 3, 0, 0, 0, time.UTC)
	made := Result{File: "backup-2025-10-07T03-00-00.sql.gz", Size: 150 * MB, SHA256: "ab12", Duration: time.Minute}
	tests := []struct {
		name        string
		withMetrics bool
		withAlert   bool
		actor       string
		out         Outcome
		wantMetrics []metricCall
		wantAlerts  []string
		wantDetails map[string]any
	}{
		{
			name: "scheduled, over the warning size", withMetrics: true, withAlert: true, actor: audit.SystemActor,
			out:         Outcome{Trigger: TriggerScheduled, Result: made},
			wantMetrics: []metricCall{{true, 150 * MB, time.Minute, at}},
			wantAlerts:  []string{"⚠️ Backup backup-2025-10-07T03-00-00.sql.gz is 150.00 MB (warning level: warning > 100 MB, critical > 500 MB)"},
			wantDetails: map[string]any{"trigger": "scheduled", "ok": true, "file": made.File, "size": made.Size, "sha256": "ab12"},
		},
		{
			name: "scheduled, failed", withMetrics: true, withAlert: true, actor: audit.SystemActor,
			out:         Outcome{Trigger: TriggerScheduled, Err: errors.New("pg_dump failed")},
			wantMetrics: []metricCall{{false, 0, 0, at}},
			wantAlerts:  []string{"🚨 Scheduled backup failed: pg_dump failed"},
			wantDetails: map[string]any{"trigger": "scheduled", "ok": false, "error": "pg_dump failed"},
		},
		{
			name: "cli, labelled", actor: "operator:alice",
			out:         Outcome{Trigger: TriggerCLI, Command: "embodied backup", Label: "pre-phase11", Result: made},
			wantDetails: map[string]any{"trigger": "cli", "command": "embodied backup", "label": "pre-phase11", "ok": true, "file": made.File, "size": made.Size, "sha256": "ab12"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m fakeMetrics
			var alerts []string
			var entries []audit.Entry
			r := &Reporter{Actor: tt.actor, Now: func() time.Time { return at },
				Audit: func(_ context.Context, e audit.Entry) error { entries = append(entries, e); return nil }}
			if tt.withMetrics {
				r.Metrics = &m
			}
			if tt.withAlert {
				r.Alert = func(_ context.Context, text string) error { alerts = append(alerts, text); return nil }
			}
			if err := r.Report(context.Background(), tt.out); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.wantMetrics, m.calls); diff != "" {
				t.Errorf("metrics mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantAlerts, alerts); diff != "" {
				t.Errorf("alerts mismatch (-want +got):\n%s", diff)
			}
			want := []audit.Entry{{GuildID: audit.GlobalGuild, ActionType: "backup", ActorID: tt.actor, Details: tt.wantDetails}}
			if diff := cmp.Diff(want, entries); diff != "" {
				t.Errorf("audit mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
