package metrics_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	dto "github.com/prometheus/client_model/go"
	"go.uber.org/goleak"

	"github.com/embodied-community/embodied/internal/metrics"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// sample is one exported series: its labels rendered "k=v,…" and value.
type sample struct {
	Labels string
	Value  float64
}

// gather returns the samples of the named family (counters and gauges; for
// histograms the sample count).
func gather(t *testing.T, m *metrics.Metrics, name string) []sample {
	t.Helper()
	fams, err := m.Registry().Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	for _, f := range fams {
		if f.GetName() != name {
			continue
		}
		var out []sample
		for _, mt := range f.GetMetric() {
			var labels []string
			for _, l := range mt.GetLabel() {
				labels = append(labels, l.GetName()+"="+l.GetValue())
			}
			out = append(out, sample{Labels: strings.Join(labels, ","), Value: value(f.GetType(), mt)})
		}
		return out
	}
	t.Fatalf("metric %s not exported", name)
	return nil
}

func value(typ dto.MetricType, m *dto.Metric) float64 {
	switch typ {
	case dto.MetricType_COUNTER:
		return m.GetCounter().GetValue()
	case dto.MetricType_GAUGE:
		return m.GetGauge().GetValue()
	case dto.MetricType_HISTOGRAM:
		return float64(m.GetHistogram().GetSampleCount())
	}
	return -1
}

func TestRecorders(t *testing.T) {
	at := time.Unix(1_760_000_000, 0)
	tests := []struct {
		name   string
		record func(m *metrics.Metrics)
		metric string
		want   []sample
	}{
		{"interactions by command and outcome", func(m *metrics.Metrics) {
			m.Interaction("submit-stats", metrics.OutcomeOK, 20*time.Millisecond)
			m.Interaction("submit-stats", metrics.OutcomeOK, 30*time.Millisecond)
			m.Interaction("security", metrics.OutcomeDenied, time.Millisecond)
		}, "embodied_interactions_total", []sample{
			{"command=security,outcome=denied", 1},
			{"command=submit-stats,outcome=ok", 2},
		}},
		{"latency histogram by command", func(m *metrics.Metrics) {
			m.Interaction("barbie", metrics.OutcomeOK, 2*time.Second)
		}, "embodied_interaction_duration_seconds", []sample{{"command=barbie", 1}}},
		{"rate-limit hits", func(m *metrics.Metrics) { m.RateLimited("submit-stats") },
			"embodied_rate_limit_hits_total", []sample{{"command=submit-stats", 1}}},
		{"permission denials", func(m *metrics.Metrics) { m.PermissionDenied("security") },
			"embodied_permission_denials_total", []sample{{"command=security", 1}}},
		{"content flags", func(m *metrics.Metrics) { m.Flagged("toxic_language"); m.Flagged("toxic_language") },
			"embodied_content_flags_total", []sample{{"category=toxic_language", 2}}},
		{"guild rule overruns", func(m *metrics.Metrics) { m.RuleOverrun() },
			"embodied_moderation_rule_overruns_total", []sample{{"", 1}}},
		{"warnings", func(m *metrics.Metrics) { m.Warning("timeout") },
			"embodied_warnings_total", []sample{{"action=timeout", 1}}},
		{"moderation actions", func(m *metrics.Metrics) { m.ModerationAction("ban", false) },
			"embodied_moderation_actions_total", []sample{{"action=ban,enforced=false", 1}}},
		{"backup success timestamp", func(m *metrics.Metrics) { m.Backup(true, 2_340_000, 3*time.Second, at) },
			"embodied_backup_last_success_timestamp_seconds", []sample{{"", 1_760_000_000}}},
		{"backup size", func(m *metrics.Metrics) { m.Backup(true, 2_340_000, 3*time.Second, at) },
			"embodied_backup_last_size_bytes", []sample{{"", 2_340_000}}},
		{"backup duration", func(m *metrics.Metrics) { m.Backup(false, 0, 1500*time.Millisecond, at) },
			"embodied_backup_last_duration_seconds", []sample{{"", 1.5}}},
		{"backup results", func(m *metrics.Metrics) { m.Backup(false, 0, time.Second, at); m.Backup(true, 1, time.Second, at) },
			"embodied_backups_total", []sample{{"result=failure", 1}, {"result=success", 1}}},
		{"health check state", func(m *metrics.Metrics) { m.SetCheck("discord", true); m.SetCheck("database", false) },
			"embodied_health_check_up", []sample{{"check=database", 0}, {"check=discord", 1}}},
		{"fallback backlog", func(m *metrics.Metrics) { m.SetFallbackBacklog(7) },
			"embodied_audit_fallback_backlog", []sample{{"", 7}}},
		{"fallback writes", func(m *metrics.Metrics) { m.FallbackWrite(1) },
			"embodied_audit_fallback_writes_total", []sample{{"", 1}}},
		{"audit records set aside", func(m *metrics.Metrics) { m.AuditSetAside(2) },
			"embodied_audit_set_aside_total", []sample{{"", 2}}},
		{"security counts", func(m *metrics.Metrics) { m.SetSecurityCounts(10_001, 3, 2) },
			"embodied_audit_log_rows", []sample{{"", 10_001}}},
		{"table sizes", func(m *metrics.Metrics) { m.SetTableSize("audit_log", 49152) },
			"embodied_table_size_bytes", []sample{{"table=audit_log", 49152}}},
		{"Discord invalid requests by status", func(m *metrics.Metrics) {
			m.DiscordInvalidRequest(429)
			m.DiscordInvalidRequest(429)
			m.DiscordInvalidRequest(403)
		}, "embodied_discord_invalid_requests_total", []sample{{"status=403", 1}, {"status=429", 2}}},
		{"Discord invalid requests in 10 minutes before the transport reports", func(*metrics.Metrics) {},
			"embodied_discord_invalid_requests_10m", []sample{{"", 0}}},
		{"Discord invalid requests in 10 minutes", func(m *metrics.Metrics) { m.SetDiscordInvalidWindow(func() int { return 2001 }) },
			"embodied_discord_invalid_requests_10m", []sample{{"", 2001}}},
		{"Go runtime", func(*metrics.Metrics) {}, "go_goroutines", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := metrics.New()
			tt.record(m)
			got := gather(t, m, tt.metric)
			if tt.want == nil {
				return // only its presence matters
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("%s mismatch (-want +got):\n%s", tt.metric, diff)
			}
		})
	}
}

func TestNilMetricsIsANoOp(t *testing.T) {
	var m *metrics.Metrics
	m.Interaction("x", metrics.OutcomeOK, time.Second)
	m.RateLimited("x")
	m.PermissionDenied("x")
	m.Flagged("x")
	m.Warning("x")
	m.ModerationAction("ban", true)
	m.Backup(true, 1, time.Second, time.Now())
	m.SetFallbackBacklog(1)
	m.SetCheck("x", true)
	m.DiscordInvalidRequest(429)
	m.SetDiscordInvalidWindow(func() int { return 1 })
}

func TestConcurrentUse(t *testing.T) {
	m := metrics.New()
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 1000 {
				m.Interaction("submit-stats", metrics.OutcomeOK, time.Millisecond)
			}
		})
	}
	wg.Wait()
	got := gather(t, m, "embodied_interactions_total")
	if diff := cmp.Diff([]sample{{"command=submit-stats,outcome=ok", 8000}}, got); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}

func BenchmarkInteraction(b *testing.B) {
	m := metrics.New()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			m.Interaction("submit-stats", metrics.OutcomeOK, time.Millisecond)
		}
	})
}
