package health

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.uber.org/goleak"

	"github.com/embodied-community/embodied/internal/logging"
	"github.com/embodied-community/embodied/internal/metrics"
	"github.com/embodied-community/embodied/internal/schema"
	"github.com/embodied-community/embodied/internal/storetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// fakeGateway is the Discord session as the checks see it.
type fakeGateway struct {
	down    atomic.Bool
	latency time.Duration
}

func (g *fakeGateway) Connected() bool        { return !g.down.Load() }
func (g *fakeGateway) Latency() time.Duration { return g.latency }

// recorder is a Notifier that keeps every alert.
type recorder struct {
	mu     sync.Mutex
	alerts []Alert
	fail   bool
}

func (r *recorder) Notify(_ context.Context, a Alert) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail {
		return errors.New("discord unreachable")
	}
	r.alerts = append(r.alerts, a)
	return nil
}

// got returns the alerts so far as "key level (was previous) value".
func (r *recorder) got() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, a := range r.alerts {
		out = append(out, fmt.Sprintf("%s %s (was %s) %d", a.Key, a.Level, a.Previous, a.Value))
	}
	return out
}

func newLogger(t *testing.T, w io.Writer) *slog.Logger {
	t.Helper()
	l, _, err := logging.New(w, logging.Options{Format: "text", Level: "debug"})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// proxy is a TCP forwarder to PostgreSQL that the test can cut and restore,
// standing in for a database server that goes away mid-run.
type proxy struct {
	t      *testing.T
	target string
	addr   string

	mu    sync.Mutex
	ln    net.Listener
	conns map[net.Conn]struct{}
	wg    sync.WaitGroup
	// hang makes the proxy accept connections and never answer, like a
	// server behind a dropped route.
	hang bool
}

func newProxy(t *testing.T, target string) *proxy {
	p := &proxy{t: t, target: target, addr: "127.0.0.1:0", conns: map[net.Conn]struct{}{}}
	p.start()
	t.Cleanup(p.stop)
	return p
}

func (p *proxy) start() {
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		p.t.Fatalf("proxy listen: %v", err)
	}
	p.mu.Lock()
	p.ln, p.addr = ln, ln.Addr().String()
	p.mu.Unlock()
	p.wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.mu.Lock()
			hang := p.hang
			if hang {
				p.conns[c] = struct{}{}
			}
			p.mu.Unlock()
			if hang {
				continue
			}
			up, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns[c], p.conns[up] = struct{}{}, struct{}{}
			p.mu.Unlock()
			p.wg.Go(func() { io.Copy(up, c); up.Close(); c.Close() }) //nolint:errcheck
			p.wg.Go(func() { io.Copy(c, up); up.Close(); c.Close() }) //nolint:errcheck
		}
	})
}

// hangUp cuts the open connections and leaves new ones unanswered.
func (p *proxy) hangUp() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.hang = true
	p.cutLocked()
}

// stop refuses new connections and cuts the open ones.
func (p *proxy) stop() {
	p.mu.Lock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	p.cutLocked()
	p.mu.Unlock()
	p.wg.Wait()
}

func (p *proxy) cutLocked() {
	for c := range p.conns {
		c.Close()
	}
	clear(p.conns)
}

// env is a checker on a fresh database reached through a proxy.
type env struct {
	db      *storetest.DB
	pool    *pgxpool.Pool
	proxy   *proxy
	gateway *fakeGateway
	alerts  *recorder
	logs    *logging.Capture
	metrics *metrics.Metrics
	checker *Checker
}

func newEnv(t *testing.T, opts func(*Options)) *env {
	t.Helper()
	db := storetest.New(t)
	cfg, err := pgxpool.ParseConfig(db.AppURL)
	if err != nil {
		t.Fatal(err)
	}
	target := net.JoinHostPort(cfg.ConnConfig.Host, fmt.Sprint(cfg.ConnConfig.Port))
	e := &env{db: db, proxy: newProxy(t, target), gateway: &fakeGateway{latency: 42 * time.Millisecond},
		alerts: &recorder{}, logs: &logging.Capture{}, metrics: metrics.New()}
	host, port, _ := net.SplitHostPort(e.proxy.addr)
	cfg.ConnConfig.Host = host
	fmt.Sscan(port, &cfg.ConnConfig.Port) //nolint:errcheck
	cfg.ConnConfig.ConnectTimeout = time.Second
	e.pool, err = pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.pool.Close)
	o := Options{Pool: e.pool, Gateway: e.gateway, Logger: newLogger(t, e.logs), Metrics: e.metrics,
		Notifier: e.alerts, Interval: time.Minute, Timeout: 3 * time.Second}
	if opts != nil {
		opts(&o)
	}
	e.checker = New(o)
	return e
}

func TestScheduledLog(t *testing.T) {
	tests := []struct {
		interval time.Duration
		want     string
	}{
		{5 * time.Minute, "INFO [HealthCheck] Health checks scheduled intervalMinutes=5\n"},
		{2 * time.Second, "INFO [HealthCheck] Health checks scheduled intervalMinutes=0 interval=2s\n"},
		{90 * time.Second, "INFO [HealthCheck] Health checks scheduled intervalMinutes=1 interval=1m30s\n"},
	}
	for _, tt := range tests {
		t.Run(tt.interval.String(), func(t *testing.T) {
			var logs logging.Capture
			c := New(Options{Interval: tt.interval, Logger: newLogger(t, &logs)})
			if err := c.Start(context.Background()); err != nil {
				t.Fatal(err)
			}
			c.Stop(context.Background())
			got := regexp.MustCompile(`^\S+ `).ReplaceAllString(logs.String(), "")
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("start log mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestLoopRunsAtInterval runs the real loop with a short interval and waits
// for the rollout guide's three lines.
func TestLoopRunsAtInterval(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(o *Options) { o.Interval = 100 * time.Millisecond; o.Timeout = 2 * time.Second })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := e.checker.Start(ctx); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for strings.Count(e.logs.String(), "Database connection check: PASS") < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("no two runs within 10s; logs:\n%s", e.logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
	e.checker.Stop(ctx)
	if err := e.checker.Start(ctx); err == nil {
		t.Error("second Start succeeded")
	}
}

func TestRunOncePass(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	r := e.checker.runOnce(context.Background())
	if !r.Passed() {
		t.Fatalf("run failed: %v", r.Err())
	}
	e.checker.RunDatabase(context.Background(), r.At) // the job's half, in one of the processes
	logs := e.logs.String()
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^\S+ INFO \[HealthCheck\] Discord connection check: PASS latencyMs=42$`),
		regexp.MustCompile(`(?m)^\S+ INFO \[HealthCheck\] Database connection check: PASS latencyMs=\d+$`),
		regexp.MustCompile(`(?m)^\S+ INFO \[HealthCheck\] Memory: heapUsed="\d+ MB" heapTotal="\d+ MB" rss="\d+ MB"$`),
		regexp.MustCompile(`(?m)^\S+ INFO \[HealthCheck\] Security tables: auditLogRows=0 unreviewedFlags=0 rateLimitFlaggedUsers=0$`),
		regexp.MustCompile(`(?m)^\S+ INFO \[HealthCheck\] Resources: fallbackBacklog=0 poolInUse=\d+ poolMax=\d+$`),
	} {
		if !want.MatchString(logs) {
			t.Errorf("no line matching %s in:\n%s", want, logs)
		}
	}
	if strings.Contains(logs, "FAIL") || strings.Contains(logs, "ERROR") {
		t.Errorf("unexpected failure in:\n%s", logs)
	}
	if got := e.alerts.got(); len(got) != 0 {
		t.Errorf("alerts on a healthy run: %v", got)
	}
	if r.Memory.HeapUsed == 0 || r.Memory.RSS == 0 {
		t.Errorf("memory not measured: %+v", r.Memory)
	}
	if e.checker.Snapshot() != r {
		t.Error("Snapshot is not the last report")
	}
	if err := e.checker.Healthy(context.Background()); err != nil {
		t.Errorf("Healthy: %v", err)
	}
}

// TestDatabaseGoesAway cuts the database mid-run: every run logs FAIL, the
// second raises one warning, the fifth one critical alert, and the first
// good run after the restore one recovery.
func TestDatabaseGoesAway(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(o *Options) { o.Timeout = 2 * time.Second })
	ctx := context.Background()
	if r := e.checker.runOnce(ctx); !r.Passed() {
		t.Fatalf("first run failed: %v", r.Err())
	}

	e.proxy.stop()
	var wantAlerts []string
	for run := 1; run <= 7; run++ {
		r := e.checker.runOnce(ctx)
		if r.Database.OK || r.ConsecutiveFailures != run {
			t.Fatalf("run %d with the database gone: OK=%v failures=%d", run, r.Database.OK, r.ConsecutiveFailures)
		}
		switch run {
		case 2:
			wantAlerts = append(wantAlerts, "health_check_failures warning (was ok) 2")
		case 5:
			wantAlerts = append(wantAlerts, "health_check_failures critical (was warning) 5")
		}
		if diff := cmp.Diff(wantAlerts, e.alerts.got()); diff != "" {
			t.Fatalf("alerts after failed run %d mismatch (-want +got):\n%s", run, diff)
		}
		if err := e.checker.Healthy(ctx); err == nil {
			t.Errorf("Healthy after failed run %d", run)
		}
	}
	if n := strings.Count(e.logs.String(), "ERROR [HealthCheck] Database connection check: FAIL error="); n != 7 {
		t.Errorf("%d FAIL lines, want 7:\n%s", n, e.logs)
	}
	if got := gaugeValue(t, e.metrics, "embodied_health_check_up", "check", "database"); got != 0 {
		t.Errorf("database check gauge = %v, want 0", got)
	}

	e.proxy.start()
	r := e.checker.runOnce(ctx)
	if !r.Passed() || r.ConsecutiveFailures != 0 {
		t.Fatalf("run after restore: %v (failures %d)", r.Err(), r.ConsecutiveFailures)
	}
	e.checker.runOnce(ctx)
	wantAlerts = append(wantAlerts, "health_check_failures ok (was critical) 0")
	if diff := cmp.Diff(wantAlerts, e.alerts.got()); diff != "" {
		t.Errorf("alerts after recovery mismatch (-want +got):\n%s", diff)
	}
	if got := e.alerts.alerts[len(e.alerts.alerts)-1].Text(); !strings.HasPrefix(got, "✅ RECOVERED: Health check failures") {
		t.Errorf("recovery text = %q", got)
	}
}

// deadlineNotifier fails when the context it gets is already done.
type deadlineNotifier struct{ recorder }

func (n *deadlineNotifier) Notify(ctx context.Context, a Alert) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return n.recorder.Notify(ctx, a)
}

// TestHangingDatabaseStillAlerts: a database that never answers uses the
// whole check timeout; the alert must still be delivered.
func TestHangingDatabaseStillAlerts(t *testing.T) {
	t.Parallel()
	n := &deadlineNotifier{}
	e := newEnv(t, func(o *Options) { o.Timeout = 300 * time.Millisecond })
	e.checker.o.Notifier = n
	e.proxy.hangUp()
	ctx := context.Background()
	e.checker.runOnce(ctx)
	r := e.checker.runOnce(ctx)
	if r.Database.OK {
		t.Fatal("database check passed against a hanging server")
	}
	if diff := cmp.Diff([]string{"health_check_failures warning (was ok) 2"}, n.got()); diff != "" {
		t.Errorf("alerts mismatch (-want +got):\n%s", diff)
	}
}

func TestFailedDeliveryIsRetried(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.gateway.down.Store(true)
	e.alerts.fail = true
	ctx := context.Background()
	e.checker.runOnce(ctx)
	e.checker.runOnce(ctx) // warning, not delivered
	e.alerts.mu.Lock()
	e.alerts.fail = false
	e.alerts.mu.Unlock()
	e.checker.runOnce(ctx) // delivered now
	e.checker.runOnce(ctx) // steady: nothing
	want := []string{"health_check_failures warning (was ok) 3"}
	if diff := cmp.Diff(want, e.alerts.got()); diff != "" {
		t.Errorf("alerts mismatch (-want +got):\n%s", diff)
	}
	if !strings.Contains(e.logs.String(), "Discord connection check: FAIL error=\"gateway disconnected\"") {
		t.Errorf("no Discord FAIL line:\n%s", e.logs)
	}
}

// TestThresholds fills the security tables past the rollout guide's limits.
func TestThresholds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		setup []string
		want  []string
	}{
		{"audit log over 10K", []string{
			`INSERT INTO audit_log (guild_id, action_type, actor_id) SELECT 'g', 'adjust-xp', 'a' FROM generate_series(1, 10001)`,
		}, []string{"audit_log_rows warning (was ok) 10001"}},
		{"audit log over 50K", []string{
			`INSERT INTO audit_log (guild_id, action_type, actor_id) SELECT 'g', 'adjust-xp', 'a' FROM generate_series(1, 50001)`,
		}, []string{"audit_log_rows critical (was ok) 50001"}},
		{"10 unreviewed flags is fine", []string{flags(10)}, nil},
		{"11 unreviewed flags", []string{flags(11)}, []string{"unreviewed_content_flags warning (was ok) 11"}},
		{"51 unreviewed flags", []string{flags(51)}, []string{"unreviewed_content_flags critical (was ok) 51"}},
		{"reviewed flags do not count", []string{flags(60), `UPDATE content_flags SET status = 'dismissed'`}, nil},
		{"6 users over 5 violations", []string{violators(6, 6, "1 hour")}, []string{"rate_limit_flagged_users warning (was ok) 6"}},
		{"21 users over 5 violations", []string{violators(21, 6, "1 hour")}, []string{"rate_limit_flagged_users critical (was ok) 21"}},
		{"5 violations do not flag", []string{violators(30, 5, "1 hour")}, nil},
		{"violations older than 24h do not count", []string{violators(30, 9, "25 hours")}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, nil)
			ctx := context.Background()
			for _, q := range tt.setup {
				if _, err := e.db.App.Exec(ctx, q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			e.checker.RunDatabase(ctx, time.Now())
			e.checker.RunDatabase(ctx, time.Now()) // a steady level alerts once
			if diff := cmp.Diff(tt.want, e.alerts.got(), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("alerts mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestDiscordInvalidRequestsAlert walks the invalid Discord requests of the
// last 10 minutes up past both thresholds and back: one alert per change.
func TestDiscordInvalidRequestsAlert(t *testing.T) {
	t.Parallel()
	var invalid atomic.Int64
	e := newEnv(t, func(o *Options) { o.DiscordInvalidRequests = func() int { return int(invalid.Load()) } })
	ctx := context.Background()
	for _, n := range []int64{2000, 2001, 2500, 5001, 12, 0} {
		invalid.Store(n)
		e.checker.runOnce(ctx)
	}
	want := []string{
		"discord_invalid_requests warning (was ok) 2001",
		"discord_invalid_requests critical (was warning) 5001",
		"discord_invalid_requests ok (was critical) 12",
	}
	if diff := cmp.Diff(want, e.alerts.got()); diff != "" {
		t.Errorf("alerts mismatch (-want +got):\n%s", diff)
	}
}

func flags(n int) string {
	return fmt.Sprintf(`INSERT INTO content_flags (guild_id, user_id, content_type, flag_reason)
		SELECT 'g', 'u' || i, 'barbie_note', 'toxic_language' FROM generate_series(1, %d) AS i`, n)
}

func violators(users, count int, ago string) string {
	return fmt.Sprintf(`INSERT INTO rate_limit_violations (guild_id, user_id, command_name, window_start, count)
		SELECT 'g', 'u' || i, 'submit-stats', date_trunc('hour', now() - interval '%s'), %d FROM generate_series(1, %d) AS i`, ago, count, users)
}

func TestFlagsRecover(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	ctx := context.Background()
	if _, err := e.db.App.Exec(ctx, flags(12)); err != nil {
		t.Fatal(err)
	}
	e.checker.RunDatabase(ctx, time.Now())
	if _, err := e.db.App.Exec(ctx, `UPDATE content_flags SET status = 'confirmed', reviewed_by = 'mod', reviewed_at = now()`); err != nil {
		t.Fatal(err)
	}
	e.checker.RunDatabase(ctx, time.Now())
	want := []string{"unreviewed_content_flags warning (was ok) 12", "unreviewed_content_flags ok (was warning) 0"}
	if diff := cmp.Diff(want, e.alerts.got()); diff != "" {
		t.Errorf("alerts mismatch (-want +got):\n%s", diff)
	}
	if got := gaugeValue(t, e.metrics, "embodied_content_flags_unreviewed", "", ""); got != 0 {
		t.Errorf("unreviewed gauge = %v", got)
	}
}

func TestBackupChecks(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 10, 8, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name      string
		files     map[string]time.Duration // name → age
		size      int64
		wantFresh bool
		wantLine  string
		want      []string
	}{
		{"fresh", map[string]time.Duration{"backup-2025-10-08T03-00-00.sql.gz": 6 * time.Hour, "backup-2025-10-07T03-00-00.sql.gz": 30 * time.Hour}, 2_340_000, true,
			`Backup freshness check: PASS newest=backup-2025-10-08T03-00-00.sql.gz ageHours=6 size="2 MB"`, nil},
		{"stale", map[string]time.Duration{"backup-2025-10-06T03-00-00.sql.gz": 54 * time.Hour}, 1000, false,
			`Backup freshness check: FAIL`, []string{"backup_stale warning (was ok) 54"}},
		{"over 100 MB", map[string]time.Duration{"backup-2025-10-08T03-00-00.sql.gz": time.Hour}, 101 << 20, true,
			`Backup freshness check: PASS`, []string{"backup_size warning (was ok) 105906176"}},
		{"over 500 MB", map[string]time.Duration{"backup-2025-10-08T03-00-00.sql.gz": time.Hour}, 501 << 20, true,
			`Backup freshness check: PASS`, []string{"backup_size critical (was ok) 525336576"}},
		{"none yet", nil, 0, false, `Backup freshness check: FAIL error="no backup-*.sql.gz in`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			for name, age := range tt.files {
				p := filepath.Join(dir, name)
				if err := os.WriteFile(p, nil, 0o600); err != nil {
					t.Fatal(err)
				}
				if err := os.Truncate(p, tt.size); err != nil { // sparse: no real 500 MB
					t.Fatal(err)
				}
				if err := os.Chtimes(p, now.Add(-age), now.Add(-age)); err != nil {
					t.Fatal(err)
				}
			}
			var logs logging.Capture
			alerts := &recorder{}
			c := New(Options{Logger: newLogger(t, &logs), Gateway: &fakeGateway{}, Notifier: alerts,
				Autobackup: true, BackupDir: dir, Now: func() time.Time { return now }})
			r := c.runOnce(context.Background())
			c.RunDatabase(context.Background(), now)
			if r.Backup == nil || r.Backup.Fresh != tt.wantFresh {
				t.Fatalf("backup status %+v, want fresh=%v", r.Backup, tt.wantFresh)
			}
			if !strings.Contains(logs.String(), tt.wantLine) {
				t.Errorf("no %q in:\n%s", tt.wantLine, logs.String())
			}
			if r.DiskFree <= 0 {
				t.Errorf("disk free = %d", r.DiskFree)
			}
			var got []string
			for _, a := range alerts.got() {
				if strings.HasPrefix(a, "backup_") {
					got = append(got, a)
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("backup alerts mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReady(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	ctx := context.Background()
	owner := storetest.Pool(t, e.db.OwnerURL) // only the owner may move the version
	setVersion := func(v uint) {
		t.Helper()
		if _, err := owner.Exec(ctx, `UPDATE schema_migrations SET version = $1`, int64(v)); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name    string
		arrange func()
		want    string // substring of the error; "" means ready
	}{
		{"ready", func() {}, ""},
		{"gateway disconnected", func() { e.gateway.down.Store(true) }, "gateway disconnected"},
		{"reconnected", func() { e.gateway.down.Store(false) }, ""},
		{"migrations behind", func() { setVersion(schema.Latest() - 1) }, "run `embodied migrate up`"},
		{"migrations current", func() { setVersion(schema.Latest()) }, ""},
		{"database gone", e.proxy.stop, "ping database"},
		{"database back", e.proxy.start, ""},
	}
	for _, tt := range tests {
		tt.arrange()
		err := e.checker.Ready(ctx)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: not ready: %v", tt.name, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%s: Ready() = %v, want an error containing %q", tt.name, err, tt.want)
		}
	}
}

func TestSummary(t *testing.T) {
	at := time.Date(2025, 10, 8, 5, 30, 0, 0, time.UTC)
	tests := []struct {
		name string
		r    *Report
		want string
	}{
		{"none", nil, "Health: no check has run yet"},
		{"pass", &Report{At: at, Discord: Result{OK: true, Latency: 42 * time.Millisecond}, Database: Result{OK: true, Latency: 3 * time.Millisecond},
			Memory: Memory{HeapUsed: 45 << 20}, Backup: &BackupStatus{Newest: "backup-x.sql.gz", Age: 5 * time.Hour}},
			"Health PASS · Discord 42ms · DB 3ms · heap 45 MB · backup 5h old · 05:30 UTC"},
		{"fail", &Report{At: at, Discord: Result{OK: true, Latency: 42 * time.Millisecond}, Database: Result{Err: "ping"},
			Memory: Memory{HeapUsed: 45 << 20}, ConsecutiveFailures: 2, Levels: map[string]Level{"health_check_failures": LevelWarning}},
			"Health FAIL ×2 · Discord 42ms · DB FAIL · heap 45 MB · warning alerts · 05:30 UTC"},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, tt.r.Summary()); diff != "" {
			t.Errorf("%s: Summary mismatch (-want +got):\n%s", tt.name, diff)
		}
	}
}

func TestAlertText(t *testing.T) {
	tests := []struct {
		a    Alert
		want string
	}{
		{Alert{Name: "Audit log size", Level: LevelWarning, Value: 10001, Threshold: 10000, Unit: "rows", Action: "Archive old entries"},
			"⚠️ WARNING: Audit log size is 10001 rows (threshold 10000 rows). Action: Archive old entries."},
		{Alert{Name: "Backup file size", Level: LevelCritical, Value: 501 << 20, Threshold: 500 << 20, Unit: "bytes", Action: "Consider a retention policy"},
			"🚨 CRITICAL: Backup file size is 501 MB (threshold 500 MB). Action: Consider a retention policy."},
		{Alert{Name: "Health check failures", Level: LevelOK, Previous: LevelCritical, Value: 0, Threshold: 2, Unit: "consecutive"},
			"✅ RECOVERED: Health check failures is 0 consecutive, back within 2 consecutive (was critical)."},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, tt.a.Text()); diff != "" {
			t.Errorf("Text mismatch (-want +got):\n%s", diff)
		}
	}
}

func TestMB(t *testing.T) {
	for in, want := range map[uint64]string{0: "0 MB", 45 << 20: "45 MB", 45<<20 + 600<<10: "46 MB"} {
		if got := MB(in); got != want {
			t.Errorf("MB(%d) = %q, want %q", in, got, want)
		}
	}
}

func gaugeValue(t *testing.T, m *metrics.Metrics, name, label, value string) float64 {
	t.Helper()
	fams, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if f.GetName() != name {
			continue
		}
		for _, mt := range f.GetMetric() {
			if label == "" {
				return mt.GetGauge().GetValue()
			}
			for _, l := range mt.GetLabel() {
				if l.GetName() == label && l.GetValue() == value {
					return mt.GetGauge().GetValue()
				}
			}
		}
	}
	t.Fatalf("no %s{%s=%q}", name, label, value)
	return 0
}
