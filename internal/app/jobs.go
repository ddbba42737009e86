package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/embodied-community/embodied/internal/discordact"
	"github.com/embodied-community/embodied/internal/jobs"
	"github.com/embodied-community/embodied/internal/logging"
	"github.com/embodied-community/embodied/internal/rollout"
)

// newJobs builds the durable job runner (River, internal/jobs) and
// registers the work that must happen once across every process on the
// database: the scheduled backup (SECOPS_BACKUP_CRON) replaces the
// in-process cron, so that N processes make one backup per tick; a warning
// DM, owner alert DM or mod-log post that Discord answered 429 or 5xx is
// queued and delivered by a job; with health checks on, the database-wide
// half of the health run (the security tables and backups, their alerts,
// the health_runs record) runs once per SECOPS_HEALTHCHECK_INTERVAL across
// processes, while each process checks itself.
func (a *App) newJobs(discord *discordact.Discord) *jobs.Runner {
	r := jobs.New(a.pool, jobs.Options{Logger: a.log, StopTimeout: a.cfg.ShutdownTimeout})
	r.Deliveries(discord.Deliver, func(ctx context.Context, d jobs.Delivery, o jobs.Outcome) {
		if d.UserID == "" {
			a.Strikes.ModLogPosted(ctx, d.GuildID, d.WarningID, d.ChannelID, o.MessageID)
			return
		}
		a.Strikes.SettleDM(ctx, d.GuildID, d.WarningID, o.Err)
	})
	discord.QueueFailed(r.Deliver)
	if s := a.scheduler; s != nil {
		r.Periodic("backup", s, s.Timeout()+time.Minute, func(ctx context.Context, _ time.Time) error {
			// The outcome, failed or not, is audited and alerted by the
			// scheduler's Reporter, as before: a failed backup is not retried.
			s.Run(ctx)
			return nil
		})
		s.LogSchedule()
	}
	if a.cfg.EnableHealthchecks {
		rollout.ScheduleHealth(r, a.Health, a.runs, a.cfg.HealthcheckInterval)
	}
	return r
}

// retentionSchedule prunes hourly, at a minute clear of the hour's other
// work.
const retentionSchedule = "17 * * * *"

// registerRetention makes retention one periodic job across processes
// (and at start): backups older than SECOPS_BACKUP_RETENTION_DAYS, exports
// older than SECOPS_EXPORT_RETENTION_DAYS and the shared rate-limit buckets
// that are full again. The files it prunes are those of the process that
// runs it, which covers a directory shared by the processes; each process
// still prunes its own directories after each backup and export.
func (a *App) registerRetention() error {
	schedule, err := cron.ParseStandard(retentionSchedule)
	if err != nil {
		return fmt.Errorf("retention schedule: %w", err)
	}
	log := logging.Component(a.log, "Retention")
	a.jobs.PeriodicAndNow("retention", schedule, 10*time.Minute, func(ctx context.Context, _ time.Time) error {
		backups, berr := a.Backup.Prune(a.opts.Now())
		exports, perr := a.Privacy.Prune()
		buckets, rerr := a.Limiter.PruneShared(ctx)
		log.Info("Retention applied", "backupsDeleted", len(backups), "exportsDeleted", exports, "rateLimitBucketsDeleted", buckets)
		return errors.Join(berr, perr, rerr)
	})
	return nil
}
