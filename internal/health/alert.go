package health

import (
	"context"
	"fmt"
	"maps"
	"strconv"
	"sync"
	"time"
)

// Level is an alert level.
type Level int

// The alert levels, in increasing severity.
const (
	LevelOK Level = iota
	LevelWarning
	LevelCritical
)

// String returns "ok", "warning" or "critical".
func (l Level) String() string {
	switch l {
	case LevelWarning:
		return "warning"
	case LevelCritical:
		return "critical"
	default:
		return "ok"
	}
}

// Alert is a change of level of one threshold: a new warning, an escalation
// or de-escalation, or a recovery (Level is LevelOK).
type Alert struct {
	// Key identifies the threshold: health_check_failures, audit_log_rows,
	// unreviewed_content_flags, rate_limit_flagged_users, backup_size,
	// backup_stale, discord_invalid_requests.
	Key      string
	Name     string
	Level    Level
	Previous Level
	// Value is what was measured; Threshold the limit it crossed (for a
	// recovery, the warning limit it is back under).
	Value     int64
	Threshold int64
	Unit      string
	// Action is what the rollout guide tells the operator to do.
	Action string
	At     time.Time
}

// Recovered reports whether the alert announces a recovery.
func (a Alert) Recovered() bool { return a.Level == LevelOK }

// Text renders the alert for a DM or channel message.
func (a Alert) Text() string {
	if a.Recovered() {
		return fmt.Sprintf("✅ RECOVERED: %s is %s, back within %s (was %s).",
			a.Name, a.amount(a.Value), a.amount(a.Threshold), a.Previous)
	}
	icon, label := "⚠️", "WARNING"
	if a.Level == LevelCritical {
		icon, label = "🚨", "CRITICAL"
	}
	return fmt.Sprintf("%s %s: %s is %s (threshold %s). Action: %s.",
		icon, label, a.Name, a.amount(a.Value), a.amount(a.Threshold), a.Action)
}

func (a Alert) amount(v int64) string {
	if a.Unit == "bytes" {
		return MB(uint64(max(v, 0)))
	}
	s := strconv.FormatInt(v, 10)
	if a.Unit != "" {
		s += " " + a.Unit
	}
	return s
}

// Notifier delivers alerts. The wiring DMs the owners and posts to the
// optional alert channel; an error makes the checker retry at the next run.
type Notifier interface {
	Notify(ctx context.Context, a Alert) error
}

// NotifierFunc adapts a function to Notifier.
type NotifierFunc func(ctx context.Context, a Alert) error

// Notify calls f.
func (f NotifierFunc) Notify(ctx context.Context, a Alert) error { return f(ctx, a) }

// Thresholds are the rollout guide's alert thresholds. Failures are reached
// (>=); the others are exceeded (>).
type Thresholds struct {
	FailuresWarning, FailuresCritical               int
	AuditLogRowsWarning, AuditLogRowsCritical       int64
	UnreviewedFlagsWarning, UnreviewedFlagsCritical int64
	RateLimitUsersWarning, RateLimitUsersCritical   int64
	BackupBytesWarning, BackupBytesCritical         int64
	// InvalidRequestsWarning and InvalidRequestsCritical bound the Discord
	// requests answered 401, 403 or 429 (but for scope shared) in the last
	// 10 minutes; Discord bans the IP at 10,000.
	InvalidRequestsWarning, InvalidRequestsCritical int64
	// RateLimitViolations is how many violations in 24 h flag a user.
	RateLimitViolations int64
	// BackupMaxAge is how old the newest backup may be with a daily cron.
	BackupMaxAge time.Duration
}

// DefaultThresholds returns the table from the rollout guide.
func DefaultThresholds() Thresholds {
	return Thresholds{
		FailuresWarning: 2, FailuresCritical: 5,
		AuditLogRowsWarning: 10_000, AuditLogRowsCritical: 50_000,
		UnreviewedFlagsWarning: 10, UnreviewedFlagsCritical: 50,
		RateLimitUsersWarning: 5, RateLimitUsersCritical: 20,
		BackupBytesWarning: 100 << 20, BackupBytesCritical: 500 << 20,
		InvalidRequestsWarning: 2_000, InvalidRequestsCritical: 5_000,
		RateLimitViolations: 5,
		BackupMaxAge:        26 * time.Hour,
	}
}

// rule is one row of the thresholds table.
type rule struct {
	key, name, unit, action string
	warn, crit              int64
	reached                 bool // >= instead of >
	// measure returns the value, or false when it could not be measured
	// this run (the level then stays as it was).
	measure func(r *Report) (int64, bool)
}

// processRules are the thresholds of this process alone: its own run
// failures in a row and its own invalid Discord requests. Their levels
// stay in memory: each process alerts about itself.
func (c *Checker) processRules() []rule {
	t := c.o.Thresholds
	rs := []rule{
		{key: "health_check_failures", name: "Health check failures", unit: "consecutive", action: "Investigate immediately",
			warn: int64(t.FailuresWarning), crit: int64(t.FailuresCritical), reached: true,
			measure: func(r *Report) (int64, bool) { return int64(r.ConsecutiveFailures), true }},
	}
	if f := c.o.DiscordInvalidRequests; f != nil {
		rs = append(rs, rule{key: "discord_invalid_requests", name: "Invalid Discord requests in 10 minutes", unit: "requests",
			action: "Find the status in embodied_discord_invalid_requests_total and stop those calls: Discord bans the IP at 10,000",
			warn:   t.InvalidRequestsWarning, crit: t.InvalidRequestsCritical,
			measure: func(*Report) (int64, bool) { return int64(f()), true }})
	}
	return rs
}

// databaseRules are the thresholds that measure what every process
// shares: the security tables and the backups. RunDatabase evaluates them
// once across processes, with their levels in PostgreSQL.
func (c *Checker) databaseRules() []rule {
	t := c.o.Thresholds
	counts := func(f func(*Counts) int64) func(*Report) (int64, bool) {
		return func(r *Report) (int64, bool) {
			if r.Counts == nil {
				return 0, false
			}
			return f(r.Counts), true
		}
	}
	rs := []rule{
		{key: keyAuditLogRows, name: "Audit log size", unit: "rows", action: "Archive old entries",
			warn: t.AuditLogRowsWarning, crit: t.AuditLogRowsCritical,
			measure: counts(func(c *Counts) int64 { return c.AuditLogRows })},
		{key: keyUnreviewedFlags, name: "Unreviewed content flags", unit: "flags", action: "Review queue (/security flags)",
			warn: t.UnreviewedFlagsWarning, crit: t.UnreviewedFlagsCritical,
			measure: counts(func(c *Counts) int64 { return c.UnreviewedFlags })},
		{key: keyFlaggedUsers, name: "Users flagged for rate-limit violations", unit: "users", action: "Investigate spam",
			warn: t.RateLimitUsersWarning, crit: t.RateLimitUsersCritical,
			measure: counts(func(c *Counts) int64 { return c.RateLimitFlaggedUsers })},
	}
	if c.o.Autobackup {
		rs = append(rs,
			rule{key: "backup_size", name: "Backup file size", unit: "bytes", action: "Consider a retention policy",
				warn: t.BackupBytesWarning, crit: t.BackupBytesCritical,
				measure: func(r *Report) (int64, bool) {
					if r.Backup == nil || r.Backup.Newest == "" {
						return 0, false
					}
					return r.Backup.Size, true
				}},
			// Stale is a warning only: the backup job's own failure alert is
			// the loud one. Without any backup, wait one period after start
			// so that a fresh install does not alert before its first 3 AM.
			rule{key: "backup_stale", name: "Newest backup age", unit: "hours", action: "Check the backup job and disk (ls -lah backups/)",
				warn: int64(t.BackupMaxAge.Hours()), crit: 1 << 62,
				measure: func(r *Report) (int64, bool) {
					if r.Backup == nil {
						return 0, false
					}
					if r.Backup.Newest == "" {
						up := c.o.Now().Sub(c.created)
						return int64(up.Hours()), up > t.BackupMaxAge
					}
					return int64(r.Backup.Age.Hours()), true
				}},
		)
	}
	return rs
}

// The keys of the security table thresholds, whose stored values also give
// every process the last database-wide figures.
const (
	keyAuditLogRows    = "audit_log_rows"
	keyUnreviewedFlags = "unreviewed_content_flags"
	keyFlaggedUsers    = "rate_limit_flagged_users"
)

func (ru rule) level(v int64) Level {
	over := func(limit int64) bool {
		if ru.reached {
			return v >= limit
		}
		return v > limit
	}
	switch {
	case over(ru.crit):
		return LevelCritical
	case over(ru.warn):
		return LevelWarning
	default:
		return LevelOK
	}
}

// levelKeeper remembers the delivered level of each threshold and hands a
// change of level to one run (claim), which reports whether it delivered
// the alert (settle). A level is only remembered once its alert was
// delivered, so a failed delivery is retried at the next run and a steady
// level never repeats.
type levelKeeper interface {
	levels(ctx context.Context) (map[string]Level, error)
	claim(ctx context.Context, key string, from, to Level) (bool, error)
	settle(ctx context.Context, key string, to Level, delivered bool) error
}

// evaluate compares r with rules and notifies each change of level that
// keeper hands to this run. It returns the level of each rule after the run.
func (c *Checker) evaluate(ctx context.Context, r *Report, rules []rule, keeper levelKeeper) map[string]Level {
	prev, err := keeper.levels(ctx)
	if err != nil {
		c.log.Warn("Alert levels unavailable; evaluating at the next run", "error", err)
		return nil
	}
	out := map[string]Level{}
	for _, ru := range rules {
		p := prev[ru.key]
		out[ru.key] = p
		v, ok := ru.measure(r)
		if !ok {
			continue
		}
		lvl := ru.level(v)
		if lvl == p {
			continue
		}
		a := Alert{Key: ru.key, Name: ru.name, Level: lvl, Previous: p, Value: v, Unit: ru.unit, Action: ru.action, At: r.At}
		switch lvl {
		case LevelCritical:
			a.Threshold = ru.crit
		default:
			a.Threshold = ru.warn
		}
		claimed, err := keeper.claim(ctx, ru.key, p, lvl)
		if err != nil {
			c.log.Warn("Alert not claimed; evaluating at the next run", "alert", ru.key, "error", err)
			continue
		}
		if !claimed { // another run has it, or delivered it already
			continue
		}
		delivered := c.notify(ctx, a)
		// Settled even when the delivery used up ctx: an unsettled claim
		// would hold the alert back until its lease ends.
		settleCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		err = keeper.settle(settleCtx, ru.key, lvl, delivered)
		cancel()
		if err != nil {
			c.log.Warn("Alert level not saved", "alert", ru.key, "error", err)
			continue
		}
		if delivered {
			out[ru.key] = lvl
		}
	}
	return out
}

// memoryLevels keeps levels in this process: the per-process thresholds,
// and the database-wide ones of a checker without a database.
type memoryLevels struct {
	mu sync.Mutex
	m  map[string]Level
}

func (k *memoryLevels) levels(context.Context) (map[string]Level, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return maps.Clone(k.m), nil
}

func (k *memoryLevels) claim(_ context.Context, key string, from, _ Level) (bool, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.m[key] == from, nil
}

func (k *memoryLevels) settle(_ context.Context, key string, to Level, delivered bool) error {
	if delivered {
		k.mu.Lock()
		k.m[key] = to
		k.mu.Unlock()
	}
	return nil
}

func (c *Checker) notify(ctx context.Context, a Alert) bool {
	attrs := []any{"alert", a.Key, "level", a.Level.String(), "previous", a.Previous.String(), "value", a.Value, "threshold", a.Threshold}
	switch a.Level {
	case LevelCritical:
		c.log.Error("Alert: "+a.Text(), attrs...)
	case LevelWarning:
		c.log.Warn("Alert: "+a.Text(), attrs...)
	default:
		c.log.Info("Alert: "+a.Text(), attrs...)
	}
	if c.o.Notifier == nil {
		return true
	}
	if err := c.o.Notifier.Notify(ctx, a); err != nil {
		c.log.Error("Alert delivery failed; retrying at the next run", "alert", a.Key, "error", err)
		return false
	}
	return true
}

func worstLevel(levels map[string]Level) Level {
	w := LevelOK
	for _, l := range levels {
		w = max(w, l)
	}
	return w
}
