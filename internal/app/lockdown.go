package app

import (
	"github.com/embodied-community/embodied/internal/discordact"
	"github.com/embodied-community/embodied/internal/lockdown"
)

// newLockdown builds /security lockdown's service: channels are locked
// through REST, their original overwrites kept in PostgreSQL, and timed
// lockdowns lifted every Options.LockdownInterval and at start. Lockdown
// applies in safe mode too (an admin's decision, not automation).
func (a *App) newLockdown(discord *discordact.Discord) *lockdown.Service {
	return lockdown.New(a.Store, discord, a.Audit, lockdown.Options{Interval: a.opts.LockdownInterval, Now: a.opts.Now, Logger: a.log})
}
