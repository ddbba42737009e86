package app

import (
	"context"
	"time"

	"github.com/embodied-community/embodied/internal/discordact"
	"github.com/embodied-community/embodied/internal/jobs"
)

// newJobs builds the durable job runner (River, internal/jobs) and
// registers the work that must happen once across every process on the
// database: the scheduled backup (SECOPS_BACKUP_CRON) replaces the
// in-process cron, so that N processes make one backup per tick; a warning
// DM, owner alert DM or mod-log post that Discord answered 429 or 5xx is
// queued and delivered by a job.
func (a *App) newJobs(discord *discordact.Discord) *jobs.Runner {
	r := jobs.New(a.pool, jobs.Options{Logger: a.log, StopTimeout: a.cfg.ShutdownTimeout})
	r.Deliveries(discord.Deliver)
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
	return r
}
