package ratelimit

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

type violationKey struct {
	guild, user, command string
	window               time.Time
}

type violation struct {
	count       int
	first, last time.Time
}

// Recorder counts refused calls in memory and upserts them into
// rate_limit_violations in one statement per flush.
type Recorder struct {
	pool *pgxpool.Pool
	log  *slog.Logger
	mu   sync.Mutex
	p    map[violationKey]*violation
}

// NewRecorder returns a Recorder writing to pool.
func NewRecorder(pool *pgxpool.Pool, logger *slog.Logger) *Recorder {
	return &Recorder{pool: pool, log: logger, p: map[violationKey]*violation{}}
}

// Add counts one refused call.
func (r *Recorder) Add(guild, user, command string, at time.Time) {
	k := violationKey{guild, user, command, at.UTC().Truncate(time.Hour)}
	r.mu.Lock()
	defer r.mu.Unlock()
	v, ok := r.p[k]
	if !ok {
		v = &violation{first: at}
		r.p[k] = v
	}
	v.count++
	v.last = at
}

// Flush writes the pending counts. On failure they stay pending and are
// merged into the next flush.
func (r *Recorder) Flush(ctx context.Context) error {
	r.mu.Lock()
	pending := r.p
	r.p = map[violationKey]*violation{}
	r.mu.Unlock()
	if len(pending) == 0 {
		return nil
	}
	var guilds, users, commands []string
	var windows, firsts, lasts []time.Time
	var counts []int32
	for k, v := range pending {
		guilds, users, commands = append(guilds, k.guild), append(users, k.user), append(commands, k.command)
		windows, firsts, lasts = append(windows, k.window), append(firsts, v.first), append(lasts, v.last)
		counts = append(counts, int32(v.count))
	}
	_, err := r.pool.Exec(ctx, `
		INSERT INTO rate_limit_violations (guild_id, user_id, command_name, window_start, count, first_at, last_at)
		SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::int[], $6::timestamptz[], $7::timestamptz[])
		ON CONFLICT (guild_id, user_id, command_name, window_start) DO UPDATE
		SET count = rate_limit_violations.count + EXCLUDED.count,
		    last_at = GREATEST(rate_limit_violations.last_at, EXCLUDED.last_at)`,
		guilds, users, commands, windows, counts, firsts, lasts)
	if err != nil {
		r.mu.Lock()
		for k, v := range pending {
			if cur, ok := r.p[k]; ok {
				cur.count += v.count
				if v.first.Before(cur.first) {
					cur.first = v.first
				}
			} else {
				r.p[k] = v
			}
		}
		r.mu.Unlock()
		return fmt.Errorf("record %d rate-limit violations: %w", len(pending), err)
	}
	return nil
}

// Run flushes every interval until ctx ends, then flushes once more.
func (r *Recorder) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			if err := r.Flush(fctx); err != nil {
				r.log.Warn("Could not record rate-limit violations at shutdown", "error", err)
			}
			cancel()
			return
		case <-t.C:
			if err := r.Flush(ctx); err != nil {
				r.log.Warn("Could not record rate-limit violations; will retry", "error", err)
			}
		}
	}
}
