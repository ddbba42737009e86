// Package app wires the bot together: database pool, Discord session,
// command pipeline and background services. It is the only package that
// knows both Discord and SQL; cmd/embodied calls Start and, on a signal,
// Stop.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/embodied-community/embodied/internal/antinuke"
	"github.com/embodied-community/embodied/internal/audit"
	"github.com/embodied-community/embodied/internal/automod"
	"github.com/embodied-community/embodied/internal/backup"
	"github.com/embodied-community/embodied/internal/bot"
	"github.com/embodied-community/embodied/internal/chatmod"
	"github.com/embodied-community/embodied/internal/command"
	"github.com/embodied-community/embodied/internal/config"
	"github.com/embodied-community/embodied/internal/discordact"
	"github.com/embodied-community/embodied/internal/discordhttp"
	"github.com/embodied-community/embodied/internal/health"
	"github.com/embodied-community/embodied/internal/jobs"
	"github.com/embodied-community/embodied/internal/lockdown"
	"github.com/embodied-community/embodied/internal/logging"
	"github.com/embodied-community/embodied/internal/metrics"
	"github.com/embodied-community/embodied/internal/middleware"
	"github.com/embodied-community/embodied/internal/middleware/auditlog"
	"github.com/embodied-community/embodied/internal/middleware/moderator"
	"github.com/embodied-community/embodied/internal/middleware/permission"
	"github.com/embodied-community/embodied/internal/middleware/ratelimit"
	"github.com/embodied-community/embodied/internal/moderation"
	"github.com/embodied-community/embodied/internal/modrules"
	"github.com/embodied-community/embodied/internal/notify"
	"github.com/embodied-community/embodied/internal/ops"
	"github.com/embodied-community/embodied/internal/privacy"
	"github.com/embodied-community/embodied/internal/raid"
	"github.com/embodied-community/embodied/internal/rollout"
	"github.com/embodied-community/embodied/internal/schema"
	"github.com/embodied-community/embodied/internal/service"
	"github.com/embodied-community/embodied/internal/store"
	"github.com/embodied-community/embodied/internal/strike"
)

// Options adjust the wiring for its callers: the real bot, the sandbox and
// the tests.
type Options struct {
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// RecordHealthRuns stores every periodic health run (when health checks
	// are on) for `embodied doctor --enforcement`. The real bot sets it; the
	// sandbox and the tests leave it off, so that they never count towards
	// the enforcement soak.
	RecordHealthRuns bool
	// OnMessageDecision is called when message moderation has decided a
	// message (tests and benchmarks).
	OnMessageDecision func(chatmod.Event, chatmod.Decision)
	// LockdownInterval is how often timed lockdowns due are lifted
	// (default 30 s; tests shorten it).
	LockdownInterval time.Duration
	// IdentifyInterval spaces the identifies of one max_concurrency bucket
	// (default Discord's 5 s; tests against the emulator shorten it).
	IdentifyInterval time.Duration
}

// App is the running bot.
type App struct {
	cfg     *config.Config
	log     *slog.Logger
	opts    Options
	Store   *store.Store
	Session *discordgo.Session
	Audit   *audit.Writer
	Limiter *ratelimit.Limiter
	Bot     *bot.Bot
	Strikes *strike.Service
	Privacy *privacy.Service
	Metrics *metrics.Metrics
	Backup  *backup.Engine
	Health  *health.Checker
	Ops     *ops.Server
	AutoMod *automod.Service
	// cacheNotify drops cached rules and settings changed by other processes.
	cacheNotify *notify.Listener
	// Lockdown locks channels (/security lockdown) and lifts timed ones.
	Lockdown *lockdown.Service
	// AntiNuke counts destructive audit log entries and contains their actor.
	AntiNuke *antinuke.Service
	// Messages is message moderation (nil without SECOPS_MODERATE_MESSAGES).
	Messages *chatmod.Service

	pool      *pgxpool.Pool
	key       []byte // the button signing key
	recorder  *ratelimit.Recorder
	alerts    *notifier // owners' DMs and the alert channel
	setAside  *setAsideAlerts
	scheduler *backup.Scheduler // nil without SECOPS_ENABLE_AUTOBACKUP
	jobs      *jobs.Runner      // durable and scheduled work, once across processes
	runs      *rollout.Recorder // nil unless health runs are recorded (by the health job)
	watchdog  *ops.Watchdog
	gateway   *gatewayService
	// discordUp is the Discord connection as the health checks see it.
	discordUp *gateway
	// endpoint is the HTTP interactions endpoint (nil when off).
	endpoint *ops.Listener
	// shardSessions are the gateway sessions this process runs, Session
	// first (buildShards); gateStop ends their waits at the identify gate.
	shardSessions []*discordgo.Session
	gateStop      context.CancelFunc
	// intents are the privileged gateway intents asked for.
	intents       intentSet
	messageIntent *privilegedIntent
	membersIntent *privilegedIntent
	// Raids is raid detection (nil without SECOPS_RAID_DETECTION).
	Raids    *raid.Service
	services service.Group
}

// Start builds the bot, starts its services in order and returns once the
// bot is online. If a service fails to start, those already started are
// stopped again.
func Start(ctx context.Context, cfg *config.Config, logger *slog.Logger, opts Options) (*App, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	a := &App{cfg: cfg, log: logger, opts: opts}
	log := logging.Component(logger, "Bot")
	log.Info("Starting embodied", cfg.Summary()...)
	if cfg.EnforceModeration {
		logging.Component(logger, "WarningSystem").Warn("MODERATION ENFORCEMENT IS ON: " + enforcementSummary(cfg))
	} else {
		logging.Component(logger, "WarningSystem").Info("Moderation enforcement DISABLED (dev/staging mode)")
	}

	startCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := a.openDatabase(startCtx); err != nil {
		return nil, err
	}
	// The services outlive ctx, which only bounds the start: Stop ends them.
	runCtx := context.WithoutCancel(ctx)
	// Compiling the built-in word lists takes a second or more (several
	// under the race detector); start it first, beside the construction and
	// the gateway start-up, rather than on the first moderated command, which
	// would otherwise be deferred and answered late.
	// The compilation's scratch memory is several times the automaton it
	// leaves; hand it back to the OS at once rather than idling at ~100 MB
	// resident until the scavenger gets to it.
	err := a.services.Start(runCtx, service.Go(func(context.Context) { moderation.Default(); debug.FreeOSMemory() }))
	if err == nil {
		err = a.build()
	}
	if err == nil {
		err = a.services.Start(runCtx, a.lifecycle(startCtx)...)
	}
	if err != nil {
		_ = a.services.Stop(context.Background())
		a.pool.Close()
		return nil, err
	}
	if err := ops.NotifyReady(); err != nil {
		log.Warn("systemd readiness notification failed", "error", err)
	}
	return a, nil
}

// openDatabase connects, checks that the schema is current and loads the
// button signing key.
func (a *App) openDatabase(ctx context.Context) error {
	pool, err := store.Open(ctx, a.cfg.DatabaseURL, a.cfg.DBPassword.Reveal())
	if err != nil {
		return err
	}
	a.pool = pool
	a.Store = store.New(pool)
	err = a.Store.Ping(ctx)
	if err == nil {
		err = schema.CheckCurrent(ctx, pool)
	}
	if err == nil {
		a.key, err = bot.LoadKey(ctx, a.Store, bot.KeySource{Configured: a.cfg.ComponentSigningKey.Reveal(),
			File: a.cfg.ComponentSigningKeyFile, Logger: a.log})
	}
	if err != nil {
		pool.Close()
		return err
	}
	return nil
}

// build constructs every part of the bot without starting any.
func (a *App) build() error {
	cfg, logger, opts, pool := a.cfg, a.log, a.opts, a.pool
	log := logging.Component(logger, "Bot")
	var err error
	a.Metrics = metrics.New()
	a.setAside = newSetAsideAlerts(a.Metrics)
	a.Audit, err = audit.NewWriter(a.Store, cfg.AuditFallbackFile, logger, audit.Options{Now: opts.Now,
		OnFallback: a.Metrics.FallbackWrite, OnSetAside: a.setAside.add})
	if err != nil {
		return err
	}
	a.recorder = ratelimit.NewRecorder(a.Store, logger)
	limits := ratelimit.Options{Now: opts.Now, Recorder: a.recorder, OnLimited: a.Metrics.RateLimited}
	if cfg.RateLimitStore == "postgres" {
		limits.Shared = a.Store // shared by every process on the database
	}
	a.Limiter = ratelimit.New(logger, limits)

	a.Session, err = discordhttp.NewSession(cfg.DiscordToken.Reveal(), cfg.DiscordAPIURL, logger)
	if err != nil {
		return err
	}
	// The warning system's directory reads guilds, roles and the bot's own
	// member from the gateway's state instead of REST.
	discordact.UseState(a.Session)
	if err := a.buildShards(context.Background()); err != nil {
		return err
	}

	// Discord bans the IP at 10,000 invalid requests in 10 minutes: count
	// them in /metrics and let the health thresholds alert the owners.
	rest := discordhttp.TransportOf(a.Session)
	rest.OnInvalid(a.Metrics.DiscordInvalidRequest)
	a.Metrics.SetDiscordInvalidWindow(rest.InvalidRequests)
	gw := newGateway(a.Session, a.onGateway, len(a.shardSessions))
	a.discordUp = gw
	signer := bot.NewSigner(a.key)
	discord := discordact.New(a.Session, signer)
	a.alerts = &notifier{s: a.Session, dm: discord.DM, owners: cfg.Owners, channel: cfg.AlertChannelID}
	a.Health = health.New(health.Options{
		Pool: pool, Gateway: gw, Logger: logger, Metrics: a.Metrics,
		Notifier: health.NotifierFunc(func(ctx context.Context, al health.Alert) error {
			return a.alerts.Notify(ctx, al.Text())
		}),
		Interval: cfg.HealthcheckInterval, Autobackup: cfg.EnableAutobackup, BackupDir: cfg.BackupDir,
		FallbackBacklog: a.Audit.Backlog, DiscordInvalidRequests: rest.InvalidRequests, Now: opts.Now, Thresholds: thresholds(cfg),
	})
	a.Ops = ops.New(ops.Options{Addr: cfg.HTTPAddr, Logger: logger, Ready: a.Health.Ready, Metrics: a.Metrics.Handler()})
	a.watchdog = ops.NewWatchdog(logger, a.Health.Healthy)
	if cfg.EnableHealthchecks && opts.RecordHealthRuns {
		a.runs = rollout.NewRecorder(a.Store, rollout.RecorderOptions{Enforce: cfg.EnforceModeration, Env: string(cfg.Env)})
	}

	a.Backup, err = backup.New(backup.OptionsFromConfig(cfg), logger)
	if err != nil {
		return err
	}
	if cfg.EnableAutobackup {
		if a.scheduler, err = a.newScheduler(); err != nil {
			return err
		}
	}
	a.jobs = a.newJobs(discord)
	reg := bot.NewRegistry()
	a.Privacy = privacy.New(a.Store, privacy.Options{Dir: cfg.ExportDir, Retention: cfg.ExportRetention, Now: opts.Now,
		Logger: logger})
	if _, err := a.Privacy.Prune(); err != nil {
		log.Warn("Could not delete expired data exports", "error", err)
	}
	if err := a.registerRetention(); err != nil {
		return err
	}
	ladder, err := strike.NewLadder(cfg.StrikeLadder, cfg.StrikeWindow, cfg.StrikeTimeout)
	if err != nil {
		return err
	}
	a.Strikes = strike.New(a.Store, discord, discord, strike.Options{Ladder: ladder, Enforce: cfg.EnforceModeration,
		Owners: cfg.Owners, Now: opts.Now, Logger: logger})
	guildAlerts := &guildAlerter{delivery: *a.alerts, modLog: a.Strikes.ModLog,
		owner: func(ctx context.Context, guildID string) (string, error) {
			g, err := discord.Guild(ctx, guildID)
			return g.OwnerID, err
		}}
	modRules := modrules.New(a.Store, modrules.Options{Logger: logger, Alert: guildAlerts.Alert,
		OnChange: func(guildID string) { a.AutoMod.SyncInBackground(guildID) }})
	// Rule and settings changes made by other processes on the database
	// reach this one's caches at once (README, "Several processes, one database").
	caches := []notify.Cache{modRules}
	a.AutoMod = a.newAutoMod(discord, modRules)
	a.AntiNuke = a.newAntiNuke(discord, guildAlerts.Alert)
	a.buildMessages(modRules, discord)
	a.Lockdown = a.newLockdown(discord)
	a.buildRaids(discord, guildAlerts.Alert)
	if a.Raids != nil {
		caches = append(caches, a.Raids)
	}
	a.cacheNotify = notify.New(a.Store.ListenConn, notify.Options{Logger: logger}, caches...)
	a.intents.watch(a.onGateway, log)
	guildSnap := a.newGuildSnap(discord)
	command.Register(reg, command.Deps{DiscordQueued: rest.Queued, ModRules: modRules, Store: a.Store, Now: opts.Now, Privacy: a.Privacy, Owners: cfg.Owners, Health: a.Health,
		HealthSummary: func() string { return command.GuildHealthSummary(a.Health.Snapshot()) }, Backup: a.Backup, Metrics: a.Metrics, FlaggedThreshold: cfg.FlaggedThreshold, Strikes: a.Strikes,
		AuditSetAside: a.Audit.SetAside, AutoMod: a.AutoMod, SelfID: a.selfID, MessageModeration: a.messageIntent.status, Interactions: a.interactionsMode,
		Lockdown: a.Lockdown, RaidDetection: a.membersIntent.status, Raids: a.Raids, GuildSnap: guildSnap})
	guard := permission.New(cfg.Owners, a.Audit, logger, a.Metrics.PermissionDenied)
	mod := moderator.New(a.Store, logger, moderator.Options{OnFlag: a.Metrics.Flagged, OnOverrun: a.Metrics.RuleOverrun,
		Checker: func(ctx context.Context, guildID string) moderator.Checker { return modRules.Checker(ctx, guildID) }})
	a.Bot = bot.New(a.Session, reg, signer, bot.Options{
		Logger: logger,
		// The pipeline, outermost first (README, "How a command runs").
		Handler: middleware.Chain(middleware.Dispatch,
			middleware.Recover(logger, a.Audit),
			middleware.WaitForDatabase(middleware.DatabaseWait),
			a.Limiter.Middleware(),
			guard.Middleware(),
			middleware.Validate(),
			mod.Middleware(),
			auditlog.Middleware(a.Audit, logger),
		),
		Events:            a.Audit,
		GuildID:           cfg.DiscordGuildID,
		HideAdminCommands: cfg.HideAdminCommands,
		OnInteraction:     a.Metrics.Interaction,
		Now:               opts.Now,
		AddHandler:        a.onGateway,
	})
	a.endpoint = a.newEndpoint()
	return nil
}

// lifecycle lists the bot's services in start order, after the word-list
// warm-up that Start begins before construction; Stop runs them down
// in reverse, so the gateway drains in-flight interactions before the
// listeners, loops and the audit writer behind them stop. startCtx bounds
// the command registration.
func (a *App) lifecycle(startCtx context.Context) []service.Service {
	log := logging.Component(a.log, "Bot")
	a.gateway = &gatewayService{bot: a.Bot, s: a.Session, shards: a.shardSessions, stopGate: a.gateStop,
		registerCtx: startCtx, log: log, intents: &a.intents}
	services := []service.Service{
		a.Audit,
		a.recorder,
		a.Limiter,
		a.cacheNotify,
		service.Go(func(ctx context.Context) {
			a.setAside.run(ctx, a.alerts.Notify, a.Audit.SetAside, logging.Component(a.log, "Audit"))
		}),
		// A port already taken stops the start-up; a slow scrape at
		// shutdown gets 5 s and a warning, never a failed shutdown.
		service.Funcs{OnStart: a.Ops.Start, OnStop: func(context.Context) error {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := a.Ops.Stop(ctx); err != nil {
				a.log.Warn("Ops listener shutdown", "error", err)
			}
			return nil
		}},
		bot.NewForgetter(a.Bot, 20*time.Minute, time.Minute),
		// Stopped after the gateway: no event starts a sync after that.
		service.Funcs{OnStop: a.AutoMod.Stop},
		a.Lockdown,
		service.Funcs{OnStop: a.AntiNuke.Stop},
	}
	if a.Messages != nil {
		// Before the gateway, so that it stops after it: the messages in
		// flight finish with the audit writer still running.
		services = append(services, bot.NewMessages(a.onGateway, a.moderateMessage, logging.Component(a.log, "MessageModerator")))
	}
	if a.Raids != nil {
		services = append(services, a.raidService())
	}
	if !a.cfg.HTTPOnly {
		services = append(services, a.gateway)
	} else {
		services = append(services, &restOnlyService{bot: a.Bot, s: a.Session, up: a.discordUp, registerCtx: startCtx, drain: a.gateway.drain, log: log})
	}
	if a.endpoint != nil {
		services = append(services, a.endpointService())
	}
	if a.cfg.EnableHealthchecks {
		services = append(services, a.Health)
	}
	services = append(services, a.jobs)
	// systemd's watchdog settings unreadable is worth a warning, not a bot
	// that stays down.
	services = append(services, service.Funcs{
		OnStart: func(ctx context.Context) error {
			if err := a.watchdog.Start(ctx); err != nil {
				log.Warn("systemd watchdog not started", "error", err)
			}
			return nil
		},
		OnStop: a.watchdog.Stop,
	})
	return services
}

// Stop cancels a running backup, lets in-flight interactions finish
// (bounded by ctx), then stops the services in reverse order without a
// bound, so that the audit and rate-limit records behind them are written
// before the database pool closes.
func (a *App) Stop(ctx context.Context) error {
	log := logging.Component(a.log, "Bot")
	log.Info("Shutting down")
	_ = ops.NotifyStopping()
	// A backup in progress is abandoned, not awaited: a dump can outlast
	// the shutdown budget, and the interaction running it must end for the
	// drain to.
	if a.Backup != nil {
		a.Backup.Cancel()
	}
	err := errors.Join(a.gateway.drain(ctx), a.services.Stop(context.WithoutCancel(ctx)))
	a.pool.Close()
	log.Info("Stopped")
	return err
}

// newScheduler builds the daily backup (SECOPS_BACKUP_CRON). Every run is
// audited; a failure or an oversized backup alerts the owners.
func (a *App) newScheduler() (*backup.Scheduler, error) {
	log := logging.Component(a.log, "Backup")
	return backup.NewScheduler(a.Backup, backup.SchedulerOptions{
		Spec: a.cfg.BackupCron,
		Report: &backup.Reporter{Metrics: a.Metrics, Actor: audit.SystemActor, Alert: a.alerts.Notify, Logger: log, Now: a.opts.Now,
			Audit: func(_ context.Context, e audit.Entry) error { a.Audit.Audit(e); return nil }},
	}, a.log)
}

// enforcementSummary says what the strike ladder does for real, e.g.
// "strike 2 applies a real 24h timeout, strike 3 a real permanent ban".
func enforcementSummary(cfg *config.Config) string {
	var parts []string
	for i, rung := range cfg.StrikeLadder {
		switch rung {
		case config.RungTimeout:
			length := cfg.StrikeTimeout.String()
			if cfg.StrikeTimeout%time.Hour == 0 {
				length = fmt.Sprintf("%dh", cfg.StrikeTimeout/time.Hour)
			}
			parts = append(parts, fmt.Sprintf("strike %d applies a real %s timeout", i+1, length))
		case config.RungBan:
			parts = append(parts, fmt.Sprintf("strike %d a real permanent ban", i+1))
		}
	}
	if len(parts) == 0 {
		return "the strike ladder has no timeout or ban"
	}
	return strings.Join(parts, ", ")
}

// thresholds are the seed's alert thresholds with the configured
// flagged-user violation count.
func thresholds(cfg *config.Config) health.Thresholds {
	t := health.DefaultThresholds()
	if cfg.FlaggedThreshold > 0 {
		t.RateLimitViolations = int64(cfg.FlaggedThreshold)
	}
	return t
}

// selfID is the bot's own user id once connected ("" before): members
// cannot report its messages.
func (a *App) selfID() string {
	a.Session.State.RLock()
	defer a.Session.State.RUnlock()
	if u := a.Session.State.User; u != nil {
		return u.ID
	}
	return ""
}
