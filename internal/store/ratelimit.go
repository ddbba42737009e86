package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// RateLimitViolation is a rate_limit_violations row: how many calls one
// member made to one command beyond its limit in one hour.
type RateLimitViolation struct {
	GuildID     string    `db:"guild_id" json:"guildId"`
	UserID      string    `db:"user_id" json:"userId"`
	CommandName string    `db:"command_name" json:"commandName"`
	WindowStart time.Time `db:"window_start" json:"windowStart"`
	Count       int       `db:"count" json:"count"`
	FirstAt     time.Time `db:"first_at" json:"firstAt"`
	LastAt      time.Time `db:"last_at" json:"lastAt"`
}

// AddRateLimitViolations adds vs to the stored counts in one statement: a
// row of the same member, command and window gets its count raised and its
// last time moved on.
func (s *Store) AddRateLimitViolations(ctx context.Context, vs []RateLimitViolation) error {
	guilds, users, commands := make([]string, len(vs)), make([]string, len(vs)), make([]string, len(vs))
	windows, firsts, lasts := make([]time.Time, len(vs)), make([]time.Time, len(vs)), make([]time.Time, len(vs))
	counts := make([]int32, len(vs))
	for i, v := range vs {
		guilds[i], users[i], commands[i] = v.GuildID, v.UserID, v.CommandName
		windows[i], firsts[i], lasts[i] = v.WindowStart, v.FirstAt, v.LastAt
		counts[i] = int32(v.Count)
	}
	_, err := s.pool.Exec(ctx, `
		INSERT INTO rate_limit_violations (guild_id, user_id, command_name, window_start, count, first_at, last_at)
		SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::int[], $6::timestamptz[], $7::timestamptz[])
		ON CONFLICT (guild_id, user_id, command_name, window_start) DO UPDATE
		SET count = rate_limit_violations.count + EXCLUDED.count,
		    last_at = GREATEST(rate_limit_violations.last_at, EXCLUDED.last_at)`,
		guilds, users, commands, windows, counts, firsts, lasts)
	if err != nil {
		return fmt.Errorf("record %d rate-limit violations: %w", len(vs), err)
	}
	return nil
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
