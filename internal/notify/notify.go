// Package notify keeps the per-guild caches of every process on one
// database current: it LISTENs (github.com/jackc/pgxlisten) on the channel
// that each committed change of a guild's rules or settings NOTIFYs
// (store.GuildRulesChannel) and drops that guild from every cache, so a
// change made by one process is seen by the others at once instead of
// after their version check or recheck (GuildCache).
//
// The listener has a connection of its own and reconnects by itself; on
// every (re)connect it empties the caches, because notifications sent while
// it was away are lost. The caches' version checks and rechecks stay as
// the fallback.
package notify

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgxlisten"

	"github.com/embodied-community/embodied/internal/logging"
	"github.com/embodied-community/embodied/internal/service"
	"github.com/embodied-community/embodied/internal/store"
)

// Cache is a per-guild cache of database rules or settings
// (*modrules.Service, *raid.Service, any GuildCache).
type Cache interface {
	// Forget drops one guild, changed by another process.
	Forget(guildID string)
	// ForgetAll drops every guild, when changes may have been missed.
	ForgetAll()
}

// Options configures a Listener.
type Options struct {
	Logger *slog.Logger
	// ReconnectDelay is the wait before connecting again after the
	// connection is lost (default 1 s).
	ReconnectDelay time.Duration
}

// Listener drops guilds from the caches when they change in the database.
type Listener struct {
	connect func(context.Context) (*pgx.Conn, error)
	caches  []Cache
	log     *slog.Logger
	delay   time.Duration

	connects atomic.Int64
	service.StartStop
}

// New returns a Listener that connects with connect (store.Store.ListenConn)
// and keeps caches current.
func New(connect func(context.Context) (*pgx.Conn, error), opts Options, caches ...Cache) *Listener {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.ReconnectDelay <= 0 {
		opts.ReconnectDelay = time.Second
	}
	return &Listener{connect: connect, caches: caches, log: logging.Component(opts.Logger, "CacheInvalidation"), delay: opts.ReconnectDelay}
}

// Connects counts the connections the listener has made and is LISTENing
// on (1 after the first, 2 after a reconnect, …).
func (l *Listener) Connects() int64 { return l.connects.Load() }

// Start listens in the background until Stop (from service.StartStop)
// or ctx ends.
func (l *Listener) Start(ctx context.Context) error {
	ctx, stopped, err := l.StartInit(ctx)
	if err != nil {
		return fmt.Errorf("start cache invalidation: %w", err)
	}
	pl := &pgxlisten.Listener{
		Connect:        l.connect,
		ReconnectDelay: l.delay,
		LogError: func(ctx context.Context, err error) {
			if ctx.Err() == nil {
				l.log.Warn("Cache invalidation listener lost its connection; reconnecting (caches fall back to version checks meanwhile)", "error", err)
			}
		},
	}
	pl.Handle(store.GuildRulesChannel, handler{l})
	go func() {
		defer stopped()
		_ = pl.Listen(ctx)
	}()
	return nil
}

// handler is the listener's pgxlisten handler.
type handler struct{ l *Listener }

// HandleNotification drops the notified guild.
func (h handler) HandleNotification(_ context.Context, n *pgconn.Notification, _ *pgx.Conn) error {
	for _, c := range h.l.caches {
		c.Forget(n.Payload)
	}
	return nil
}

// HandleBacklog runs once LISTEN is in place on a new connection: whatever
// changed while no connection listened was not notified, so every cache
// starts afresh.
func (h handler) HandleBacklog(context.Context, string, *pgx.Conn) error {
	for _, c := range h.l.caches {
		c.ForgetAll()
	}
	if n := h.l.connects.Add(1); n > 1 {
		h.l.log.Info("Cache invalidation listener reconnected; caches emptied", "connects", n)
	}
	return nil
}
