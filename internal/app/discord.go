package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/embodied-community/embodied/internal/bot"
)

// gatewayService connects the bot to Discord. Start adds the interaction
// handler, opens the gateway session and registers the commands; Stop lets
// the interactions in flight finish (unless drain already has), then closes
// the session they reply through.
type gatewayService struct {
	bot *bot.Bot
	s   *discordgo.Session
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
	if err := g.intents.open(g.s, g.log); err != nil {
		return fmt.Errorf("connect to the Discord gateway: %w", err)
	}
	if err := g.bot.Register(g.registerCtx); err != nil {
		g.s.Close()
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
	if err := g.s.Close(); err != nil {
		errs = append(errs, fmt.Errorf("close Discord session: %w", err))
	}
	return errors.Join(errs...)
}

// gateway reports the Discord connection's state to the health checks.
type gateway struct {
	s  *discordgo.Session
	up atomic.Bool
}

func newGateway(s *discordgo.Session) *gateway {
	g := &gateway{s: s}
	s.AddHandler(func(*discordgo.Session, *discordgo.Ready) { g.up.Store(true) })
	s.AddHandler(func(*discordgo.Session, *discordgo.Resumed) { g.up.Store(true) })
	s.AddHandler(func(*discordgo.Session, *discordgo.Disconnect) { g.up.Store(false) })
	return g
}

// Connected reports whether the gateway session is up.
func (g *gateway) Connected() bool { return g.up.Load() }

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
