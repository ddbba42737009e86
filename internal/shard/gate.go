// Package shard coordinates the bot's gateway shards across processes.
// Discord lets shards identify in max_concurrency buckets (shard_id %
// max_concurrency), one IDENTIFY per bucket per 5 seconds, and allows a
// limited number of session starts a day (Gateway, "Sharding" and "Session
// Start Limit Object"). Several processes of one deployment share those
// limits, so Gate keeps to them through PostgreSQL: a transaction-scoped
// advisory lock per bucket and the bucket's last identify time in
// gateway_identifies (migration 093), which survives a crash.
package shard

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// IdentifyInterval is Discord's spacing of identifies in one bucket.
const IdentifyInterval = 5 * time.Second

// lockClass is the first key of the two-key advisory locks of the identify
// buckets (pg_advisory_xact_lock(int, int)), apart from every other lock of
// the bot, which use one bigint key.
const lockClass = 0x5348 // "SH"

// Limits is what GET /gateway/bot says about identifying.
type Limits struct {
	// Shards is Discord's recommended shard count.
	Shards int
	// MaxConcurrency is the number of identify buckets.
	MaxConcurrency int
	// Remaining session starts, until ResetAfter has passed.
	Remaining  int
	ResetAfter time.Duration
}

// Gate makes a shard wait for its turn before each IDENTIFY.
type Gate struct {
	pool *pgxpool.Pool
	// limits reads GET /gateway/bot, before every identify: the remaining
	// session starts are shared by every process.
	limits func(context.Context) (Limits, error)
	// interval is IdentifyInterval; tests against the emulator shorten it.
	interval time.Duration
	log      *slog.Logger
}

// NewGate returns a gate on pool. interval 0 means IdentifyInterval.
func NewGate(pool *pgxpool.Pool, limits func(context.Context) (Limits, error), interval time.Duration, log *slog.Logger) *Gate {
	if interval <= 0 {
		interval = IdentifyInterval
	}
	return &Gate{pool: pool, limits: limits, interval: interval, log: log}
}

// margin is added to the interval: the identify leaves a moment after the
// gate records it, and the previous one may have left a little later than
// recorded (a slow dial), so waiting exactly the interval could identify a
// few milliseconds early on Discord's side.
func (g *Gate) margin() time.Duration {
	return min(max(g.interval/10, 10*time.Millisecond), 250*time.Millisecond)
}

// Wait returns when shardID may identify: when a session start is left
// and no process identified in the shard's bucket for the interval. It
// records the identify before returning, so the next shard of the bucket,
// in this process or another, waits for this one. Dialer records it more
// exactly, once the IDENTIFY has been written.
func (g *Gate) Wait(ctx context.Context, shardID int) error {
	t, err := g.take(ctx, shardID)
	if err != nil {
		return err
	}
	return t.done(ctx)
}

// turn is a bucket's turn to identify: the transaction holding the
// bucket's advisory lock, until done records the identify and commits.
type turn struct {
	tx     pgx.Tx
	bucket int
	shard  int
	once   sync.Once
	err    error
}

// take waits for shardID's turn and keeps the bucket locked until done.
func (g *Gate) take(ctx context.Context, shardID int) (*turn, error) {
	lim, err := g.startsLeft(ctx, shardID)
	if err != nil {
		return nil, err
	}
	bucket := shardID % max(lim.MaxConcurrency, 1)
	tx, err := g.pool.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("wait to identify shard %d: %w", shardID, err)
	}
	if err := g.wait(ctx, tx, shardID, bucket); err != nil {
		_ = tx.Rollback(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("wait to identify shard %d: %w", shardID, err)
	}
	return &turn{tx: tx, bucket: bucket, shard: shardID}, nil
}

// wait locks the bucket in tx and sleeps until its last identify is the
// interval (and the margin) old.
func (g *Gate) wait(ctx context.Context, tx pgx.Tx, shardID, bucket int) error {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, $2)`, lockClass, bucket); err != nil {
		return fmt.Errorf("lock identify bucket %d: %w", bucket, err)
	}
	var micros int64
	err := tx.QueryRow(ctx, `
		SELECT greatest(0, (extract(epoch FROM identified_at - clock_timestamp()) * 1000000)::bigint + $2)
		FROM gateway_identifies WHERE bucket = $1`, bucket, (g.interval + g.margin()).Microseconds()).Scan(&micros)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("read identify bucket %d: %w", bucket, err)
	}
	if wait := time.Duration(micros) * time.Microsecond; wait > 0 {
		g.log.Info("Waiting for the identify bucket", "shard", shardID, "bucket", bucket, "wait", wait.String())
		return sleep(ctx, wait)
	}
	return nil
}

// done records the identify as made now and releases the bucket. Only the
// first call does anything.
func (t *turn) done(ctx context.Context) error {
	t.once.Do(func() {
		ctx := context.WithoutCancel(ctx)
		_, err := t.tx.Exec(ctx, `
			INSERT INTO gateway_identifies (bucket, identified_at) VALUES ($1, clock_timestamp())
			ON CONFLICT (bucket) DO UPDATE SET identified_at = excluded.identified_at`, t.bucket)
		if err == nil {
			err = t.tx.Commit(ctx)
		}
		if err != nil {
			_ = t.tx.Rollback(ctx)
			t.err = fmt.Errorf("record identify of shard %d (bucket %d): %w", t.shard, t.bucket, err)
		}
	})
	return t.err
}

// startsLeft returns the limits once a session start is left, waiting
// for Discord's reset when none is: identifying without one would make
// Discord end every session and reset the token.
func (g *Gate) startsLeft(ctx context.Context, shardID int) (Limits, error) {
	for {
		lim, err := g.limits(ctx)
		if err != nil {
			return Limits{}, fmt.Errorf("read the session start limit: %w", err)
		}
		if lim.Remaining > 0 {
			return lim, nil
		}
		wait := max(lim.ResetAfter, time.Second)
		g.log.Error("Discord session start limit reached: waiting for it to reset before identifying",
			"shard", shardID, "resetAfter", wait.String())
		if err := sleep(ctx, wait); err != nil {
			return Limits{}, err
		}
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
