// Package health runs the bot's periodic health checks (the rollout guide's
// "Test 8") and evaluates the seed's alert thresholds, notifying the owner
// once per change of level and once on recovery.
//
// A run has two halves. What belongs to one process runs in each process,
// every interval (Start): its Discord gateway, the database as it reaches
// it, memory, backup freshness, free disk space, the audit fallback
// backlog, pool saturation, and the thresholds about itself (its failed
// runs in a row, its invalid Discord requests), whose levels it keeps in
// memory. What every process on the database shares runs once per interval
// across them (RunDatabase, a periodic job): the security tables, the table
// sizes, the audit chain's head (auditHeadSeq, auditHeadHash: an anchor
// outside PostgreSQL for `embodied audit verify --anchor`) and the
// thresholds on them and on the backups, whose levels live in PostgreSQL,
// so that N processes send one alert, not N, and a restart repeats none.
//
// The Checker is a service: Start(ctx) schedules the runs, Stop ends them.
// Ready answers the ops listener's /readyz, Healthy feeds the systemd
// watchdog, and Snapshot returns the last report for /security status and
// the audit embed footer.
package health

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgerrcode"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/embodied-community/embodied/internal/audit"
	"github.com/embodied-community/embodied/internal/logging"
	"github.com/embodied-community/embodied/internal/metrics"
	"github.com/embodied-community/embodied/internal/schema"
	"github.com/embodied-community/embodied/internal/service"
	"github.com/embodied-community/embodied/internal/store"
)

// Counts are the security table figures the alert thresholds watch (the
// store's row type, named here as the report shows it).
type Counts = store.SecurityCounts

// TableSize is one row of the rollout guide's table-size query.
type TableSize = store.TableSize

// SecurityTables are the tables the table-size query measures.
var SecurityTables = store.SecurityTables

// Gateway is the Discord connection as the health checks see it. The wiring
// implements it over *discordgo.Session: Connected from the session's
// Ready/Disconnect events (or DataReady), Latency from HeartbeatLatency().
type Gateway interface {
	Connected() bool
	Latency() time.Duration
}

// Options configures a Checker. Pool and Gateway are required; the rest is
// optional.
type Options struct {
	Pool    *pgxpool.Pool
	Gateway Gateway
	Logger  *slog.Logger
	// Metrics receives each run's results; nil records nothing.
	Metrics *metrics.Metrics
	// Notifier receives threshold alerts and recoveries; nil only logs them.
	Notifier Notifier

	// Interval between runs (config.HealthcheckInterval); 5 minutes when 0.
	Interval time.Duration
	// Timeout bounds one run; 10 s when 0 (and never more than Interval).
	Timeout time.Duration

	// Autobackup turns on the backup freshness and size checks.
	Autobackup bool
	// BackupDir is where backup-*.sql.gz files go; free space is measured
	// there even without Autobackup.
	BackupDir string
	// FallbackBacklog returns the audit events waiting in the fallback file;
	// nil means no fallback is in use.
	FallbackBacklog func() int
	// DiscordInvalidRequests returns the bot's Discord requests answered
	// 401, 403 or 429 (but for scope shared) in the last 10 minutes, which
	// Discord bans at 10,000; nil leaves the threshold out.
	DiscordInvalidRequests func() int

	// Thresholds overrides DefaultThresholds when non-zero.
	Thresholds Thresholds
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// Checker runs the health checks. It is safe for concurrent use.
type Checker struct {
	o     Options
	log   *slog.Logger
	store *store.Store

	// StartStop gives the checker its Stop, which ends the runs and waits
	// for a run in progress to finish.
	service.StartStop

	mu       sync.Mutex
	last     *Report
	failures int
	// process keeps the levels of the per-process thresholds; shared those
	// of the database-wide ones (PostgreSQL, or memory without a pool).
	process *memoryLevels
	shared  levelKeeper
	// scheduled is set with lastAlive, under mu, when the runs start.
	scheduled bool
	lastAlive time.Time
	created   time.Time
}

// New returns a Checker; call Start to schedule the runs.
func New(o Options) *Checker {
	if o.Interval <= 0 {
		o.Interval = 5 * time.Minute
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	o.Timeout = min(o.Timeout, o.Interval)
	if o.Thresholds == (Thresholds{}) {
		o.Thresholds = DefaultThresholds()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	c := &Checker{o: o, log: logging.Component(o.Logger, "HealthCheck"), created: o.Now(),
		process: &memoryLevels{m: map[string]Level{}}, shared: &memoryLevels{m: map[string]Level{}}}
	if o.Pool != nil {
		c.store = store.New(o.Pool)
		// The lease outlasts a delivery (bounded by Timeout) and its settling.
		c.shared = databaseLevels{store: c.store, lease: 2*o.Timeout + 10*time.Second}
	}
	return c
}

// Start logs the schedule and runs this process's checks every Interval
// until ctx ends or Stop is called (the database-wide half is RunDatabase,
// which the wiring schedules once across processes). The first run comes one interval after start, as in the
// rollout guide. Call it only when SECOPS_ENABLE_HEALTHCHECKS is on.
func (c *Checker) Start(ctx context.Context) error {
	ctx, stopped, err := c.StartInit(ctx)
	if err != nil {
		return fmt.Errorf("health checks: %w", err)
	}
	c.mu.Lock()
	c.scheduled = true
	c.lastAlive = c.o.Now()
	c.mu.Unlock()

	attrs := []any{"intervalMinutes", int(c.o.Interval / time.Minute)}
	if c.o.Interval%time.Minute != 0 {
		attrs = append(attrs, "interval", c.o.Interval.String())
	}
	c.log.Info("Health checks scheduled", attrs...)

	go func() {
		defer stopped()
		service.Every(ctx, c.o.Interval, func(ctx context.Context) { c.runOnce(ctx) })
	}()
	return nil
}

// Snapshot returns the last periodic report, or nil before the first run.
func (c *Checker) Snapshot() *Report {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.last
}

// Healthy reports whether the bot is healthy enough to feed the systemd
// watchdog. With periodic checks running it answers from the last report
// (and fails when no run has finished for three intervals, which means the
// loop is stuck); otherwise, or before the first run, it checks readiness
// now.
func (c *Checker) Healthy(ctx context.Context) error {
	c.mu.Lock()
	started, last, alive := c.scheduled, c.last, c.lastAlive
	c.mu.Unlock()
	if !started || last == nil {
		if started && c.o.Now().Sub(alive) > 3*c.o.Interval {
			return errors.New("no health check has finished for three intervals")
		}
		return c.Ready(ctx)
	}
	if age := c.o.Now().Sub(alive); age > 3*c.o.Interval {
		return fmt.Errorf("the last health check finished %s ago", age.Round(time.Second))
	}
	return last.Err()
}

// runOnce runs this process's checks, logs the results, updates the
// metrics and evaluates this process's alert thresholds; the report also
// shows the levels and security figures of the last database-wide run. It
// is bounded by Options.Timeout.
func (c *Checker) runOnce(ctx context.Context) *Report {
	checkCtx, cancel := context.WithTimeout(ctx, c.o.Timeout)
	defer cancel()
	r := c.checkProcess(checkCtx)

	c.mu.Lock()
	if r.Passed() {
		c.failures = 0
	} else {
		c.failures++
	}
	r.ConsecutiveFailures = c.failures
	c.mu.Unlock()

	c.logReport(r)
	// Alerts get their own time: a database that hangs rather than refuses
	// uses up the checks' whole timeout, and its alert must still go out.
	notifyCtx, cancelNotify := context.WithTimeout(ctx, c.o.Timeout)
	defer cancelNotify()
	r.Levels = c.evaluate(notifyCtx, r, c.processRules(), c.process)
	c.addDatabaseLevels(notifyCtx, r)
	c.record(r)

	c.mu.Lock()
	c.last = r
	c.lastAlive = c.o.Now()
	c.mu.Unlock()
	return r
}

// Check gathers a report now, this process's checks and the database-wide
// figures, without logging, alerting or counting it as a run; /security
// status uses it when the periodic checks are off.
func (c *Checker) Check(ctx context.Context) *Report {
	r := c.checkProcess(ctx)
	if r.Database.OK {
		c.measureDatabase(ctx, r)
	}
	r.Duration = c.o.Now().Sub(r.At)
	return r
}

// checkProcess gathers this process's half of a report.
func (c *Checker) checkProcess(ctx context.Context) *Report {
	start := c.o.Now()
	r := &Report{At: start, DiskFree: -1}

	r.Discord = c.checkGateway()
	r.Database = c.checkDatabase(ctx)
	r.Memory = readMemory()
	if c.o.Autobackup {
		b := c.checkBackup()
		r.Backup = &b
	}
	if c.o.BackupDir != "" {
		r.DiskFree = diskFree(c.o.BackupDir)
	}
	if c.o.FallbackBacklog != nil {
		r.FallbackBacklog = c.o.FallbackBacklog()
	}
	if c.o.Pool != nil {
		s := c.o.Pool.Stat()
		r.Pool = PoolStats{Acquired: s.AcquiredConns(), Idle: s.IdleConns(), Total: s.TotalConns(), Max: s.MaxConns()}
	}
	r.Duration = c.o.Now().Sub(start)
	return r
}

func (c *Checker) checkGateway() Result {
	if c.o.Gateway == nil {
		return Result{Err: "no Discord session"}
	}
	lat := c.o.Gateway.Latency()
	if !c.o.Gateway.Connected() {
		return Result{Latency: lat, Err: "gateway disconnected"}
	}
	return Result{OK: true, Latency: lat}
}

func (c *Checker) checkDatabase(ctx context.Context) Result {
	if c.o.Pool == nil {
		return Result{Err: "no database pool"}
	}
	start := time.Now()
	err := c.o.Pool.Ping(ctx)
	r := Result{OK: err == nil, Latency: time.Since(start)}
	if err != nil {
		r.Err = fmt.Sprintf("ping database: %v", err)
	}
	return r
}

func (c *Checker) checkBackup() BackupStatus {
	b := BackupStatus{MaxAge: c.o.Thresholds.BackupMaxAge}
	name, info, err := newestBackup(c.o.BackupDir)
	switch {
	case err != nil:
		b.Err = err.Error()
	case info == nil:
		b.Err = "no backup-*.sql.gz in " + c.o.BackupDir
	default:
		b.Newest = name
		b.ModTime = info.ModTime()
		b.Size = info.Size()
		b.Age = c.o.Now().Sub(b.ModTime)
		b.Fresh = b.Age <= b.MaxAge
		if !b.Fresh {
			b.Err = fmt.Sprintf("newest backup %s is %s old", name, b.Age.Round(time.Minute))
		}
	}
	return b
}

// newestBackup returns the newest backup-*.sql.gz in dir, or a nil info when
// there is none.
func newestBackup(dir string) (string, os.FileInfo, error) {
	matches, err := filepath.Glob(filepath.Join(dir, "backup-*.sql.gz"))
	if err != nil {
		return "", nil, fmt.Errorf("list backups: %w", err)
	}
	var name string
	var newest os.FileInfo
	for _, m := range matches {
		info, err := os.Stat(m)
		if err != nil || !info.Mode().IsRegular() {
			continue
		}
		if newest == nil || info.ModTime().After(newest.ModTime()) {
			name, newest = filepath.Base(m), info
		}
	}
	return name, newest, nil
}

func (c *Checker) logReport(r *Report) {
	if r.Discord.OK {
		c.log.Info("Discord connection check: PASS", "latencyMs", r.Discord.Latency.Milliseconds())
	} else {
		c.log.Error("Discord connection check: FAIL", "error", r.Discord.Err)
	}
	if r.Database.OK {
		c.log.Info("Database connection check: PASS", "latencyMs", r.Database.Latency.Milliseconds())
	} else {
		c.log.Error("Database connection check: FAIL", "error", r.Database.Err)
	}
	c.log.Info("Memory:", "heapUsed", MB(r.Memory.HeapUsed), "heapTotal", MB(r.Memory.HeapTotal), "rss", MB(r.Memory.RSS))
	if b := r.Backup; b != nil {
		if b.Fresh {
			c.log.Info("Backup freshness check: PASS", "newest", b.Newest, "ageHours", int(b.Age.Hours()), "size", MB(uint64(b.Size)))
		} else {
			c.log.Warn("Backup freshness check: FAIL", "error", b.Err)
		}
	}
	attrs := []any{"fallbackBacklog", r.FallbackBacklog, "poolInUse", r.Pool.Acquired, "poolMax", r.Pool.Max}
	if r.DiskFree >= 0 {
		attrs = append(attrs, "diskFree", MB(uint64(r.DiskFree)))
	}
	c.log.Info("Resources:", attrs...)
}

func (c *Checker) record(r *Report) {
	m := c.o.Metrics
	if m == nil {
		return
	}
	m.SetCheck("discord", r.Discord.OK)
	m.SetCheck("database", r.Database.OK)
	m.SetGatewayLatency(r.Discord.Latency)
	if r.Backup != nil {
		m.SetCheck("backup", r.Backup.Fresh)
		m.SetNewestBackup(r.Backup.ModTime, r.Backup.Size)
	}
	if r.DiskFree >= 0 {
		m.SetDiskFree(r.DiskFree)
	}
	m.SetFallbackBacklog(r.FallbackBacklog)
	m.SetPool(r.Pool.Acquired, r.Pool.Max)
	if r.Counts != nil {
		m.SetSecurityCounts(r.Counts.AuditLogRows, r.Counts.UnreviewedFlags, r.Counts.RateLimitFlaggedUsers)
	}
	for _, t := range r.Tables {
		m.SetTableSize(t.Table, t.Bytes)
	}
	m.HealthRun(r.At.Add(r.Duration), r.ConsecutiveFailures)
}

// Ready reports whether the bot can serve: the database answers, the
// gateway is connected and the schema is at the binary's migration. The
// error lists every reason at once.
func (c *Checker) Ready(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, min(c.o.Timeout, 5*time.Second))
	defer cancel()
	var errs []error
	if g := c.checkGateway(); !g.OK {
		errs = append(errs, errors.New(g.Err))
	}
	if d := c.checkDatabase(ctx); !d.OK {
		errs = append(errs, errors.New(d.Err))
	} else if err := migrationsCurrent(ctx, c.o.Pool); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// migrationsCurrent is schema.CheckCurrent, except that an application
// role without SELECT on golang-migrate's table cannot tell: readiness must
// not fail forever because of that (GRANT SELECT ON schema_migrations TO
// embodied_app enables the check; migration 001 does).
func migrationsCurrent(ctx context.Context, pool *pgxpool.Pool) error {
	err := schema.CheckCurrent(ctx, pool)
	if pgErr := (*pgconn.PgError)(nil); errors.As(err, &pgErr) && pgErr.Code == pgerrcode.InsufficientPrivilege {
		return nil
	}
	return err
}

// Result is one check's outcome.
type Result struct {
	OK      bool
	Latency time.Duration
	Err     string
}

// Memory is the process's memory use, in bytes.
type Memory struct {
	HeapUsed  uint64 // live heap objects (runtime.MemStats.HeapAlloc)
	HeapTotal uint64 // heap obtained from the OS (HeapSys)
	RSS       uint64 // resident set size (/proc/self/statm; Sys elsewhere)
}

// BackupStatus is the newest backup file as the check saw it.
type BackupStatus struct {
	Newest  string
	ModTime time.Time
	Size    int64
	Age     time.Duration
	MaxAge  time.Duration
	Fresh   bool
	Err     string
}

// PoolStats is database pool usage.
type PoolStats struct {
	Acquired, Idle, Total, Max int32
}

// Saturation is the share of the pool in use, from 0 to 1.
func (p PoolStats) Saturation() float64 {
	if p.Max <= 0 {
		return 0
	}
	return float64(p.Acquired) / float64(p.Max)
}

// Report is one health check run.
type Report struct {
	At       time.Time
	Duration time.Duration

	Discord  Result
	Database Result
	Memory   Memory
	// Backup is nil when auto-backup is off.
	Backup *BackupStatus
	// DiskFree is the free space where backups go, -1 when unknown.
	DiskFree        int64
	FallbackBacklog int
	Pool            PoolStats
	// Counts is nil when the database could not be read (CountsErr says
	// why). In a periodic report of one process they are those of the last
	// database-wide run, whichever process ran it (nil before the first).
	Counts    *Counts
	CountsErr string
	Tables    []TableSize
	// AuditHead is the audit chain's head (seq 0 while empty), logged as
	// an anchor for `embodied audit verify --anchor`; nil when the
	// database could not be read (AuditHeadErr says why).
	AuditHead    *audit.Anchor
	AuditHeadErr string

	// ConsecutiveFailures counts failed runs in a row, this one included.
	ConsecutiveFailures int
	// Levels is the alert level of each threshold after this run: this
	// process's, and the database-wide ones as PostgreSQL holds them.
	Levels map[string]Level
}

// Passed reports whether the essential checks (Discord and the database)
// passed; a failed run counts towards the consecutive-failure alert.
func (r *Report) Passed() bool { return r.Discord.OK && r.Database.OK }

// Err returns why the run failed, or nil.
func (r *Report) Err() error {
	var errs []error
	if !r.Discord.OK {
		errs = append(errs, errors.New(r.Discord.Err))
	}
	if !r.Database.OK {
		errs = append(errs, errors.New(r.Database.Err))
	}
	return errors.Join(errs...)
}

// Summary is one line for the audit embed footer, e.g.
// "Health PASS · Discord 42ms · DB 3ms · heap 45 MB · backup 5h old · 05:30 UTC".
func (r *Report) Summary() string {
	if r == nil {
		return "Health: no check has run yet"
	}
	state := "PASS"
	if !r.Passed() {
		state = fmt.Sprintf("FAIL ×%d", r.ConsecutiveFailures)
	}
	parts := []string{"Health " + state}
	parts = append(parts, "Discord "+resultText(r.Discord))
	parts = append(parts, "DB "+resultText(r.Database))
	parts = append(parts, "heap "+MB(r.Memory.HeapUsed))
	if b := r.Backup; b != nil {
		if b.Newest == "" {
			parts = append(parts, "no backup")
		} else {
			parts = append(parts, "backup "+shortAge(b.Age)+" old")
		}
	}
	if worst := worstLevel(r.Levels); worst > LevelOK {
		parts = append(parts, worst.String()+" alerts")
	}
	parts = append(parts, r.At.UTC().Format("15:04 UTC"))
	return strings.Join(parts, " · ")
}

func resultText(r Result) string {
	if !r.OK {
		return "FAIL"
	}
	return strconv.FormatInt(r.Latency.Milliseconds(), 10) + "ms"
}

func shortAge(d time.Duration) string {
	switch {
	case d < time.Hour:
		return strconv.Itoa(int(d.Minutes())) + "m"
	case d < 72*time.Hour:
		return strconv.Itoa(int(d.Hours())) + "h"
	default:
		return strconv.Itoa(int(d.Hours()/24)) + "d"
	}
}

// MB renders bytes as the seed's memory log does: whole mebibytes, "45 MB".
func MB(b uint64) string {
	return strconv.FormatInt(int64(math.Round(float64(b)/(1<<20))), 10) + " MB"
}

func readMemory() Memory {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	m := Memory{HeapUsed: ms.HeapAlloc, HeapTotal: ms.HeapSys, RSS: ms.Sys}
	if rss, ok := residentSetSize(); ok {
		m.RSS = rss
	}
	return m
}

// residentSetSize reads the second field of /proc/self/statm (pages).
func residentSetSize() (uint64, bool) {
	data, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0, false
	}
	f := strings.Fields(string(data))
	if len(f) < 2 {
		return 0, false
	}
	pages, err := strconv.ParseUint(f[1], 10, 64)
	if err != nil {
		return 0, false
	}
	return pages * uint64(os.Getpagesize()), true
}
