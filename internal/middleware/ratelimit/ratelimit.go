// Package ratelimit is the pipeline's first layer: a token bucket
// (golang.org/x/time/rate) per user and command. A refused call gets
// "⏳ Rate limited. Try again in N s.", a log line, and a count in
// rate_limit_violations — one row per user, command and hour, written in
// batches so that a spam burst is one upsert, not one write per request.
// Idle buckets are evicted, so memory stays bounded however many users
// there are. With Options.Shared the buckets live in PostgreSQL instead,
// shared by every process on the database (one statement per check), and
// the in-process buckets are the fallback while it is unreachable.
package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"log/slog"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/embodied-community/embodied/internal/logging"
	"github.com/embodied-community/embodied/internal/middleware"
	"github.com/embodied-community/embodied/internal/service"
)

// DefaultLimit applies to commands that declare none.
var DefaultLimit = middleware.Limit{Burst: 5, Per: 10 * time.Second}

const shards = 32

type key struct{ user, command string }

type bucket struct {
	lim  *rate.Limiter
	last time.Time
	per  time.Duration
}

type shard struct {
	mu      sync.Mutex
	buckets map[key]*bucket
}

// Limiter holds the buckets. It is a service: from Start until Stop it
// evicts idle buckets every EvictEvery.
type Limiter struct {
	service.StartStop
	now        func() time.Time
	evictEvery time.Duration
	seed       maphash.Seed
	shards     [shards]shard
	log        *slog.Logger
	recorder   *Recorder
	onLimit    func(command string)
	shared     Shared
	sharedWait time.Duration

	sharedDown  atomic.Bool  // the shared store failed on the last check
	sharedRetry atomic.Int64 // unix ns before which checks skip the failed store

	logged sync.Map // window keys already logged at WARN
}

// Options configures a Limiter.
type Options struct {
	Now      func() time.Time // default time.Now
	Recorder *Recorder        // where violations are counted (optional)
	// EvictEvery is how often the running service evicts idle buckets
	// (default 1 min).
	EvictEvery time.Duration
	// OnLimited is called for every refused call (metrics).
	OnLimited func(command string)
	// Shared, when set, holds the buckets for every process on one
	// database (see Shared); the in-process buckets are then the fallback
	// while it fails.
	Shared Shared
	// SharedTimeout bounds one shared check (default 500 ms): past it the
	// call fails open to the in-process buckets rather than hold an
	// interaction.
	SharedTimeout time.Duration
}

// Shared is a token-bucket store shared by several processes, with one
// exact check per call: *store.Store's GCRA on rate_limit_buckets.
type Shared interface {
	// TakeRateLimitToken takes a token for user on command from a bucket
	// of burst tokens refilled one per interval, at now.
	TakeRateLimitToken(ctx context.Context, user, command string, burst int, interval time.Duration, now time.Time) (bool, time.Duration, error)
	// PruneRateLimitBuckets drops the buckets full before before.
	PruneRateLimitBuckets(ctx context.Context, before time.Time) (int64, error)
}

// defaultSharedTimeout is Options.SharedTimeout's default.
const defaultSharedTimeout = 500 * time.Millisecond

// sharedBackoff is how long checks stay in process after the shared store
// failed, so that an outage costs one timeout per backoff, not one per call.
const sharedBackoff = 5 * time.Second

var errSharedBackoff = errors.New("shared rate limit backing off after a failure")

// New returns a Limiter. It tags logger with its component, RateLimiter.
func New(logger *slog.Logger, o Options) *Limiter {
	l := &Limiter{now: o.Now, evictEvery: o.EvictEvery, seed: maphash.MakeSeed(), log: logging.Component(logger, "RateLimiter"),
		recorder: o.Recorder, onLimit: o.OnLimited, shared: o.Shared, sharedWait: o.SharedTimeout}
	if l.now == nil {
		l.now = time.Now
	}
	if l.sharedWait <= 0 {
		l.sharedWait = defaultSharedTimeout
	}
	if l.evictEvery <= 0 {
		l.evictEvery = time.Minute
	}
	for i := range l.shards {
		l.shards[i].buckets = map[key]*bucket{}
	}
	return l
}

func (l *Limiter) shard(k key) *shard {
	var h maphash.Hash
	h.SetSeed(l.seed)
	h.WriteString(k.user)
	h.WriteString(k.command)
	return &l.shards[h.Sum64()%shards]
}

// Allow takes a token for user on command. When none is free it returns
// false and how long until one is.
func (l *Limiter) Allow(user, command string, lim middleware.Limit) (bool, time.Duration) {
	if lim.Burst <= 0 || lim.Per <= 0 {
		lim = DefaultLimit
	}
	now := l.now()
	if l.shared != nil {
		if ok, wait, err := l.allowShared(user, command, lim, now); err == nil {
			return ok, wait
		}
	}
	k := key{user, command}
	s := l.shard(k)
	s.mu.Lock()
	b, ok := s.buckets[k]
	if !ok {
		b = &bucket{lim: rate.NewLimiter(rate.Every(lim.Per/time.Duration(lim.Burst)), lim.Burst), per: lim.Per}
		s.buckets[k] = b
	}
	b.last = now
	if b.lim.AllowN(now, 1) {
		s.mu.Unlock()
		return true, 0
	}
	r := b.lim.ReserveN(now, 1)
	wait := r.DelayFrom(now)
	r.CancelAt(now)
	s.mu.Unlock()
	return false, wait
}

// allowShared checks the shared store. On failure it logs (at WARN once
// per outage) and returns the error: the caller fails open to the
// in-process buckets, which still bound each process. After a failure it
// skips the store for sharedBackoff.
func (l *Limiter) allowShared(user, command string, lim middleware.Limit, now time.Time) (bool, time.Duration, error) {
	if now.UnixNano() < l.sharedRetry.Load() {
		return false, 0, errSharedBackoff
	}
	ctx, cancel := context.WithTimeout(context.Background(), l.sharedWait)
	defer cancel()
	ok, wait, err := l.shared.TakeRateLimitToken(ctx, user, command, lim.Burst, lim.Per/time.Duration(lim.Burst), now)
	if err != nil {
		l.sharedRetry.Store(now.Add(sharedBackoff).UnixNano())
		if !l.sharedDown.Swap(true) {
			l.log.Warn("Shared rate limit unavailable, using the in-process limiter", "error", err)
		}
		return false, 0, err
	}
	if l.sharedDown.Swap(false) {
		l.log.Info("Shared rate limit available again")
	}
	return ok, wait, nil
}

// PruneShared deletes the shared buckets that are full again. The
// retention job calls it, so that one process prunes for all.
func (l *Limiter) PruneShared(ctx context.Context) (int64, error) {
	if l.shared == nil {
		return 0, nil
	}
	n, err := l.shared.PruneRateLimitBuckets(ctx, l.now())
	if err != nil {
		return 0, fmt.Errorf("rate limiter: %w", err)
	}
	return n, nil
}

// Len is the number of live buckets.
func (l *Limiter) Len() int {
	n := 0
	for i := range l.shards {
		l.shards[i].mu.Lock()
		n += len(l.shards[i].buckets)
		l.shards[i].mu.Unlock()
	}
	return n
}

// Evict drops buckets idle long enough to have refilled completely: a new
// bucket would behave the same.
func (l *Limiter) Evict() int {
	now := l.now()
	n := 0
	for i := range l.shards {
		s := &l.shards[i]
		s.mu.Lock()
		for k, b := range s.buckets {
			if now.Sub(b.last) >= b.per {
				delete(s.buckets, k)
				n++
			}
		}
		s.mu.Unlock()
	}
	l.logged.Range(func(k, _ any) bool {
		if k.(windowKey).window.Before(now.Add(-time.Hour)) {
			l.logged.Delete(k)
		}
		return true
	})
	return n
}

// Start evicts idle buckets every EvictEvery until Stop. The shared
// buckets are not its to prune: that is one job across the processes on
// the database (PruneShared, called by the retention job).
func (l *Limiter) Start(ctx context.Context) error {
	ctx, stopped, err := l.StartInit(ctx)
	if err != nil {
		return fmt.Errorf("rate limiter: %w", err)
	}
	go func() {
		defer stopped()
		service.Every(ctx, l.evictEvery, func(context.Context) { l.Evict() })
	}()
	return nil
}

// Message is the reply to a refused call.
func Message(wait time.Duration) string {
	return fmt.Sprintf("⏳ Rate limited. Try again in %d s.", int(math.Ceil(wait.Seconds())))
}

type windowKey struct {
	user, command string
	window        time.Time
}

// Middleware refuses calls over the command's limit.
func (l *Limiter) Middleware() middleware.Middleware {
	return func(next middleware.Handler) middleware.Handler {
		return func(ctx context.Context, in *middleware.Interaction) error {
			ok, wait := l.Allow(in.User.ID, in.Command, in.Policy.Limit)
			if ok {
				return next(ctx, in)
			}
			commandName := in.Command
			now := l.now()
			wk := windowKey{in.User.ID, commandName, now.Truncate(time.Hour)}
			if _, seen := l.logged.LoadOrStore(wk, true); !seen {
				l.log.Warn("Rate limit exceeded", "userId", in.User.ID, "commandName", commandName)
			} else {
				l.log.Debug("Rate limit exceeded", "userId", in.User.ID, "commandName", commandName)
			}
			if l.recorder != nil {
				l.recorder.Add(in.GuildID, in.User.ID, commandName, now)
			}
			if l.onLimit != nil {
				l.onLimit(commandName)
			}
			in.Outcome = middleware.OutcomeRateLimited
			return in.Reply.Respond(ctx, middleware.Response{Content: Message(wait), Ephemeral: true})
		}
	}
}
