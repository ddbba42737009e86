// Package metrics holds the bot's Prometheus metrics: what members do
// (interactions, rate-limit hits, permission denials, flags, warnings and
// moderation actions), what the background jobs see (backups, health checks,
// security table counts, the audit fallback backlog), the Discord requests
// that count towards Discord's invalid request limit, and the Go runtime.
//
// A Metrics value owns its own registry rather than the global one, so tests
// and several bots in one process never share counters. Every method is safe
// for concurrent use; the interaction methods are a map lookup and an atomic
// add, cheap enough for every slash command.
package metrics

import (
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Namespace prefixes every metric name; the alert rules in
// deploy/prometheus/alerts.yml depend on it.
const Namespace = "embodied"

// Interaction outcomes. Callers may use others, but these are the ones the
// alert rules and dashboards know.
const (
	OutcomeOK          = "ok"
	OutcomeError       = "error"
	OutcomeRateLimited = "rate_limited"
	OutcomeDenied      = "denied"
	OutcomeFlagged     = "flagged"
)

// Metrics is the bot's set of metrics and the registry that exports them.
// The zero value is not usable; call New. A nil *Metrics is a valid no-op
// sink, so components can take an optional *Metrics without checks.
type Metrics struct {
	reg *prometheus.Registry

	interactions    *prometheus.CounterVec
	latency         *prometheus.HistogramVec
	rateLimited     *prometheus.CounterVec
	denied          *prometheus.CounterVec
	flags           *prometheus.CounterVec
	ruleOverruns    prometheus.Counter
	warnings        *prometheus.CounterVec
	actions         *prometheus.CounterVec
	fallbackWrites  prometheus.Counter
	fallbackBacklog prometheus.Gauge
	auditSetAside   prometheus.Counter

	backups           *prometheus.CounterVec
	backupLastSuccess prometheus.Gauge
	backupSize        prometheus.Gauge
	backupDuration    prometheus.Gauge
	newestBackupTime  prometheus.Gauge
	newestBackupSize  prometheus.Gauge

	checkUp          *prometheus.GaugeVec
	checkFailures    prometheus.Gauge
	checkLastRun     prometheus.Gauge
	gatewayLatency   prometheus.Gauge
	auditLogRows     prometheus.Gauge
	unreviewedFlags  prometheus.Gauge
	rateLimitedUsers prometheus.Gauge
	tableBytes       *prometheus.GaugeVec
	diskFree         prometheus.Gauge
	poolAcquired     prometheus.Gauge
	poolMax          prometheus.Gauge

	discordInvalid       *prometheus.CounterVec
	endpointRejected     *prometheus.CounterVec
	discordInvalidWindow atomic.Pointer[func() int]
}

// New returns a Metrics with its own registry, including the Go runtime and
// process collectors.
func New() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)

	counterVec := func(name, help string, labels ...string) *prometheus.CounterVec {
		v := prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: name, Help: help}, labels)
		m.reg.MustRegister(v)
		return v
	}
	counter := func(name, help string) prometheus.Counter {
		c := prometheus.NewCounter(prometheus.CounterOpts{Namespace: Namespace, Name: name, Help: help})
		m.reg.MustRegister(c)
		return c
	}
	gauge := func(name, help string) prometheus.Gauge {
		g := prometheus.NewGauge(prometheus.GaugeOpts{Namespace: Namespace, Name: name, Help: help})
		m.reg.MustRegister(g)
		return g
	}
	gaugeVec := func(name, help string, labels ...string) *prometheus.GaugeVec {
		v := prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: Namespace, Name: name, Help: help}, labels)
		m.reg.MustRegister(v)
		return v
	}

	m.interactions = counterVec("interactions_total", "Slash command and component interactions handled, by command and outcome.", "command", "outcome")
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: Namespace,
		Name:      "interaction_duration_seconds",
		Help:      "Time from receiving an interaction to finishing its handler, by command.",
		// Discord wants the first response within 3 s; the buckets bracket it.
		Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2, 3, 5, 10},
	}, []string{"command"})
	m.reg.MustRegister(m.latency)
	m.rateLimited = counterVec("rate_limit_hits_total", "Interactions refused by the rate limiter, by command.", "command")
	m.denied = counterVec("permission_denials_total", "Interactions refused by the permission guard, by command.", "command")
	m.flags = counterVec("content_flags_total", "Free text flagged by the content moderator, by category.", "category")
	m.ruleOverruns = counter("moderation_rule_overruns_total", "Texts whose guild rules did not finish within their time budget (treated as the guild chose: flagged for review by default).")
	m.warnings = counterVec("warnings_total", "Strikes issued, by the action they led to (warning, timeout, ban).", "action")
	m.actions = counterVec("moderation_actions_total", "Timeouts, bans and their reversals, by action and whether they were enforced or only recorded (safe mode).", "action", "enforced")
	m.fallbackWrites = counter("audit_fallback_writes_total", "Audit events written to the fallback file because the database was unreachable.")
	m.fallbackBacklog = gauge("audit_fallback_backlog", "Audit events in the fallback file not yet replayed into the database.")
	m.auditSetAside = counter("audit_set_aside_total", "Audit and security records set aside for a human: refused by the database (the fallback file's .rejected) or unreadable fallback lines (.quarantine). Any increase needs a look: embodied audit rejected.")

	m.backups = counterVec("backups_total", "Backup runs, by result (success, failure).", "result")
	m.backupLastSuccess = gauge("backup_last_success_timestamp_seconds", "Unix time the last successful backup finished (this process).")
	m.backupSize = gauge("backup_last_size_bytes", "Size of the last successful backup file.")
	m.backupDuration = gauge("backup_last_duration_seconds", "Duration of the last backup run.")
	m.newestBackupTime = gauge("backup_newest_timestamp_seconds", "Modification time of the newest backup-*.sql.gz in the backup directory, as the health check saw it (0 when none).")
	m.newestBackupSize = gauge("backup_newest_size_bytes", "Size of the newest backup-*.sql.gz in the backup directory, as the health check saw it.")

	m.checkUp = gaugeVec("health_check_up", "Result of each health check in the last run: 1 pass, 0 fail.", "check")
	m.checkFailures = gauge("health_check_consecutive_failures", "Health check runs that failed in a row.")
	m.checkLastRun = gauge("health_check_last_run_timestamp_seconds", "Unix time the last health check run finished.")
	m.gatewayLatency = gauge("discord_heartbeat_latency_seconds", "Discord gateway heartbeat latency at the last health check.")
	m.auditLogRows = gauge("audit_log_rows", "Rows in audit_log at the last health check.")
	m.unreviewedFlags = gauge("content_flags_unreviewed", "Unreviewed rows in content_flags at the last health check.")
	m.rateLimitedUsers = gauge("rate_limit_flagged_users", "Users with more than 5 rate-limit violations in the last 24 h, at the last health check.")
	m.tableBytes = gaugeVec("table_size_bytes", "Total size (with indexes and TOAST) of each security table at the last health check.", "table")
	m.diskFree = gauge("backup_disk_free_bytes", "Free space on the file system holding the backup directory.")
	m.poolAcquired = gauge("db_pool_acquired_conns", "Database connections in use at the last health check.")
	m.poolMax = gauge("db_pool_max_conns", "Maximum size of the database pool.")

	m.discordInvalid = counterVec("discord_invalid_requests_total", "Discord REST responses that count towards Discord's invalid request limit (10,000 per 10 minutes bans the IP): 401, 403 and 429 except 429s of scope shared, by status.", "status")
	m.endpointRejected = counterVec("interactions_endpoint_rejected_total", "Requests to the HTTP interactions endpoint refused with 401, by reason (missing, invalid or stale signature).", "reason")
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: Namespace, Name: "discord_invalid_requests_10m",
		Help: "Invalid Discord requests (401, 403, 429 but for scope shared) in the last 10 minutes, the figure Discord bans at 10,000."},
		func() float64 {
			if f := m.discordInvalidWindow.Load(); f != nil {
				return float64((*f)())
			}
			return 0
		}))
	return m
}

// Registry returns the registry, for tests and extra collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the metrics in the Prometheus exposition format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Interaction records one handled interaction. command should be the
// top-level command name (bounded), outcome one of the Outcome constants.
func (m *Metrics) Interaction(command, outcome string, d time.Duration) {
	if m == nil {
		return
	}
	m.interactions.WithLabelValues(command, outcome).Inc()
	m.latency.WithLabelValues(command).Observe(d.Seconds())
}

// RateLimited counts an interaction refused by the rate limiter.
func (m *Metrics) RateLimited(command string) {
	if m == nil {
		return
	}
	m.rateLimited.WithLabelValues(command).Inc()
}

// PermissionDenied counts an interaction refused by the permission guard.
func (m *Metrics) PermissionDenied(command string) {
	if m == nil {
		return
	}
	m.denied.WithLabelValues(command).Inc()
}

// EndpointRejected counts a request the HTTP interactions endpoint refused
// (reason: missing, invalid or stale signature).
func (m *Metrics) EndpointRejected(reason string) {
	if m == nil {
		return
	}
	m.endpointRejected.WithLabelValues(reason).Inc()
}

// Flagged counts a content flag of the given category (e.g. toxic_language).
func (m *Metrics) Flagged(category string) {
	if m == nil {
		return
	}
	m.flags.WithLabelValues(category).Inc()
}

// RuleOverrun counts one text whose guild rules overran their time budget.
func (m *Metrics) RuleOverrun() {
	if m == nil {
		return
	}
	m.ruleOverruns.Inc()
}

// Warning counts a strike by the action it led to (warning, timeout, ban).
func (m *Metrics) Warning(action string) {
	if m == nil {
		return
	}
	m.warnings.WithLabelValues(action).Inc()
}

// ModerationAction counts a timeout, ban or reversal; enforced is false in
// safe mode, where the action is recorded but not applied.
func (m *Metrics) ModerationAction(action string, enforced bool) {
	if m == nil {
		return
	}
	m.actions.WithLabelValues(action, strconv.FormatBool(enforced)).Inc()
}

// Backup records a backup run. size and at are only used when ok.
func (m *Metrics) Backup(ok bool, size int64, d time.Duration, at time.Time) {
	if m == nil {
		return
	}
	m.backupDuration.Set(d.Seconds())
	if !ok {
		m.backups.WithLabelValues("failure").Inc()
		return
	}
	m.backups.WithLabelValues("success").Inc()
	m.backupSize.Set(float64(size))
	m.backupLastSuccess.Set(unix(at))
}

// FallbackWrite counts n audit events written to the fallback file.
func (m *Metrics) FallbackWrite(n int) {
	if m == nil {
		return
	}
	m.fallbackWrites.Add(float64(n))
}

// AuditSetAside counts n audit or security records set aside.
func (m *Metrics) AuditSetAside(n int) {
	if m == nil {
		return
	}
	m.auditSetAside.Add(float64(n))
}

// SetFallbackBacklog sets the number of audit events waiting in the fallback
// file.
func (m *Metrics) SetFallbackBacklog(n int) {
	if m == nil {
		return
	}
	m.fallbackBacklog.Set(float64(n))
}

// SetCheck records one health check's result (check is e.g. "discord",
// "database", "backup").
func (m *Metrics) SetCheck(check string, ok bool) {
	if m == nil {
		return
	}
	v := 0.0
	if ok {
		v = 1
	}
	m.checkUp.WithLabelValues(check).Set(v)
}

// HealthRun records the end of a health check run and the failures in a row
// so far.
func (m *Metrics) HealthRun(at time.Time, consecutiveFailures int) {
	if m == nil {
		return
	}
	m.checkLastRun.Set(unix(at))
	m.checkFailures.Set(float64(consecutiveFailures))
}

// SetGatewayLatency records the Discord heartbeat latency.
func (m *Metrics) SetGatewayLatency(d time.Duration) {
	if m == nil {
		return
	}
	m.gatewayLatency.Set(d.Seconds())
}

// SetSecurityCounts records the counts the seed's alert thresholds watch.
func (m *Metrics) SetSecurityCounts(auditLogRows, unreviewedFlags, rateLimitedUsers int64) {
	if m == nil {
		return
	}
	m.auditLogRows.Set(float64(auditLogRows))
	m.unreviewedFlags.Set(float64(unreviewedFlags))
	m.rateLimitedUsers.Set(float64(rateLimitedUsers))
}

// SetTableSize records a table's total size in bytes.
func (m *Metrics) SetTableSize(table string, bytes int64) {
	if m == nil {
		return
	}
	m.tableBytes.WithLabelValues(table).Set(float64(bytes))
}

// SetNewestBackup records the newest backup file on disk; a zero time means
// there is none.
func (m *Metrics) SetNewestBackup(modTime time.Time, size int64) {
	if m == nil {
		return
	}
	m.newestBackupTime.Set(unix(modTime))
	m.newestBackupSize.Set(float64(size))
}

// SetDiskFree records the free bytes where backups go.
func (m *Metrics) SetDiskFree(bytes int64) {
	if m == nil {
		return
	}
	m.diskFree.Set(float64(bytes))
}

// SetPool records database pool usage.
func (m *Metrics) SetPool(acquired, max int32) {
	if m == nil {
		return
	}
	m.poolAcquired.Set(float64(acquired))
	m.poolMax.Set(float64(max))
}

// DiscordInvalidRequest counts one Discord REST response that counts
// towards the invalid request limit, by its status (401, 403, 429).
func (m *Metrics) DiscordInvalidRequest(status int) {
	if m == nil {
		return
	}
	m.discordInvalid.WithLabelValues(strconv.Itoa(status)).Inc()
}

// SetDiscordInvalidWindow sets what embodied_discord_invalid_requests_10m
// reports: the invalid requests of the last 10 minutes.
func (m *Metrics) SetDiscordInvalidWindow(f func() int) {
	if m == nil {
		return
	}
	m.discordInvalidWindow.Store(&f)
}

func unix(t time.Time) float64 {
	if t.IsZero() {
		return 0
	}
	return float64(t.UnixNano()) / 1e9
}
