package health

import (
	"context"
	"time"

	"github.com/embodied-community/embodied/internal/audit"
	"github.com/embodied-community/embodied/internal/store"
)

// RunDatabase is the database-wide half of a health run, which several
// processes on one database do once per interval between them (the wiring
// makes it a periodic job): it measures the security tables, the table
// sizes, the audit chain head and the newest backup, logs them, sets their
// metrics in this process and evaluates their thresholds, whose levels
// live in PostgreSQL so that each change is notified once across processes
// and restarts. The report also carries this process's Discord and database
// checks now and its consecutive failures, for the health_runs record.
// at is the run's time (the job's tick).
func (c *Checker) RunDatabase(ctx context.Context, at time.Time) *Report {
	checkCtx, cancel := context.WithTimeout(ctx, c.o.Timeout)
	defer cancel()
	r := &Report{At: at, DiskFree: -1}
	r.Discord = c.checkGateway()
	r.Database = c.checkDatabase(checkCtx)
	if c.o.Autobackup {
		b := c.checkBackup()
		r.Backup = &b
	}
	if r.Database.OK {
		c.measureDatabase(checkCtx, r)
	}
	c.mu.Lock()
	r.ConsecutiveFailures = c.failures
	c.mu.Unlock()

	c.logDatabase(r)
	if m := c.o.Metrics; m != nil {
		if r.Counts != nil {
			m.SetSecurityCounts(r.Counts.AuditLogRows, r.Counts.UnreviewedFlags, r.Counts.RateLimitFlaggedUsers)
		}
		for _, t := range r.Tables {
			m.SetTableSize(t.Table, t.Bytes)
		}
	}
	notifyCtx, cancelNotify := context.WithTimeout(ctx, c.o.Timeout)
	defer cancelNotify()
	rules := c.databaseRules()
	if c.store != nil && r.Database.OK {
		c.storeValues(notifyCtx, r, rules)
	}
	r.Levels = c.evaluate(notifyCtx, r, rules, c.shared)
	return r
}

// measureDatabase fills r's database-wide figures.
func (c *Checker) measureDatabase(ctx context.Context, r *Report) {
	counts, err := c.store.SecurityCounts(ctx, c.o.Thresholds.RateLimitViolations)
	if err != nil {
		r.CountsErr = err.Error()
	} else {
		r.Counts = &counts
	}
	if sizes, err := c.store.TableSizes(ctx); err == nil {
		r.Tables = sizes
	}
	if head, err := audit.Head(ctx, c.o.Pool); err != nil {
		r.AuditHeadErr = err.Error()
	} else {
		r.AuditHead = &head
	}
}

func (c *Checker) logDatabase(r *Report) {
	if r.Counts != nil {
		c.log.Info("Security tables:", "auditLogRows", r.Counts.AuditLogRows, "unreviewedFlags", r.Counts.UnreviewedFlags, "rateLimitFlaggedUsers", r.Counts.RateLimitFlaggedUsers)
	} else if r.CountsErr != "" {
		c.log.Warn("Security tables: unavailable", "error", r.CountsErr)
	}
	if h := r.AuditHead; h != nil {
		c.log.Info("Audit chain head:", "auditHeadSeq", h.Seq, "auditHeadHash", h.Hash)
	} else if r.AuditHeadErr != "" {
		c.log.Warn("Audit chain head: unavailable", "error", r.AuditHeadErr)
	}
}

// storeValues saves what rules measured in r, which also makes the rows a
// change of level is claimed on.
func (c *Checker) storeValues(ctx context.Context, r *Report, rules []rule) {
	values := map[string]int64{}
	for _, ru := range rules {
		if v, ok := ru.measure(r); ok {
			values[ru.key] = v
		}
	}
	if len(values) == 0 {
		return
	}
	if err := c.store.SetHealthAlertValues(ctx, values, r.At); err != nil {
		c.log.Warn("Health measures not saved", "error", err)
	}
}

// addDatabaseLevels adds the last database-wide run's levels and security
// figures, whichever process ran it, to this process's report r, so that
// /security status and the metrics of every process show them.
func (c *Checker) addDatabaseLevels(ctx context.Context, r *Report) {
	if c.store == nil || !r.Database.OK {
		return
	}
	rows, err := c.store.HealthAlertLevels(ctx)
	if err != nil {
		c.log.Warn("Database-wide alert levels unavailable", "error", err)
		return
	}
	if r.Levels == nil {
		r.Levels = map[string]Level{}
	}
	values := map[string]int64{}
	for _, row := range rows {
		r.Levels[row.Key] = Level(row.Level)
		if row.MeasuredAt != nil {
			values[row.Key] = row.Value
		}
	}
	for _, k := range []string{keyAuditLogRows, keyUnreviewedFlags, keyFlaggedUsers} {
		if _, ok := values[k]; !ok {
			return
		}
	}
	r.Counts = &Counts{AuditLogRows: values[keyAuditLogRows], UnreviewedFlags: values[keyUnreviewedFlags],
		RateLimitFlaggedUsers: values[keyFlaggedUsers]}
}

// databaseLevels keeps the database-wide levels in health_alert_levels
// (migration 095). A change is claimed with one compare-and-set statement
// (the delivered level still the one this run read, and no live claim) and
// settled after the delivery: delivered, the claimed level becomes the
// level; failed, the claim is dropped and the level stays, so the next run,
// in any process, claims it again. Two runs at once thus notify once, a
// steady level never again, and an undelivered one until it is delivered.
// The claim's lease outlasts the delivery's timeout, so only a process that
// died mid-delivery lets it expire and another run take the change over.
type databaseLevels struct {
	store *store.Store
	lease time.Duration
}

func (k databaseLevels) levels(ctx context.Context) (map[string]Level, error) {
	rows, err := k.store.HealthAlertLevels(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string]Level, len(rows))
	for _, row := range rows {
		out[row.Key] = Level(row.Level)
	}
	return out, nil
}

func (k databaseLevels) claim(ctx context.Context, key string, from, to Level) (bool, error) {
	return k.store.ClaimHealthAlert(ctx, key, int(from), int(to), k.lease)
}

func (k databaseLevels) settle(ctx context.Context, key string, to Level, delivered bool) error {
	return k.store.SettleHealthAlert(ctx, key, int(to), delivered)
}
