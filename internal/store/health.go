package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// SecurityCounts are the security table figures the health alert
// thresholds watch.
type SecurityCounts struct {
	AuditLogRows    int64
	UnreviewedFlags int64
	// RateLimitFlaggedUsers counts users with more than the threshold of
	// rate-limit violations in the period.
	RateLimitFlaggedUsers int64
}

// SecurityCounts measures the security tables, leaving out the emulated
// guilds of sandbox and smoke runs (sandbox_guilds). A user is flagged for
// rate limiting with more than violations hits (summing the hourly counts)
// in the last 24 hours.
func (s *Store) SecurityCounts(ctx context.Context, violations int64) (SecurityCounts, error) {
	var c SecurityCounts
	err := s.pool.QueryRow(ctx, `
		SELECT
			(SELECT count(*) FROM audit_log WHERE guild_id NOT IN (SELECT guild_id FROM sandbox_guilds)),
			(SELECT count(*) FROM content_flags WHERE status = 'unreviewed'
				AND guild_id NOT IN (SELECT guild_id FROM sandbox_guilds)),
			(SELECT count(*) FROM (
				SELECT user_id
				FROM rate_limit_violations
				WHERE window_start > now() - interval '24 hours'
				  AND guild_id NOT IN (SELECT guild_id FROM sandbox_guilds)
				GROUP BY user_id
				HAVING sum(count) > $1
			) AS flagged)`, violations).Scan(&c.AuditLogRows, &c.UnreviewedFlags, &c.RateLimitFlaggedUsers)
	if err != nil {
		return SecurityCounts{}, fmt.Errorf("count security table rows: %w", err)
	}
	return c, nil
}

// GuildCounts are the SecurityCounts of one guild, for its admins: the
// audit records and unreviewed flags of that guild, and its members with
// more than violations rate-limit hits since since.
func (s *Store) GuildCounts(ctx context.Context, guildID string, since time.Time, violations int64) (SecurityCounts, error) {
	var c SecurityCounts
	err := s.pool.QueryRow(ctx, `
		SELECT
			(SELECT count(*) FROM audit_log WHERE guild_id = $1),
			(SELECT count(*) FROM content_flags WHERE guild_id = $1 AND status = 'unreviewed'),
			(SELECT count(*) FROM (
				SELECT user_id FROM rate_limit_violations
				WHERE guild_id = $1 AND window_start >= date_trunc('hour', $2::timestamptz)
				GROUP BY user_id HAVING sum(count) > $3
			) AS flagged)`, guildID, since, violations).Scan(&c.AuditLogRows, &c.UnreviewedFlags, &c.RateLimitFlaggedUsers)
	if err != nil {
		return SecurityCounts{}, fmt.Errorf("count security rows of guild %s: %w", guildID, err)
	}
	return c, nil
}

// SecurityTables are the tables migration 010 adds, as the rollout guide's
// table-size query lists them.
var SecurityTables = []string{"audit_log", "user_warnings", "user_moderation", "rate_limit_violations", "content_flags"}

// TableSize is one row of the rollout guide's table-size query.
type TableSize struct {
	Table string `db:"tablename"`
	// Size is pg_size_pretty's rendering, e.g. "48 kB".
	Size  string `db:"size"`
	Bytes int64  `db:"bytes"`
}

// TableSizes runs the rollout guide's table-size query over the security
// tables in the current schema, largest first.
func (s *Store) TableSizes(ctx context.Context) ([]TableSize, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT tablename,
		       pg_size_pretty(pg_total_relation_size(format('%I.%I', schemaname, tablename))) AS size,
		       pg_total_relation_size(format('%I.%I', schemaname, tablename)) AS bytes
		FROM pg_tables
		WHERE schemaname = current_schema() AND tablename = ANY($1)
		ORDER BY bytes DESC, tablename`, SecurityTables)
	if err != nil {
		return nil, fmt.Errorf("query table sizes: %w", err)
	}
	sizes, err := pgx.CollectRows(rows, pgx.RowToStructByName[TableSize])
	if err != nil {
		return nil, fmt.Errorf("read table sizes: %w", err)
	}
	return sizes, nil
}
