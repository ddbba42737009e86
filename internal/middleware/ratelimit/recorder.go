package ratelimit

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/embodied-community/embodied/internal/logging"
	"github.com/embodied-community/embodied/internal/service"
	"github.com/embodied-community/embodied/internal/store"
)

// ViolationStore adds refused calls to rate_limit_violations
// (*store.Store).
type ViolationStore interface {
	AddRateLimitViolations(ctx context.Context, vs []store.RateLimitViolation) error
}

var _ ViolationStore = (*store.Store)(nil)

type violationKey struct {
	guild, user, command string
	window               time.Time
}

type violation struct {
	count       int
	first, last time.Time
}

// recordEvery is how often the running Recorder flushes.
const recordEvery = time.Second

// Recorder counts refused calls in memory and upserts them into
// rate_limit_violations in one statement per flush. It is a service: from
// Start until Stop it flushes every second, and once more when it stops.
type Recorder struct {
	service.StartStop
	db  ViolationStore
	log *slog.Logger
	mu  sync.Mutex
	p   map[violationKey]*violation
}

// NewRecorder returns a Recorder writing to db. It tags logger with its
// component, RateLimiter.
func NewRecorder(db ViolationStore, logger *slog.Logger) *Recorder {
	return &Recorder{db: db, log: logging.Component(logger, "RateLimiter"), p: map[violationKey]*violation{}}
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
	vs := make([]store.RateLimitViolation, 0, len(pending))
	for k, v := range pending {
		vs = append(vs, store.RateLimitViolation{GuildID: k.guild, UserID: k.user, CommandName: k.command,
			WindowStart: k.window, Count: v.count, FirstAt: v.first, LastAt: v.last})
	}
	err := r.db.AddRateLimitViolations(ctx, vs)
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
		return err
	}
	return nil
}

// Start flushes every second until Stop, then flushes once more.
func (r *Recorder) Start(ctx context.Context) error {
	ctx, stopped, err := r.StartInit(ctx)
	if err != nil {
		return fmt.Errorf("rate-limit recorder: %w", err)
	}
	go func() {
		defer stopped()
		service.Every(ctx, recordEvery, r.runOnce)
		fctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := r.Flush(fctx); err != nil {
			r.log.Warn("Could not record rate-limit violations at shutdown", "error", err)
		}
	}()
	return nil
}

// runOnce is one periodic flush.
func (r *Recorder) runOnce(ctx context.Context) {
	if err := r.Flush(ctx); err != nil {
		r.log.Warn("Could not record rate-limit violations; will retry", "error", err)
	}
}
