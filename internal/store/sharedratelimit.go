package store

import (
	"context"
	"fmt"
	"time"
)

// TakeRateLimitToken runs one GCRA check for user on command in a single
// statement: the row's theoretical arrival time (tat) moves on by interval
// when max(tat, now) + interval - now <= burst*interval (the call is
// allowed), and stays otherwise. The row is locked by the upsert, so
// concurrent checks from any number of processes are serialised and exact.
// It returns whether the call is allowed and, if not, how long until it
// would be. Times are PostgreSQL's microseconds.
func (s *Store) TakeRateLimitToken(ctx context.Context, user, command string, burst int, interval time.Duration, now time.Time) (bool, time.Duration, error) {
	var allowed bool
	var tat time.Time
	err := s.pool.QueryRow(ctx, `
		INSERT INTO rate_limit_buckets AS b (user_id, command_name, tat, allowed)
		VALUES ($1, $2, $3::timestamptz + $4::bigint * interval '1 microsecond', $5::bigint >= 1)
		ON CONFLICT (user_id, command_name) DO UPDATE
		SET allowed = GREATEST(b.tat, $3) + $4::bigint * interval '1 microsecond' - $3 <= $5::bigint * $4::bigint * interval '1 microsecond',
		    tat = CASE WHEN GREATEST(b.tat, $3) + $4::bigint * interval '1 microsecond' - $3 <= $5::bigint * $4::bigint * interval '1 microsecond'
		               THEN GREATEST(b.tat, $3) + $4::bigint * interval '1 microsecond' ELSE b.tat END
		RETURNING allowed, tat`,
		user, command, now, interval.Microseconds(), int64(burst)).Scan(&allowed, &tat)
	if err != nil {
		return false, 0, fmt.Errorf("take rate-limit token: %w", err)
	}
	if allowed {
		return true, 0, nil
	}
	// Refused: the call would be allowed once max(tat, now) + interval -
	// burst*interval is reached.
	start := tat
	if now.After(start) {
		start = now
	}
	return false, start.Add(interval - time.Duration(burst)*interval).Sub(now), nil
}

// PruneRateLimitBuckets deletes buckets whose tat has passed before: such
// a bucket is full, and an absent row behaves the same.
func (s *Store) PruneRateLimitBuckets(ctx context.Context, before time.Time) (int64, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM rate_limit_buckets WHERE tat <= $1`, before)
	if err != nil {
		return 0, fmt.Errorf("prune rate-limit buckets: %w", err)
	}
	return tag.RowsAffected(), nil
}
