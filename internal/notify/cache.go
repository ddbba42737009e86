package notify

import (
	"context"
	"sync"
	"time"
)

// DefaultRecheck bounds how stale a GuildCache value may be when the
// listener is away: the same 5 s as the rules' version check.
const DefaultRecheck = 5 * time.Second

// GuildCache keeps one value per guild read from the database (a
// feature's settings). It is a Cache: registered with a Listener, a
// change's NOTIFY drops the guild at once. As the fallback for a
// notification lost with its connection, a value older than the recheck
// interval is read again (one primary-key read per guild at most every
// interval), so staleness stays bounded.
//
// Loads run outside the lock, so a slow read never holds up the listener;
// a load that raced with a Forget is returned but not kept, so a change
// seen by the listener is never overwritten by the value before it.
type GuildCache[T any] struct {
	load    func(ctx context.Context, guildID string) (T, error)
	recheck time.Duration
	now     func() time.Time

	mu     sync.Mutex
	values map[string]cachedValue[T]
	// epoch counts the Forgets: a load started before one is not kept.
	epoch uint64
}

type cachedValue[T any] struct {
	v    T
	read time.Time
}

// NewGuildCache returns a cache that reads a guild's value with load and
// reads it again after recheck (DefaultRecheck when 0). The recheck runs
// on the wall clock, never a test's simulated one.
func NewGuildCache[T any](load func(ctx context.Context, guildID string) (T, error), recheck time.Duration) *GuildCache[T] {
	if recheck <= 0 {
		recheck = DefaultRecheck
	}
	return &GuildCache[T]{load: load, recheck: recheck, now: time.Now, values: map[string]cachedValue[T]{}}
}

// Get returns the guild's value, read from the database when it is not
// cached or older than the recheck interval.
func (c *GuildCache[T]) Get(ctx context.Context, guildID string) (T, error) {
	c.mu.Lock()
	cv, ok := c.values[guildID]
	epoch := c.epoch
	c.mu.Unlock()
	if ok && c.now().Sub(cv.read) < c.recheck {
		return cv.v, nil
	}
	read := c.now()
	v, err := c.load(ctx, guildID)
	if err != nil {
		return v, err
	}
	c.mu.Lock()
	if c.epoch == epoch {
		c.values[guildID] = cachedValue[T]{v: v, read: read}
	}
	c.mu.Unlock()
	return v, nil
}

// Set caches v for the guild, written by this process.
func (c *GuildCache[T]) Set(guildID string, v T) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.values[guildID] = cachedValue[T]{v: v, read: c.now()}
	c.epoch++ // a load in flight read the value before this one
}

// Forget drops one guild (notify.Cache).
func (c *GuildCache[T]) Forget(guildID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.values, guildID)
	c.epoch++
}

// ForgetAll drops every guild (notify.Cache).
func (c *GuildCache[T]) ForgetAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.values)
	c.epoch++
}
