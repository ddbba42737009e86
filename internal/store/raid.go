package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// RaidSettings is a guild's raid_settings row (durations in seconds).
type RaidSettings struct {
	GuildID        string `db:"guild_id"`
	Joins          int    `db:"joins"`
	WindowSeconds  int    `db:"window_seconds"`
	YoungPercent   int    `db:"young_percent"`
	YoungSeconds   int64  `db:"young_seconds"`
	Action         string `db:"action"`
	TimeoutSeconds int    `db:"timeout_seconds"`
	Level          int    `db:"level"`
	QuietSeconds   int    `db:"quiet_seconds"`
}

// RaidState is a raid_states row: a guild in raid mode.
type RaidState struct {
	GuildID       string    `db:"guild_id"`
	StartedAt     time.Time `db:"started_at"`
	LastJoinAt    time.Time `db:"last_join_at"`
	Action        string    `db:"action"`
	Enforced      bool      `db:"enforced"`
	PreviousLevel int       `db:"previous_level"`
	Joins         int       `db:"joins"`
}

// RaidSettings returns a guild's raid settings, ErrNotFound when it has
// none.
func (s *Store) RaidSettings(ctx context.Context, guildID string) (RaidSettings, error) {
	rows, _ := s.pool.Query(ctx, `SELECT guild_id, joins, window_seconds, young_percent, young_seconds, action,
		timeout_seconds, level, quiet_seconds FROM raid_settings WHERE guild_id = $1`, guildID)
	set, err := one(pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[RaidSettings]))
	if err != nil && !errors.Is(err, ErrNotFound) {
		return set, fmt.Errorf("raid settings of %s: %w", guildID, err)
	}
	return set, err
}

// SaveRaidSettings stores a guild's raid settings; by changed them. The
// same statement notifies GuildRulesChannel with the guild id, so that
// every process drops its cached settings when it commits.
func (s *Store) SaveRaidSettings(ctx context.Context, set RaidSettings, by string) error {
	_, err := s.pool.Exec(ctx, `WITH saved AS (INSERT INTO raid_settings (guild_id, joins, window_seconds, young_percent, young_seconds,
		action, timeout_seconds, level, quiet_seconds, updated_by, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, now()) ON CONFLICT (guild_id) DO UPDATE SET
		joins = EXCLUDED.joins, window_seconds = EXCLUDED.window_seconds, young_percent = EXCLUDED.young_percent,
		young_seconds = EXCLUDED.young_seconds, action = EXCLUDED.action, timeout_seconds = EXCLUDED.timeout_seconds,
		level = EXCLUDED.level, quiet_seconds = EXCLUDED.quiet_seconds, updated_by = EXCLUDED.updated_by, updated_at = now()
		RETURNING guild_id)
		SELECT pg_notify($11, guild_id) FROM saved`,
		set.GuildID, set.Joins, set.WindowSeconds, set.YoungPercent, set.YoungSeconds, set.Action, set.TimeoutSeconds,
		set.Level, set.QuietSeconds, by, GuildRulesChannel)
	if err != nil {
		return fmt.Errorf("save raid settings of %s: %w", set.GuildID, err)
	}
	return nil
}

// ActiveRaids lists the guilds in raid mode.
func (s *Store) ActiveRaids(ctx context.Context) ([]RaidState, error) {
	rows, _ := s.pool.Query(ctx, `SELECT guild_id, started_at, last_join_at, action, enforced, previous_level, joins
		FROM raid_states ORDER BY guild_id`)
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[RaidState])
	if err != nil {
		return nil, fmt.Errorf("raids in progress: %w", err)
	}
	return list, nil
}

// Raid returns a guild's raid mode, ErrNotFound when it has none.
func (s *Store) Raid(ctx context.Context, guildID string) (RaidState, error) {
	rows, _ := s.pool.Query(ctx, `SELECT guild_id, started_at, last_join_at, action, enforced, previous_level, joins
		FROM raid_states WHERE guild_id = $1`, guildID)
	st, err := one(pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[RaidState]))
	if err != nil && !errors.Is(err, ErrNotFound) {
		return st, fmt.Errorf("raid of %s: %w", guildID, err)
	}
	return st, err
}

// SaveRaid stores a guild's raid mode.
func (s *Store) SaveRaid(ctx context.Context, st RaidState) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO raid_states (guild_id, started_at, last_join_at, action, enforced, previous_level, joins)
		VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (guild_id) DO UPDATE SET
		last_join_at = EXCLUDED.last_join_at, joins = EXCLUDED.joins`,
		st.GuildID, st.StartedAt, st.LastJoinAt, st.Action, st.Enforced, st.PreviousLevel, st.Joins)
	if err != nil {
		return fmt.Errorf("save the raid of %s: %w", st.GuildID, err)
	}
	return nil
}

// EndRaid forgets a guild's raid mode.
func (s *Store) EndRaid(ctx context.Context, guildID string) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM raid_states WHERE guild_id = $1`, guildID); err != nil {
		return fmt.Errorf("end the raid of %s: %w", guildID, err)
	}
	return nil
}
