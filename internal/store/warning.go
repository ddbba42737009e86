package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Warning is a user_warnings row: a strike.
type Warning struct {
	ID            int64      `db:"id"`
	GuildID       string     `db:"guild_id"`
	UserID        string     `db:"user_id"`
	ModeratorID   string     `db:"moderator_id"`
	Reason        string     `db:"reason"`
	Severity      string     `db:"severity"`
	CaseNumber    int64      `db:"case_number"`
	InteractionID *string    `db:"interaction_id"`
	CreatedAt     time.Time  `db:"created_at"`
	ExpiresAt     time.Time  `db:"expires_at"`
	PardonedAt    *time.Time `db:"pardoned_at"`
	PardonedBy    *string    `db:"pardoned_by"`
	PardonReason  *string    `db:"pardon_reason"`
	DMStatus      string     `db:"dm_status"`
	// ModLogChannelID and ModLogMessageID are the warning's mod-log post,
	// once Discord took it (nil before, or without a mod log).
	ModLogChannelID *string `db:"modlog_channel_id"`
	ModLogMessageID *string `db:"modlog_message_id"`
}

// Active reports whether the strike counts at time now.
func (w Warning) Active(now time.Time) bool { return w.PardonedAt == nil && w.ExpiresAt.After(now) }

const warningColumns = `id, guild_id, user_id, moderator_id, reason, severity, coalesce(case_number, 0) AS case_number,
	interaction_id, created_at, expires_at, pardoned_at, pardoned_by, pardon_reason, dm_status,
	modlog_channel_id, modlog_message_id`

// runner is what the pool and a transaction both run statements with, for
// reads that Store and Tx share.
type runner interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// findWarning returns the first warning matching where, or ErrNotFound.
func findWarning(ctx context.Context, q runner, where string, args ...any) (Warning, error) {
	rows, _ := q.Query(ctx, `SELECT `+warningColumns+` FROM user_warnings WHERE `+where, args...)
	return one(pgx.CollectOneRow(rows, pgx.RowToStructByName[Warning]))
}

// WarningByInteraction returns the warning an interaction gave, or
// ErrNotFound: a redelivered interaction never warns twice.
func (t Tx) WarningByInteraction(ctx context.Context, interactionID string) (Warning, error) {
	w, err := findWarning(ctx, t.tx, `interaction_id = $1`, interactionID)
	if err != nil {
		return w, fmt.Errorf("look up interaction %s: %w", interactionID, err)
	}
	return w, nil
}

// RepeatedWarning returns the latest warning moderatorID gave userID for
// reason after since, or ErrNotFound: a double submit.
func (t Tx) RepeatedWarning(ctx context.Context, guildID, userID, moderatorID, reason string, since time.Time) (Warning, error) {
	w, err := findWarning(ctx, t.tx, `guild_id = $1 AND user_id = $2 AND moderator_id = $3 AND reason = $4
			AND created_at > $5 ORDER BY created_at DESC LIMIT 1`,
		guildID, userID, moderatorID, reason, since)
	if err != nil {
		return w, fmt.Errorf("look for a double submit: %w", err)
	}
	return w, nil
}

// WarningByCase returns a guild's warning by case number, locked until the
// transaction ends, or ErrNotFound.
func (t Tx) WarningByCase(ctx context.Context, guildID string, caseNumber int64) (Warning, error) {
	w, err := findWarning(ctx, t.tx, `guild_id = $1 AND case_number = $2 FOR UPDATE`, guildID, caseNumber)
	if err != nil {
		return w, fmt.Errorf("lock case %d: %w", caseNumber, err)
	}
	return w, nil
}

// WarnedByCase returns the member a guild's case is about, or ErrNotFound.
func (t Tx) WarnedByCase(ctx context.Context, guildID string, caseNumber int64) (string, error) {
	var userID string
	err := t.tx.QueryRow(ctx, `SELECT user_id FROM user_warnings WHERE guild_id = $1 AND case_number = $2`,
		guildID, caseNumber).Scan(&userID)
	if userID, err = one(userID, err); err != nil {
		return "", fmt.Errorf("look up case %d: %w", caseNumber, err)
	}
	return userID, nil
}

func countActiveWarnings(ctx context.Context, q runner, guildID, userID string, now time.Time) (int, error) {
	var n int
	err := q.QueryRow(ctx, `SELECT count(*) FROM user_warnings
		WHERE guild_id = $1 AND user_id = $2 AND pardoned_at IS NULL AND expires_at > $3`, guildID, userID, now).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count strikes of %s: %w", userID, err)
	}
	return n, nil
}

// CountActiveWarnings counts a member's strikes that are neither pardoned
// nor expired at now.
func (t Tx) CountActiveWarnings(ctx context.Context, guildID, userID string, now time.Time) (int, error) {
	return countActiveWarnings(ctx, t.tx, guildID, userID, now)
}

// CountActiveWarnings counts a member's strikes that are neither pardoned
// nor expired at now.
func (s *Store) CountActiveWarnings(ctx context.Context, guildID, userID string, now time.Time) (int, error) {
	return countActiveWarnings(ctx, s.pool, guildID, userID, now)
}

// NextCase takes the guild's next case number.
func (t Tx) NextCase(ctx context.Context, guildID string) (int64, error) {
	var caseNumber int64
	if err := t.tx.QueryRow(ctx, `INSERT INTO guild_case_counters (guild_id, last_case) VALUES ($1, 1)
			ON CONFLICT (guild_id) DO UPDATE SET last_case = guild_case_counters.last_case + 1
			RETURNING last_case`, guildID).Scan(&caseNumber); err != nil {
		return 0, fmt.Errorf("next case number: %w", err)
	}
	return caseNumber, nil
}

// InsertWarning records w (its guild, member, moderator, reason, severity,
// case number, interaction and times) and returns the stored row.
func (t Tx) InsertWarning(ctx context.Context, w Warning) (Warning, error) {
	rows, _ := t.tx.Query(ctx, `INSERT INTO user_warnings
			(guild_id, user_id, moderator_id, reason, severity, case_number, interaction_id, created_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING `+warningColumns,
		w.GuildID, w.UserID, w.ModeratorID, w.Reason, w.Severity, w.CaseNumber, w.InteractionID, w.CreatedAt, w.ExpiresAt)
	w, err := pgx.CollectOneRow(rows, pgx.RowToStructByName[Warning])
	if err != nil {
		return w, fmt.Errorf("insert warning: %w", err)
	}
	return w, nil
}

// PardonWarning marks a guild's warning pardoned at at by by for reason, and
// returns the updated row.
func (t Tx) PardonWarning(ctx context.Context, guildID string, id int64, at time.Time, by, reason string) (Warning, error) {
	rows, _ := t.tx.Query(ctx, `UPDATE user_warnings SET pardoned_at = $3, pardoned_by = $4, pardon_reason = $5
			WHERE guild_id = $1 AND id = $2 RETURNING `+warningColumns, guildID, id, at, by, reason)
	w, err := one(pgx.CollectOneRow(rows, pgx.RowToStructByName[Warning]))
	if err != nil {
		return w, fmt.Errorf("pardon warning %d: %w", id, err)
	}
	return w, nil
}

// Warnings returns a member's warnings, newest first.
func (s *Store) Warnings(ctx context.Context, guildID, userID string, limit int) ([]Warning, error) {
	rows, _ := s.pool.Query(ctx, `SELECT `+warningColumns+` FROM user_warnings
		WHERE guild_id = $1 AND user_id = $2 ORDER BY created_at DESC, id DESC LIMIT $3`, guildID, userID, limit)
	ws, err := pgx.CollectRows(rows, pgx.RowToStructByName[Warning])
	if err != nil {
		return nil, fmt.Errorf("warnings of %s: %w", userID, err)
	}
	return ws, nil
}

// SettleWarningDM records what became of a warning's queued DM while it is
// still pending, and returns the warning; ErrNotFound when it is not (its
// outcome already recorded) or there is no such warning.
func (t Tx) SettleWarningDM(ctx context.Context, guildID string, id int64, status string) (Warning, error) {
	rows, _ := t.tx.Query(ctx, `UPDATE user_warnings SET dm_status = $3
		WHERE guild_id = $1 AND id = $2 AND dm_status = 'pending' RETURNING `+warningColumns, guildID, id, status)
	w, err := one(pgx.CollectOneRow(rows, pgx.RowToStructByName[Warning]))
	if err != nil {
		return w, fmt.Errorf("settle the DM of warning %d: %w", id, err)
	}
	return w, nil
}

// SetWarningDMStatus records what became of a warning's DM.
func (s *Store) SetWarningDMStatus(ctx context.Context, guildID string, id int64, status string) error {
	if _, err := s.pool.Exec(ctx, `UPDATE user_warnings SET dm_status = $3 WHERE guild_id = $1 AND id = $2`,
		guildID, id, status); err != nil {
		return fmt.Errorf("store DM status of warning %d: %w", id, err)
	}
	return nil
}

// SetWarningModLogPost records the mod-log post of a warning and returns
// the warning as it is now, its dm_status included: a queued DM may have
// settled while the post was made, and the post then needs the edit that
// SettleWarningDM's caller could not make without it. ErrNotFound when
// there is no such warning.
func (s *Store) SetWarningModLogPost(ctx context.Context, guildID string, id int64, channelID, messageID string) (Warning, error) {
	rows, _ := s.pool.Query(ctx, `UPDATE user_warnings SET modlog_channel_id = $3, modlog_message_id = $4
		WHERE guild_id = $1 AND id = $2 RETURNING `+warningColumns, guildID, id, channelID, messageID)
	w, err := one(pgx.CollectOneRow(rows, pgx.RowToStructByName[Warning]))
	if err != nil {
		return w, fmt.Errorf("record the mod-log post of warning %d: %w", id, err)
	}
	return w, nil
}
