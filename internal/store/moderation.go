package store

import (
	"context"
	"fmt"
	"time"
)

// ModerationAction is a user_moderation row: a timeout or ban a strike
// brought (or its reversal), and what became of it: pending (recorded
// before Discord is asked), applied, failed, or simulated (safe mode).
type ModerationAction struct {
	ID          int64      `db:"id"`
	GuildID     string     `db:"guild_id"`
	UserID      string     `db:"user_id"`
	Action      string     `db:"action"`
	ModeratorID string     `db:"moderator_id"`
	Reason      string     `db:"reason"`
	Enforced    bool       `db:"enforced"`
	ExpiresAt   *time.Time `db:"expires_at"`
	CreatedAt   time.Time  `db:"created_at"`
	WarningID   *int64     `db:"warning_id"`
	Status      string     `db:"status"`
	Error       *string    `db:"error"`
}

func insertModeration(ctx context.Context, q runner, m ModerationAction) (int64, error) {
	var id int64
	if err := q.QueryRow(ctx, `INSERT INTO user_moderation
		(guild_id, user_id, action, moderator_id, reason, enforced, expires_at, created_at, warning_id, status, error)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
		m.GuildID, m.UserID, m.Action, m.ModeratorID, m.Reason, m.Enforced, m.ExpiresAt, m.CreatedAt, m.WarningID, m.Status, m.Error,
	).Scan(&id); err != nil {
		return 0, fmt.Errorf("record %s of %s: %w", m.Action, m.UserID, err)
	}
	return id, nil
}

// InsertModeration records m and returns its id.
func (t Tx) InsertModeration(ctx context.Context, m ModerationAction) (int64, error) {
	return insertModeration(ctx, t.tx, m)
}

// InsertModeration records m and returns its id.
func (s *Store) InsertModeration(ctx context.Context, m ModerationAction) (int64, error) {
	return insertModeration(ctx, s.pool, m)
}

// SetModerationOutcome records what became of a guild's moderation action:
// its status, whether Discord applied it, and why not (nil: no error).
func (t Tx) SetModerationOutcome(ctx context.Context, guildID string, id int64, status string, enforced bool, msg *string) error {
	if _, err := t.tx.Exec(ctx, `UPDATE user_moderation SET status = $3, enforced = $4, error = $5
			WHERE guild_id = $1 AND id = $2`, guildID, id, status, enforced, msg); err != nil {
		return fmt.Errorf("record the outcome of moderation %d: %w", id, err)
	}
	return nil
}

// FailModeration marks a guild's moderation action failed, with msg.
func (s *Store) FailModeration(ctx context.Context, guildID string, id int64, msg string) error {
	if _, err := s.pool.Exec(ctx, `UPDATE user_moderation SET status = 'failed', error = $3 WHERE guild_id = $1 AND id = $2`,
		guildID, id, msg); err != nil {
		return fmt.Errorf("mark moderation %d failed: %w", id, err)
	}
	return nil
}

// AppliedAction returns the action (timeout or ban) a guild's warning
// brought that Discord applied, or ErrNotFound.
func (t Tx) AppliedAction(ctx context.Context, guildID string, warningID int64) (string, error) {
	var action *string
	if err := t.tx.QueryRow(ctx, `SELECT max(action) FROM user_moderation WHERE guild_id = $1 AND warning_id = $2
			AND status = 'applied'`, guildID, warningID).Scan(&action); err != nil {
		return "", fmt.Errorf("actions of warning %d: %w", warningID, err)
	}
	if action == nil {
		return "", ErrNotFound
	}
	return *action, nil
}

// ClaimedBan is a strike's ban claimed for confirmation: its
// user_moderation id and the strike's reason and moderator.
type ClaimedBan struct {
	ID          int64
	Reason      string
	ModeratorID string
}

// ClaimBan claims the pending ban of a guild's unpardoned case against
// userID whose error is mark (awaiting confirmation): it becomes actorID's
// and loses the mark, so only the first claim gets it. A ban already
// claimed, or of a pardoned case, is ErrNotFound.
func (t Tx) ClaimBan(ctx context.Context, guildID, userID string, caseNumber int64, actorID, mark string) (ClaimedBan, error) {
	var c ClaimedBan
	err := t.tx.QueryRow(ctx, `UPDATE user_moderation m SET moderator_id = $4, error = NULL
			FROM user_warnings w
			WHERE w.guild_id = $1 AND w.user_id = $2 AND w.case_number = $3 AND w.pardoned_at IS NULL
			AND m.guild_id = $1 AND m.warning_id = w.id AND m.action = 'ban' AND m.status = 'pending' AND m.error = $5
			RETURNING m.id, w.reason, w.moderator_id`,
		guildID, userID, caseNumber, actorID, mark).Scan(&c.ID, &c.Reason, &c.ModeratorID)
	return one(c, err)
}

// ModerationOutcomes counts a guild's timeouts and bans since a time by how
// they ended: applied by Discord, refused by Discord (failed), or only
// recorded in safe mode (simulated).
type ModerationOutcomes struct {
	Applied, Failed, Simulated int
}

// RecentModerationOutcomes counts user_moderation rows since since.
func (s *Store) RecentModerationOutcomes(ctx context.Context, guildID string, since time.Time) (ModerationOutcomes, error) {
	var o ModerationOutcomes
	err := s.pool.QueryRow(ctx, `
		SELECT count(*) FILTER (WHERE status = 'applied'), count(*) FILTER (WHERE status = 'failed'),
		       count(*) FILTER (WHERE status = 'simulated')
		FROM user_moderation WHERE guild_id = $1 AND created_at >= $2 AND action IN ('timeout', 'ban')`,
		guildID, since).Scan(&o.Applied, &o.Failed, &o.Simulated)
	if err != nil {
		return o, fmt.Errorf("moderation outcomes of %s: %w", guildID, err)
	}
	return o, nil
}
