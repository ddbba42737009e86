package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/embodied-community/embodied/internal/bot"
	"github.com/embodied-community/embodied/internal/discordhttp"
	"github.com/embodied-community/embodied/internal/logging"
	"github.com/embodied-community/embodied/internal/shard"
)

// gatewayService connects the bot to Discord. Start adds the interaction
// handler, opens the gateway sessions (one per shard this process runs,
// each after its turn at the identify gate) and registers the commands;
// Stop lets the interactions in flight finish (unless drain already has),
// then closes the sessions they reply through.
type gatewayService struct {
	bot *bot.Bot
	s   *discordgo.Session
	// shards are the gateway sessions, s first.
	shards []*discordgo.Session
	// stopGate ends a wait at the identify gate.
	stopGate context.CancelFunc
	// registerCtx bounds the command registration: the start-up's context.
	registerCtx context.Context
	log         *slog.Logger
	drained     sync.Once
	// intents opens the session, without the features whose privileged
	// intent Discord refuses.
	intents *intentSet
}

func (g *gatewayService) Start(context.Context) error {
	g.bot.Start()
	// One after the other: the gate spaces identifies in one bucket
	// anyway, and each shard then starts with the intents Discord
	// accepted for the one before.
	for i, s := range g.shards {
		if i > 0 {
			s.Identify.Intents = g.s.Identify.Intents
		}
		if err := g.intents.open(s, g.log); err != nil {
			g.closeAll()
			return fmt.Errorf("connect shard %d of %d to the Discord gateway: %w", s.ShardID, max(s.ShardCount, 1), err)
		}
	}
	if err := g.bot.Register(g.registerCtx); err != nil {
		g.closeAll()
		return err
	}
	g.log.Info("Connected to Discord", "user", g.s.State.User.Username)
	return nil
}

// drain stops taking interactions and waits for those in flight, at most
// until ctx ends. Only the first call waits and reports.
func (g *gatewayService) drain(ctx context.Context) error {
	var err error
	g.drained.Do(func() { err = g.bot.Stop(ctx) })
	return err
}

func (g *gatewayService) Stop(ctx context.Context) error {
	var errs []error
	if err := g.drain(ctx); err != nil {
		errs = append(errs, err)
	}
	if err := g.closeAll(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// closeAll ends any wait at the gate and closes every shard's session.
func (g *gatewayService) closeAll() error {
	if g.stopGate != nil {
		g.stopGate()
	}
	var errs []error
	for _, s := range g.shards {
		if err := s.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close Discord session of shard %d: %w", s.ShardID, err))
		}
	}
	return errors.Join(errs...)
}

// buildShards sets up the gateway sessions this process runs:
// DISCORD_SHARD_ID of DISCORD_SHARD_COUNT on the primary Session, or with
// DISCORD_SHARD_COUNT=auto one session per shard Discord recommends, the
// primary being shard 0. REST stays on the primary Session; the shards
// share its State, so what reads guilds, roles and permissions from it
// finds a guild whichever shard it lives on (discordgo's onReady only
// replaces the READY fields and adds the shard's guilds to the maps). Every
// connection waits at the identify gate (internal/shard) first.
func (a *App) buildShards(ctx context.Context) error {
	cfg := a.cfg
	gate := shard.NewGate(a.pool, shard.SessionLimits(a.Session), a.opts.IdentifyInterval, logging.Component(a.log, "Gateway"))
	id, count := cfg.ShardID, cfg.ShardCount
	if cfg.ShardAuto {
		lim, err := shard.SessionLimits(a.Session)(ctx)
		if err != nil {
			return fmt.Errorf("DISCORD_SHARD_COUNT=auto: %w", err)
		}
		id, count = 0, max(lim.Shards, 1)
	}
	gateCtx, stop := context.WithCancel(context.Background())
	a.gateStop = stop
	a.Session.ShardID, a.Session.ShardCount = id, count
	a.Session.Dialer = gate.Dialer(gateCtx, id)
	a.shardSessions = []*discordgo.Session{a.Session}
	for extra := 1; cfg.ShardAuto && extra < count; extra++ {
		s, err := discordhttp.NewSession(cfg.DiscordToken.Reveal(), cfg.DiscordAPIURL, a.log)
		if err != nil {
			return err
		}
		s.StateEnabled, s.State = true, a.Session.State
		s.ShardID, s.ShardCount = extra, count
		s.Dialer = gate.Dialer(gateCtx, extra)
		a.shardSessions = append(a.shardSessions, s)
	}
	a.intents.sessions = a.shardSessions
	mode := "one shard"
	if cfg.ShardAuto {
		mode = "auto: every shard"
	}
	logging.Component(a.log, "Gateway").Info("Gateway shards", "shardId", id, "shardCount", count, "shards", len(a.shardSessions), "mode", mode)
	return nil
}

// onGateway adds a gateway event handler (a discordgo handler func) to
// every shard's session, and returns the function removing it again.
// Every gateway handler of the bot is added through it.
func (a *App) onGateway(handler any) func() {
	removes := make([]func(), 0, len(a.shardSessions))
	for _, s := range a.shardSessions {
		removes = append(removes, s.AddHandler(handler))
	}
	return func() {
		for _, r := range removes {
			r()
		}
	}
}

// gateway reports the Discord connection's state to the health checks:
// connected when every shard's session is.
type gateway struct {
	s      *discordgo.Session
	shards int
	mu     sync.Mutex
	up     map[*discordgo.Session]bool
}

func newGateway(s *discordgo.Session, on func(any) func(), shards int) *gateway {
	g := &gateway{s: s, shards: shards, up: map[*discordgo.Session]bool{}}
	on(func(s *discordgo.Session, _ *discordgo.Ready) { g.mark(s, true) })
	on(func(s *discordgo.Session, _ *discordgo.Resumed) { g.mark(s, true) })
	on(func(s *discordgo.Session, _ *discordgo.Disconnect) { g.mark(s, false) })
	return g
}

// mark records whether session s is connected; HTTP mode marks its
// REST-only session once Discord answered.
func (g *gateway) mark(s *discordgo.Session, up bool) {
	g.mu.Lock()
	g.up[s] = up
	g.mu.Unlock()
}

// Connected reports whether every shard's gateway session is up.
func (g *gateway) Connected() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	n := 0
	for _, up := range g.up {
		if up {
			n++
		}
	}
	return n == g.shards
}

// Latency is the round trip of a light REST call (GET /gateway). The
// heartbeat round trip would be nicer, but discordgo writes the heartbeat's
// send time under a lock it does not export, so it cannot be read safely.
func (g *gateway) Latency() time.Duration {
	start := time.Now()
	if _, err := g.s.Gateway(discordgo.WithContext(context.Background())); err != nil {
		return 0
	}
	return time.Since(start)
}

// notifier delivers operator alerts: a DM to each bot owner and, when
// configured, a message in the alert channel.
type notifier struct {
	s *discordgo.Session
	// dm sends a DM in the user's remembered DM channel (discordact).
	dm      func(ctx context.Context, userID, text string) error
	owners  []string
	channel string
}

// Notify sends text to every destination; it fails only if none got it.
func (n *notifier) Notify(ctx context.Context, text string) error {
	var errs []error
	delivered := 0
	for _, owner := range n.owners {
		if err := n.dm(ctx, owner, text); err != nil {
			errs = append(errs, fmt.Errorf("DM owner %s: %w", owner, err))
			continue
		}
		delivered++
	}
	if n.channel != "" {
		_, err := n.s.ChannelMessageSendComplex(n.channel, &discordgo.MessageSend{Content: text,
			AllowedMentions: &discordgo.MessageAllowedMentions{}}, discordgo.WithContext(ctx))
		if err != nil {
			errs = append(errs, fmt.Errorf("post to alert channel %s: %w", n.channel, err))
		} else {
			delivered++
		}
	}
	if delivered == 0 {
		return errors.Join(append(errs, errors.New("alert delivered nowhere"))...)
	}
	return nil
}
