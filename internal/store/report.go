package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Content types of a member's report in content_flags.
const (
	ContentMessageReport = "message_report"
	ContentUserReport    = "user_report"
)

// ReportActionType is the audit action of a member's report. Migration
// 073's privacy_erase_audit knows it by this name: erasing the reporter
// pseudonymises it.
const ReportActionType = "member-report"

// ReportDraft is a report_drafts row: what a context-menu report captured
// (the reported member and, for a message, the message as it was), waiting
// for the reason the modal asks for.
type ReportDraft struct {
	Nonce        string    `db:"nonce"`
	GuildID      string    `db:"guild_id"`
	ReporterID   string    `db:"reporter_id"`
	TargetUserID string    `db:"target_user_id"`
	ContentType  string    `db:"content_type"`
	ChannelID    *string   `db:"channel_id"`
	MessageID    *string   `db:"message_id"`
	Excerpt      string    `db:"excerpt"`
	CreatedAt    time.Time `db:"created_at"`
	ExpiresAt    time.Time `db:"expires_at"`
}

// SaveReportDraft stores d to expire ttl from now (the database's clock),
// first deleting drafts that expired (abandoned modals), so that the table
// holds no more than the last minutes' reports.
func (s *Store) SaveReportDraft(ctx context.Context, d ReportDraft, ttl time.Duration) error {
	err := s.InTx(ctx, func(tx Tx) error {
		if _, err := tx.tx.Exec(ctx, `DELETE FROM report_drafts WHERE expires_at < now()`); err != nil {
			return fmt.Errorf("delete expired drafts: %w", err)
		}
		_, err := tx.tx.Exec(ctx, `
			INSERT INTO report_drafts (nonce, guild_id, reporter_id, target_user_id, content_type, channel_id, message_id, excerpt, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now() + $9::float8 * interval '1 second')`,
			d.Nonce, d.GuildID, d.ReporterID, d.TargetUserID, d.ContentType, d.ChannelID, d.MessageID, d.Excerpt, ttl.Seconds())
		return err
	})
	if err != nil {
		return fmt.Errorf("save report draft of %s: %w", d.ReporterID, err)
	}
	return nil
}

// ErrReportLimit refuses a report beyond the reporter's allowance.
var ErrReportLimit = errors.New("report limit reached")

// ErrReportPending refuses a report of what the reporter already reported
// and moderators have not reviewed yet.
var ErrReportPending = errors.New("already reported, waiting for review")

// Report is a member's report to file from a draft.
type Report struct {
	GuildID, ReporterID, Nonce string
	// Reason is the reporter's reason, shown to moderators only.
	Reason string
	// FlagReason and Severity are the queue entry's.
	FlagReason, Severity string
	// Limit reports per Window per reporter and guild; the report that
	// would exceed it is ErrReportLimit.
	Limit  int
	Window time.Duration
	// Audit is the report's audit record; FileReport adds the flag id.
	Audit AuditEntry
}

// FileReport turns the reporter's unexpired draft into a review-queue
// entry with the reporter and reason, and writes its audit record, in one
// transaction. Reports of one reporter in a guild are serialised, so the
// limit holds under concurrent submits. A missing, expired or someone
// else's draft is ErrNotFound; a report over the limit ErrReportLimit (the
// draft is kept).
func (s *Store) FileReport(ctx context.Context, r Report) (ContentFlag, error) {
	var f ContentFlag
	err := s.InTx(ctx, func(tx Tx) error {
		if err := tx.Lock(ctx, "report", r.GuildID, r.ReporterID); err != nil {
			return err
		}
		n, err := tx.countReports(ctx, r.GuildID, r.ReporterID, r.Window)
		if err != nil {
			return err
		}
		if n >= r.Limit {
			return ErrReportLimit
		}
		rows, _ := tx.tx.Query(ctx, `DELETE FROM report_drafts
			WHERE nonce = $1 AND guild_id = $2 AND reporter_id = $3 AND expires_at >= now() RETURNING *`, r.Nonce, r.GuildID, r.ReporterID)
		d, err := one(pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[ReportDraft]))
		if err != nil {
			return err
		}
		if err := tx.checkPending(ctx, d); err != nil {
			return err
		}
		rows, _ = tx.tx.Query(ctx, `
			INSERT INTO content_flags (guild_id, user_id, content_type, flag_reason, severity, excerpt, channel_id, message_id, reporter_id, report_reason)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING `+flagColumns,
			d.GuildID, d.TargetUserID, d.ContentType, r.FlagReason, r.Severity, d.Excerpt, d.ChannelID, d.MessageID, d.ReporterID, r.Reason)
		if f, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[ContentFlag]); err != nil {
			return fmt.Errorf("insert flag: %w", err)
		}
		entry := r.Audit
		if entry.Details == nil {
			entry.Details = map[string]any{}
		}
		entry.Details["flagId"] = f.ID
		entry.Details["contentType"] = f.ContentType
		return tx.Audit(ctx, entry)
	})
	if err != nil {
		return f, fmt.Errorf("file report of %s in %s: %w", r.ReporterID, r.GuildID, err)
	}
	return f, nil
}

// CheckReport refuses a report that d would duplicate: reporterID's
// report of the same message (or, for a member, of the same member) still
// waiting for review is ErrReportPending.
func (s *Store) CheckReport(ctx context.Context, d ReportDraft) error {
	return s.InTx(ctx, func(tx Tx) error { return tx.checkPending(ctx, d) })
}

func (t Tx) checkPending(ctx context.Context, d ReportDraft) error {
	var pending bool
	err := t.tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM content_flags
		WHERE guild_id = $1 AND reporter_id = $2 AND status = 'unreviewed' AND content_type = $3 AND user_id = $4
		  AND message_id IS NOT DISTINCT FROM $5)`, d.GuildID, d.ReporterID, d.ContentType, d.TargetUserID, d.MessageID).Scan(&pending)
	switch {
	case err != nil:
		return fmt.Errorf("pending reports of %s: %w", d.ReporterID, err)
	case pending:
		return ErrReportPending
	}
	return nil
}

// CountReports counts the reports reporterID filed in guildID within the
// last window.
func (s *Store) CountReports(ctx context.Context, guildID, reporterID string, window time.Duration) (int, error) {
	var n int
	err := s.InTx(ctx, func(tx Tx) error {
		var err error
		n, err = tx.countReports(ctx, guildID, reporterID, window)
		return err
	})
	return n, err
}

func (t Tx) countReports(ctx context.Context, guildID, reporterID string, window time.Duration) (int, error) {
	var n int
	err := t.tx.QueryRow(ctx, `SELECT count(*) FROM content_flags
		WHERE guild_id = $1 AND reporter_id = $2 AND created_at > now() - $3::float8 * interval '1 second'`,
		guildID, reporterID, window.Seconds()).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count reports of %s in %s: %w", reporterID, guildID, err)
	}
	return n, nil
}

// ReporterHistory is what moderators see of a reporter: the reports they
// filed and how the reviewed ones ended.
type ReporterHistory struct {
	ReporterID string `db:"reporter_id"`
	Filed      int    `db:"filed"`
	Dismissed  int    `db:"dismissed"`
	// RecentReviewed and RecentDismissed count among the reporter's last
	// reviewed reports (as many as asked for).
	RecentReviewed  int `db:"recent_reviewed"`
	RecentDismissed int `db:"recent_dismissed"`
}

// ReporterHistories returns the histories of reporterIDs in guildID, by
// reporter, looking at the last recent reviewed reports of each for the
// Recent counts. A reporter with no report has no entry.
func (s *Store) ReporterHistories(ctx context.Context, guildID string, reporterIDs []string, recent int) (map[string]ReporterHistory, error) {
	rows, _ := s.pool.Query(ctx, `
		WITH r AS (
			SELECT reporter_id, status,
			       row_number() OVER (PARTITION BY reporter_id, status <> 'unreviewed' ORDER BY created_at DESC, id DESC) AS rn
			FROM content_flags WHERE guild_id = $1 AND reporter_id = ANY($2))
		SELECT reporter_id, count(*)::int AS filed,
		       (count(*) FILTER (WHERE status = 'dismissed'))::int AS dismissed,
		       (count(*) FILTER (WHERE status <> 'unreviewed' AND rn <= $3))::int AS recent_reviewed,
		       (count(*) FILTER (WHERE status = 'dismissed' AND rn <= $3))::int AS recent_dismissed
		FROM r GROUP BY reporter_id`, guildID, reporterIDs, recent)
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[ReporterHistory])
	if err != nil {
		return nil, fmt.Errorf("reporter histories in %s: %w", guildID, err)
	}
	out := make(map[string]ReporterHistory, len(list))
	for _, h := range list {
		out[h.ReporterID] = h
	}
	return out, nil
}
