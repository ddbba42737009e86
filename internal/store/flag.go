package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// ContentFlag is a content_flags row: a member's text the content moderator
// flagged, waiting for (or after) review.
type ContentFlag struct {
	ID          int64   `db:"id" json:"id"`
	GuildID     string  `db:"guild_id" json:"guildId"`
	UserID      string  `db:"user_id" json:"userId"`
	ContentType string  `db:"content_type" json:"contentType"`
	FlagReason  string  `db:"flag_reason" json:"flagReason"`
	Category    *string `db:"category" json:"category"`
	Severity    string  `db:"severity" json:"severity"`
	Excerpt     string  `db:"excerpt" json:"excerpt"`
	MatchedTerm *string `db:"matched_term" json:"matchedTerm"`
	// ChannelID and MessageID name the message a flag from the server's
	// channels is about (a message, an AutoMod action, a report), for the
	// jump link; nil for text typed into the bot's own commands.
	ChannelID *string `db:"channel_id" json:"channelId"`
	MessageID *string `db:"message_id" json:"messageId"`
	// MessageDeleted is set when the bot deleted the flagged message; the
	// excerpt is then the evidence left.
	MessageDeleted bool `db:"message_deleted" json:"messageDeleted"`
	// ReporterID and ReportReason are set on a member's report. They are
	// shown to moderators only: never to the reported member, never in the
	// reported member's data export.
	ReporterID   *string    `db:"reporter_id" json:"reporterId"`
	ReportReason *string    `db:"report_reason" json:"reportReason"`
	Status       string     `db:"status" json:"status"`
	ReviewedBy   *string    `db:"reviewed_by" json:"reviewedBy"`
	ReviewedAt   *time.Time `db:"reviewed_at" json:"reviewedAt"`
	CreatedAt    time.Time  `db:"created_at" json:"createdAt"`
}

const flagColumns = `id, guild_id, user_id, content_type, flag_reason, category, severity, excerpt, matched_term,
	channel_id, message_id, message_deleted, reporter_id, report_reason, status, reviewed_by, reviewed_at, created_at`

// AddFlag stores a new, unreviewed flag: f's guild, member, content type,
// reason, category, severity, excerpt, matched term, and the message,
// deletion and report fields when set.
func (s *Store) AddFlag(ctx context.Context, f ContentFlag) error {
	_, err := s.pool.Exec(ctx, `
		INSERT INTO content_flags (guild_id, user_id, content_type, flag_reason, category, severity, excerpt, matched_term,
			channel_id, message_id, message_deleted, reporter_id, report_reason)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
		f.GuildID, f.UserID, f.ContentType, f.FlagReason, f.Category, f.Severity, f.Excerpt, f.MatchedTerm,
		f.ChannelID, f.MessageID, f.MessageDeleted, f.ReporterID, f.ReportReason)
	if err != nil {
		return fmt.Errorf("store content flag for %s: %w", f.UserID, err)
	}
	return nil
}

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
	err := s.InTx(ctx, func(tx Tx) error {
		var err error
		if f, err = tx.MarkFlagReviewed(ctx, guildID, id, status, reviewer); err != nil {
			return err
		}
		entry.TargetID = f.UserID
		entry.Details["flagId"] = f.ID
		entry.Details["status"] = status
		entry.Details["contentType"] = f.ContentType
		return tx.Audit(ctx, entry)
	})
	if err != nil {
		return f, fmt.Errorf("review flag %d in %s: %w", id, guildID, err)
	}
	return f, nil
}

// ErrSelfReview refuses a review of the reviewer's own content: another
// moderator must review it.
var ErrSelfReview = errors.New("a flag on the reviewer's own content")

// MarkFlagReviewed sets a guild's unreviewed flag to status ("dismissed" or
// "confirmed") by reviewer, for a review that writes more in the same
// transaction. A flag of another guild, or one already reviewed, is
// ErrNotFound; a flag on the reviewer's own content is ErrSelfReview.
func (t Tx) MarkFlagReviewed(ctx context.Context, guildID string, id int64, status, reviewer string) (ContentFlag, error) {
	rows, _ := t.tx.Query(ctx, `UPDATE content_flags SET status = $3, reviewed_by = $4, reviewed_at = now()
		WHERE guild_id = $1 AND id = $2 AND status = 'unreviewed' AND user_id <> $4 RETURNING `+flagColumns, guildID, id, status, reviewer)
	f, err := one(pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[ContentFlag]))
	if !errors.Is(err, ErrNotFound) {
		return f, err
	}
	// Nothing updated: only now tell a flag on the reviewer's own content
	// from a missing or reviewed one.
	var own bool
	serr := t.tx.QueryRow(ctx, `SELECT true FROM content_flags
		WHERE guild_id = $1 AND id = $2 AND status = 'unreviewed' AND user_id = $3`, guildID, id, reviewer).Scan(&own)
	switch {
	case serr == nil:
		return f, ErrSelfReview
	case errors.Is(serr, pgx.ErrNoRows):
		return f, ErrNotFound
	default:
		return f, fmt.Errorf("author of flag %d in %s: %w", id, guildID, serr)
	}
}
