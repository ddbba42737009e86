package app

import (
	"context"
	"time"

	"github.com/embodied-community/embodied/internal/discordact"
	"github.com/embodied-community/embodied/internal/lockdown"
)

// newLockdown builds /security lockdown's service: channels are locked
// through REST, their original overwrites kept in PostgreSQL, and timed
// lockdowns lifted by a durable job at their end, once across processes
// (Options.LockdownInterval bounds the job's rechecks while the bot's clock
// says the end has not come). Lockdown applies in safe mode too (an
// admin's decision, not automation).
func (a *App) newLockdown(discord *discordact.Discord) *lockdown.Service {
	l := lockdown.New(a.Store, discord, a.Audit, lockdown.Options{Interval: a.opts.LockdownInterval, Now: a.opts.Now, Logger: a.log,
		Schedule: func(ctx context.Context, guildID string, at time.Time) error {
			return a.jobs.ScheduleLift(ctx, "lockdown", guildID, at)
		}})
	recheck := a.opts.LockdownInterval
	if recheck <= 0 {
		recheck = 30 * time.Second
	}
	a.jobs.Lifts("lockdown", l.LiftDue, a.opts.Now, recheck)
	return l
}
