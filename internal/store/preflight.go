package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// The preflight's reads (`embodied doctor`): what the server is, how big
// the database is, and the records the enforcement gate checks besides the
// rollout runs.

// ServerVersion returns the server's version as it prints it ("16.4").
func (s *Store) ServerVersion(ctx context.Context) (string, error) {
	var v string
	if err := s.pool.QueryRow(ctx, `SELECT current_setting('server_version')`).Scan(&v); err != nil {
		return "", fmt.Errorf("read server version: %w", err)
	}
	return v, nil
}

// ServerVersionNum returns the server's version number (160004 for 16.4).
func (s *Store) ServerVersionNum(ctx context.Context) (int, error) {
	var n int
	if err := s.pool.QueryRow(ctx, `SELECT current_setting('server_version_num')::int`).Scan(&n); err != nil {
		return 0, err
	}
	return n, nil
}

// DatabaseSize returns the current database's size in bytes.
func (s *Store) DatabaseSize(ctx context.Context) (int64, error) {
	var n int64
	if err := s.pool.QueryRow(ctx, `SELECT pg_database_size(current_database())`).Scan(&n); err != nil {
		return 0, fmt.Errorf("read database size: %w", err)
	}
	return n, nil
}

// HasStoredSigningKey reports whether the component signing key an earlier
// version kept in bot_settings is still there.
func (s *Store) HasStoredSigningKey(ctx context.Context) (bool, error) {
	var in bool
	err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM bot_settings WHERE key = 'component_signing_key')`).Scan(&in)
	if err != nil {
		return false, fmt.Errorf("look for the signing key in bot_settings: %w", err)
	}
	return in, nil
}

// WarningDMs counts the warnings since since, outside the emulated guilds,
// whose DM was delivered (sent) and those whose DM was not (other).
func (s *Store) WarningDMs(ctx context.Context, since time.Time) (sent, other int, err error) {
	err = s.pool.QueryRow(ctx, `
		SELECT count(*) FILTER (WHERE dm_status = 'sent'), count(*) FILTER (WHERE dm_status <> 'sent')
		FROM user_warnings WHERE created_at >= $1 AND guild_id NOT IN (SELECT guild_id FROM sandbox_guilds)`, since).Scan(&sent, &other)
	return sent, other, err
}

// ActionCount is how many user_moderation rows have one action.
type ActionCount struct {
	Action string `db:"action"`
	Count  int    `db:"count"`
}

// DryRunActions counts, by action, what enforcement would have applied since
// since (user_moderation rows with enforced = false) outside the emulated
// guilds.
func (s *Store) DryRunActions(ctx context.Context, since time.Time) ([]ActionCount, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT action, count(*) FROM user_moderation
		WHERE enforced = false AND created_at >= $1 AND guild_id NOT IN (SELECT guild_id FROM sandbox_guilds)
		GROUP BY action ORDER BY action`, since)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByName[ActionCount])
}
