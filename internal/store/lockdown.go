package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Lockdown is a channel_lockdowns row: a locked channel and its @everyone
// overwrite as it was before the lockdown.
type Lockdown struct {
	GuildID   string `db:"guild_id"`
	ChannelID string `db:"channel_id"`
	// HadOverwrite is false when the channel had no @everyone overwrite
	// (PrevAllow and PrevDeny are then 0): unlock deletes it again.
	HadOverwrite bool      `db:"had_overwrite"`
	PrevAllow    int64     `db:"prev_allow"`
	PrevDeny     int64     `db:"prev_deny"`
	LockedBy     string    `db:"locked_by"`
	Reason       string    `db:"reason"`
	LockedAt     time.Time `db:"locked_at"`
	// Until is when a timed lockdown lifts itself; nil until unlocked.
	Until *time.Time `db:"locked_until"`
}

const lockdownColumns = `guild_id, channel_id, had_overwrite, prev_allow, prev_deny, locked_by, reason, locked_at, locked_until`

// RememberLockdown records that l's channel is being locked, before its
// overwrite changes. A channel locked already keeps its remembered
// original; its end, reason and author become l's. It returns the row as
// stored and whether it is new.
func (s *Store) RememberLockdown(ctx context.Context, l Lockdown) (Lockdown, bool, error) {
	rows, _ := s.pool.Query(ctx, `INSERT INTO channel_lockdowns (`+lockdownColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		ON CONFLICT (guild_id, channel_id) DO UPDATE
		SET locked_until = EXCLUDED.locked_until, reason = EXCLUDED.reason, locked_by = EXCLUDED.locked_by
		RETURNING `+lockdownColumns+`, (xmax = 0) AS fresh`,
		l.GuildID, l.ChannelID, l.HadOverwrite, l.PrevAllow, l.PrevDeny, l.LockedBy, l.Reason, l.LockedAt, l.Until)
	type row struct {
		Lockdown
		Fresh bool `db:"fresh"`
	}
	r, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[row])
	if err != nil {
		return Lockdown{}, false, fmt.Errorf("remember the lockdown of channel %s: %w", l.ChannelID, err)
	}
	return r.Lockdown, r.Fresh, nil
}

// Lockdown returns a locked channel's row, or ErrNotFound.
func (s *Store) Lockdown(ctx context.Context, guildID, channelID string) (Lockdown, error) {
	rows, _ := s.pool.Query(ctx, `SELECT `+lockdownColumns+` FROM channel_lockdowns WHERE guild_id = $1 AND channel_id = $2`,
		guildID, channelID)
	l, err := one(pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Lockdown]))
	if err != nil {
		return l, fmt.Errorf("lockdown of channel %s: %w", channelID, err)
	}
	return l, nil
}

// Lockdowns returns a guild's locked channels, oldest first.
func (s *Store) Lockdowns(ctx context.Context, guildID string) ([]Lockdown, error) {
	rows, _ := s.pool.Query(ctx, `SELECT `+lockdownColumns+` FROM channel_lockdowns WHERE guild_id = $1
		ORDER BY locked_at, channel_id`, guildID)
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[Lockdown])
	if err != nil {
		return nil, fmt.Errorf("lockdowns of %s: %w", guildID, err)
	}
	return list, nil
}

// DueLockdowns returns the timed lockdowns whose end is at or before now,
// in every guild, soonest first.
func (s *Store) DueLockdowns(ctx context.Context, now time.Time) ([]Lockdown, error) {
	rows, _ := s.pool.Query(ctx, `SELECT `+lockdownColumns+` FROM channel_lockdowns
		WHERE locked_until IS NOT NULL AND locked_until <= $1 ORDER BY locked_until, guild_id, channel_id`, now)
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[Lockdown])
	if err != nil {
		return nil, fmt.Errorf("due lockdowns: %w", err)
	}
	return list, nil
}

// ForgetLockdown deletes a channel's row once its overwrite is restored
// (or the lock never applied).
func (s *Store) ForgetLockdown(ctx context.Context, guildID, channelID string) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM channel_lockdowns WHERE guild_id = $1 AND channel_id = $2`, guildID, channelID); err != nil {
		return fmt.Errorf("forget the lockdown of channel %s: %w", channelID, err)
	}
	return nil
}

// GuildLock takes a guild's lock named what: a session advisory lock (key
// hashtextextended(what||':'||guild, 30), as Tx.Lock names them) on a
// connection of its own, held until release. It serialises one kind of
// work on a guild across every process on the database and holds no
// transaction open while the caller talks to Discord.
func (s *Store) GuildLock(ctx context.Context, what, guildID string) (release func(), err error) {
	name := what + ":" + guildID
	c, err := s.pool.pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", name, err)
	}
	if _, err := c.Exec(ctx, `SELECT pg_advisory_lock(hashtextextended($1, 30))`, name); err != nil {
		c.Release()
		return nil, fmt.Errorf("lock %s: %w", name, err)
	}
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if _, err := c.Exec(ctx, `SELECT pg_advisory_unlock(hashtextextended($1, 30))`, name); err != nil {
			// Closing the session ends its lock.
			_ = c.Hijack().Close(ctx)
			return
		}
		c.Release()
	}, nil
}
