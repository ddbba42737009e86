package app

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/embodied-community/embodied/internal/bot"
	"github.com/embodied-community/embodied/internal/interactions"
	"github.com/embodied-community/embodied/internal/logging"
	"github.com/embodied-community/embodied/internal/ops"
	"github.com/embodied-community/embodied/internal/service"
)

// newEndpoint builds the HTTP interactions endpoint (SECOPS_INTERACTIONS_ADDR),
// or nil when it is off.
func (a *App) newEndpoint() *ops.Listener {
	if a.cfg.InteractionsAddr == "" {
		return nil
	}
	h := interactions.New(interactions.Options{PublicKey: a.cfg.DiscordPublicKey, Dispatcher: a.Bot, Events: a.Audit,
		Logger: a.log, OnRejected: a.Metrics.EndpointRejected, Now: a.opts.Now})
	return ops.NewListener(a.cfg.InteractionsAddr, h, logging.Component(a.log, "Interactions"))
}

// InteractionsAddr is the bound address of the HTTP interactions endpoint
// ("" when it is off), useful with port 0.
func (a *App) InteractionsAddr() string {
	if a.endpoint == nil {
		return ""
	}
	return a.endpoint.Addr()
}

// interactionsMode says how interactions reach this process, for
// /security status ("" when only over the gateway).
func (a *App) interactionsMode() string {
	switch {
	case a.cfg.InteractionsAddr == "":
		return ""
	case a.cfg.HTTPOnly:
		return "HTTP interactions: on (this instance has no gateway connection)"
	}
	return "HTTP interactions: on"
}

// endpointService runs the endpoint's listener: started after the bot is
// ready, stopped first, so that no request arrives at a draining bot.
func (a *App) endpointService() service.Service {
	return service.Funcs{
		OnStart: func(ctx context.Context) error {
			return a.endpoint.Start(ctx, "Interactions endpoint", "gateway", !a.cfg.HTTPOnly)
		},
		OnStop: func(ctx context.Context) error {
			// Requests in flight wait at most 3 s for their answer.
			ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), interactions.AnswerTimeout+2*time.Second)
			defer cancel()
			return a.endpoint.Stop(ctx)
		},
	}
}

// restOnlyService stands in for the gateway in an HTTP-mode instance
// (SECOPS_GATEWAY=false): it opens no gateway connection, learns the bot's
// identity over REST and registers the commands. Its health counts Discord
// as reachable from then on, so /readyz does not wait for a gateway.
type restOnlyService struct {
	bot         *bot.Bot
	s           *discordgo.Session
	up          *gateway
	registerCtx context.Context
	drain       func(context.Context) error
	log         *slog.Logger
}

func (r *restOnlyService) Start(context.Context) error {
	u, err := r.s.User("@me", discordgo.WithContext(r.registerCtx))
	if err != nil {
		return fmt.Errorf("read the bot's user over REST: %w", err)
	}
	r.s.State.Lock()
	r.s.State.User = u
	r.s.State.Unlock()
	if err := r.bot.Register(r.registerCtx); err != nil {
		return err
	}
	r.up.mark(r.s, true)
	r.log.Info("HTTP mode: no gateway connection; interactions arrive at the interactions endpoint", "user", u.Username)
	return nil
}

func (r *restOnlyService) Stop(ctx context.Context) error {
	r.up.mark(r.s, false)
	return r.drain(ctx)
}
