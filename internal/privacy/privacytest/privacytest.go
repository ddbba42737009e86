// Package privacytest builds members with data in every category the GDPR
// export covers, for the privacy package's and the end-to-end tests and
// the export benchmark. As a test fixture it writes its rows with plain SQL,
// the one exception to SQL living in package store.
package privacytest

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Member says whose rows to create.
type Member struct {
	GuildID, UserID string
	// OtherID is another member: the opponent in duels and the moderator
	// in warnings, moderation actions and audit records.
	OtherID string
	// Marker is written into every free-text field, so that a test can
	// search an export or the database for the member's words.
	Marker string
}

// Expected is what the export must hold: per section key, each row's
// identity (its "id", or "module" for course progress, "guildId" for the
// profile) in export order.
type Expected map[string][]string

// Seed inserts n rows in every category for m (one profile) and returns
// their identities.
func Seed(ctx context.Context, pool *pgxpool.Pool, m Member, n int) (Expected, error) {
	exp := Expected{}
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		base := time.Date(2025, 9, 1, 12, 0, 0, 0, time.UTC)
		if _, err := tx.Exec(ctx, `INSERT INTO member_profiles (guild_id, user_id, xp, level, streak_days, last_active_day)
			VALUES ($1, $2, 150, 1, 3, '2025-10-06')`, m.GuildID, m.UserID); err != nil {
			return fmt.Errorf("profile: %w", err)
		}
		exp["profile"] = []string{m.GuildID}
		for i := range n {
			at := base.Add(time.Duration(i) * time.Hour)
			day := base.AddDate(0, 0, i)
			text := fmt.Sprintf("%s %d", m.Marker, i)
			insert := func(key, sql string, args ...any) error {
				var id int64
				if err := tx.QueryRow(ctx, sql+` RETURNING id`, args...).Scan(&id); err != nil {
					return fmt.Errorf("%s: %w", key, err)
				}
				exp[key] = append(exp[key], strconv.FormatInt(id, 10))
				return nil
			}
			steps := []func() error{
				func() error {
					return insert("stats", `INSERT INTO stats_submissions (guild_id, user_id, day, approaches, contacts, dates, xp_awarded, created_at)
						VALUES ($1, $2, $3, 2, 1, 0, 30, $4)`, m.GuildID, m.UserID, day, at)
				},
				func() error {
					return insert("dailyRecords", `INSERT INTO daily_records (guild_id, user_id, day, note, created_at)
						VALUES ($1, $2, $3, $4, $5)`, m.GuildID, m.UserID, day, text, at)
				},
				func() error {
					return insert("tenseys", `INSERT INTO tenseys (guild_id, user_id, description, created_at) VALUES ($1, $2, $3, $4)`,
						m.GuildID, m.UserID, text, at)
				},
				func() error {
					return insert("barbieList", `INSERT INTO barbie_list (guild_id, user_id, name, notes, created_at, updated_at)
						VALUES ($1, $2, $3, $4, $5, $5)`, m.GuildID, m.UserID, "Contact "+strconv.Itoa(i), text, at)
				},
				func() error {
					return insert("journalEntries", `INSERT INTO journal_entries (guild_id, user_id, content, created_at) VALUES ($1, $2, $3, $4)`,
						m.GuildID, m.UserID, text, at)
				},
				func() error {
					module := fmt.Sprintf("module-%03d", i)
					if _, err := tx.Exec(ctx, `INSERT INTO course_progress (guild_id, user_id, module, completed_at) VALUES ($1, $2, $3, $4)`,
						m.GuildID, m.UserID, module, at); err != nil {
						return fmt.Errorf("courseProgress: %w", err)
					}
					exp["courseProgress"] = append(exp["courseProgress"], module)
					return nil
				},
				func() error {
					return insert("duels", `INSERT INTO duels (guild_id, challenger_id, opponent_id, stake_xp, status, winner_id, created_at, resolved_at)
						VALUES ($1, $2, $3, 10, 'finished', $2, $4, $4)`, m.GuildID, m.UserID, m.OtherID, at)
				},
				func() error {
					return insert("warnings", `INSERT INTO user_warnings (guild_id, user_id, moderator_id, reason, created_at, expires_at)
						VALUES ($1, $2, $3, $4, $5, $5::timestamptz + interval '30 days')`, m.GuildID, m.UserID, m.OtherID, text, at)
				},
				func() error {
					// Reviewed: erasure blanks the excerpt at once (a flag
					// still waiting for review keeps it until reviewed).
					return insert("contentFlags", `INSERT INTO content_flags (guild_id, user_id, content_type, flag_reason, excerpt,
						status, reviewed_by, reviewed_at, created_at)
						VALUES ($1, $2, 'journal', 'toxic_language', $3, 'dismissed', $5, $4, $4)`, m.GuildID, m.UserID, text, at, m.OtherID)
				},
				func() error {
					return insert("rateLimitViolations", `INSERT INTO rate_limit_violations (guild_id, user_id, command_name, window_start, count, first_at, last_at)
						VALUES ($1, $2, 'submit-stats', $3, 2, $3, $3)`, m.GuildID, m.UserID, at)
				},
				func() error {
					return insert("moderationActions", `INSERT INTO user_moderation (guild_id, user_id, action, moderator_id, reason, created_at)
						VALUES ($1, $2, 'timeout', $3, $4, $5)`, m.GuildID, m.UserID, m.OtherID, text, at)
				},
				func() error {
					return insert("securityEvents", `INSERT INTO security_audit_logs (event_id, event_type, severity, guild_id, actor_id, attempted, created_at)
						VALUES (gen_random_uuid(), 'permission_denied', 'medium', $1, $2, $3, $4)`, m.GuildID, m.UserID, "/security audit", at)
				},
				func() error {
					return insert("auditLog", `INSERT INTO audit_log (event_id, guild_id, action_type, actor_id, target_id, reason, details, created_at)
						VALUES (gen_random_uuid(), $1, 'adjust-xp', $2, $3, $4, $5, $6)`, m.GuildID, m.OtherID, m.UserID, text,
						map[string]any{"note": text, "command": "/admin adjust-xp"}, at)
				},
			}
			for _, step := range steps {
				if err := step(); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("seed %s/%s: %w", m.GuildID, m.UserID, err)
	}
	return exp, nil
}

// Generate gives m about rows rows, spread over the bulky categories
// (journal entries, stats, daily records, tenseys, contacts, content flags),
// with set-based inserts, for benchmarks.
func Generate(ctx context.Context, pool *pgxpool.Pool, m Member, rows int) error {
	per := max(rows/6, 1)
	text := m.Marker + " — an entry long enough to look like a real journal paragraph about the day's approaches and what was learnt from them."
	stmts := []string{
		`INSERT INTO journal_entries (guild_id, user_id, content, created_at)
			SELECT $1, $2, $4 || ' #' || i, now() - i * interval '1 minute' FROM generate_series(1, $3) i`,
		`INSERT INTO stats_submissions (guild_id, user_id, day, approaches, contacts, dates, xp_awarded, created_at)
			SELECT $1, $2, date '2000-01-01' + i, i % 50, i % 10, i % 3, 30, now() - i * interval '1 minute' FROM generate_series(1, $3) i WHERE $4 <> ''`,
		`INSERT INTO daily_records (guild_id, user_id, day, note, created_at)
			SELECT $1, $2, date '1000-01-01' + i, $4, now() - i * interval '1 minute' FROM generate_series(1, $3) i`,
		`INSERT INTO tenseys (guild_id, user_id, description, created_at)
			SELECT $1, $2, $4, now() - i * interval '1 minute' FROM generate_series(1, $3) i`,
		`INSERT INTO barbie_list (guild_id, user_id, name, notes, created_at, updated_at)
			SELECT $1, $2, 'Contact ' || i, $4, now() - i * interval '1 minute', now() FROM generate_series(1, $3) i`,
		`INSERT INTO content_flags (guild_id, user_id, content_type, flag_reason, excerpt, created_at)
			SELECT $1, $2, 'journal', 'toxic_language', left($4, 200), now() - i * interval '1 minute' FROM generate_series(1, $3) i`,
	}
	for _, q := range stmts {
		if _, err := pool.Exec(ctx, q, m.GuildID, m.UserID, per, text); err != nil {
			return fmt.Errorf("generate rows for %s: %w", m.UserID, err)
		}
	}
	if _, err := pool.Exec(ctx, `ANALYZE`); err != nil {
		return fmt.Errorf("analyze: %w", err)
	}
	return nil
}
