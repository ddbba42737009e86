package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// AdjustXP changes a member's XP and writes the audit record in the same
// transaction: the adjustment never exists without its record.
func (s *Store) AdjustXP(ctx context.Context, guildID, userID string, delta int64, entry AuditEntry) (Profile, error) {
	var p Profile
	if entry.Details == nil {
		entry.Details = map[string]any{}
	}
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		if p, err = addXP(ctx, tx, guildID, userID, delta); err != nil {
			return err
		}
		entry.Details["delta"] = delta
		entry.Details["newXp"] = p.XP
		return Tx{tx: tx}.Audit(ctx, entry)
	})
	return p, err
}

// ContentFlag is a content_flags row.
type ContentFlag struct {
	ID          int64      `db:"id" json:"id"`
	GuildID     string     `db:"guild_id" json:"guildId"`
	UserID      string     `db:"user_id" json:"userId"`
	ContentType string     `db:"content_type" json:"contentType"`
	FlagReason  string     `db:"flag_reason" json:"flagReason"`
	Category    *string    `db:"category" json:"category"`
	Severity    string     `db:"severity" json:"severity"`
	Excerpt     string     `db:"excerpt" json:"excerpt"`
	MatchedTerm *string    `db:"matched_term" json:"matchedTerm"`
	Status      string     `db:"status" json:"status"`
	ReviewedBy  *string    `db:"reviewed_by" json:"reviewedBy"`
	ReviewedAt  *time.Time `db:"reviewed_at" json:"reviewedAt"`
	CreatedAt   time.Time  `db:"created_at" json:"createdAt"`
}

const flagColumns = `id, guild_id, user_id, content_type, flag_reason, category, severity, excerpt, matched_term, status, reviewed_by, reviewed_at, created_at`

// UnreviewedFlags returns a guild's review queue, oldest first, and its
// total size.
func (s *Store) UnreviewedFlags(ctx context.Context, guildID string, limit int) ([]ContentFlag, int, error) {
	rows, _ := s.pool.Query(ctx, `SELECT `+flagColumns+` FROM content_flags
		WHERE guild_id = $1 AND status = 'unreviewed' ORDER BY created_at, id LIMIT $2`, guildID, limit)
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[ContentFlag])
	if err != nil {
		return nil, 0, fmt.Errorf("unreviewed flags of %s: %w", guildID, err)
	}
	var total int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM content_flags WHERE guild_id = $1 AND status = 'unreviewed'`,
		guildID).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count unreviewed flags of %s: %w", guildID, err)
	}
	return list, total, nil
}

// ReviewFlag sets a guild's unreviewed flag to status ("dismissed" or
// "confirmed") and writes the audit record in the same transaction. A flag
// of another guild, or one already reviewed, is ErrNotFound.
func (s *Store) ReviewFlag(ctx context.Context, guildID string, id int64, status, reviewer string, entry AuditEntry) (ContentFlag, error) {
	var f ContentFlag
	if entry.Details == nil {
		entry.Details = map[string]any{}
	}
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, `UPDATE content_flags SET status = $3, reviewed_by = $4, reviewed_at = now()
			WHERE guild_id = $1 AND id = $2 AND status = 'unreviewed' RETURNING `+flagColumns, guildID, id, status, reviewer)
		var err error
		if f, err = one(pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[ContentFlag])); err != nil {
			return err
		}
		entry.TargetID = f.UserID
		entry.Details["flagId"] = f.ID
		entry.Details["status"] = status
		entry.Details["contentType"] = f.ContentType
		return Tx{tx: tx}.Audit(ctx, entry)
	})
	if err != nil {
		return f, fmt.Errorf("review flag %d in %s: %w", id, guildID, err)
	}
	return f, nil
}

// FlaggedUser is a member with more rate-limit violations than the
// threshold in a period.
type FlaggedUser struct {
	UserID     string    `db:"user_id" json:"userId"`
	Violations int64     `db:"violations" json:"violations"`
	Commands   []string  `db:"commands" json:"commands"`
	LastAt     time.Time `db:"last_at" json:"lastAt"`
}

// FlaggedUsers returns a guild's members with more than threshold
// violations since since, most first.
func (s *Store) FlaggedUsers(ctx context.Context, guildID string, since time.Time, threshold, limit int) ([]FlaggedUser, error) {
	rows, _ := s.pool.Query(ctx, `
		SELECT user_id, sum(count)::bigint AS violations, array_agg(DISTINCT command_name ORDER BY command_name) AS commands,
		       max(last_at) AS last_at
		FROM rate_limit_violations
		WHERE guild_id = $1 AND window_start >= date_trunc('hour', $2::timestamptz)
		GROUP BY user_id HAVING sum(count) > $3
		ORDER BY violations DESC, user_id LIMIT $4`, guildID, since, threshold, limit)
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[FlaggedUser])
	if err != nil {
		return nil, fmt.Errorf("flagged users of %s: %w", guildID, err)
	}
	return list, nil
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
