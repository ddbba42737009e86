// Package app wires the bot together: database pool, Discord session,
// command pipeline and background services. It is the only package that
// knows both Discord and SQL; cmd/embodied just calls Run.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/embodied-community/embodied/internal/audit"
	"github.com/embodied-community/embodied/internal/backup"
	"github.com/embodied-community/embodied/internal/bot"
	"github.com/embodied-community/embodied/internal/command"
	"github.com/embodied-community/embodied/internal/config"
	"github.com/embodied-community/embodied/internal/discordact"
	"github.com/embodied-community/embodied/internal/discordhttp"
	"github.com/embodied-community/embodied/internal/health"
	"github.com/embodied-community/embodied/internal/logging"
	"github.com/embodied-community/embodied/internal/metrics"
	"github.com/embodied-community/embodied/internal/middleware"
	"github.com/embodied-community/embodied/internal/middleware/auditlog"
	"github.com/embodied-community/embodied/internal/middleware/moderator"
	"github.com/embodied-community/embodied/internal/middleware/permission"
	"github.com/embodied-community/embodied/internal/middleware/ratelimit"
	"github.com/embodied-community/embodied/internal/moderation"
	"github.com/embodied-community/embodied/internal/modrules"
	"github.com/embodied-community/embodied/internal/ops"
	"github.com/embodied-community/embodied/internal/privacy"
	"github.com/embodied-community/embodied/internal/schema"
	"github.com/embodied-community/embodied/internal/store"
	"github.com/embodied-community/embodied/internal/strike"
)

// Options are for tests: an injected clock.
type Options struct {
	Now func() time.Time
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

	recorder  *ratelimit.Recorder
	alerts    *notifier // owners' DMs and the alert channel
	setAside  *setAsideAlerts
	scheduler *backup.Scheduler
	watchdog  *ops.Watchdog
	cancel    context.CancelFunc
	bg        sync.WaitGroup
}

// Run starts the bot and blocks until ctx is cancelled, then shuts down
// within cfg.ShutdownTimeout.
func Run(ctx context.Context, cfg *config.Config, logger *slog.Logger) error {
	a, err := Start(ctx, cfg, logger, Options{})
	if err != nil {
		return err
	}
	<-ctx.Done()
	stopCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	return a.Stop(stopCtx)
}

// Start connects everything and returns once the bot is online.
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
	pool, err := store.Open(startCtx, cfg.DatabaseURL, cfg.DBPassword.Reveal())
	if err != nil {
		return nil, err
	}
	a.Store = store.New(pool)
	fail := func(err error) (*App, error) {
		pool.Close()
		return nil, err
	}
	if err := a.Store.Ping(startCtx); err != nil {
		return fail(err)
	}
	if err := schema.CheckCurrent(startCtx, pool); err != nil {
		return fail(err)
	}
	key, err := bot.LoadKey(startCtx, pool, bot.KeySource{Configured: cfg.ComponentSigningKey.Reveal(),
		File: cfg.ComponentSigningKeyFile, Logger: log})
	if err != nil {
		return fail(err)
	}

	bgCtx, bgCancel := context.WithCancel(context.Background())
	a.cancel = bgCancel
	// Compiling the built-in word lists takes a second or more (several under
	// the race detector); do it now, beside the database and gateway start-up,
	// rather than on the first moderated command, which would otherwise be
	// deferred and answered late.
	a.background(func() { moderation.Default() })
	a.Metrics = metrics.New()
	a.setAside = newSetAsideAlerts(a.Metrics)
	a.Audit, err = audit.NewWriter(pool, cfg.AuditFallbackFile, logging.Component(logger, "Audit"), audit.Options{Now: opts.Now,
		OnFallback: a.Metrics.FallbackWrite, OnSetAside: a.setAside.add})
	if err != nil {
		bgCancel()
		return fail(err)
	}
	a.Audit.Start(bgCtx)
	a.recorder = ratelimit.NewRecorder(pool, logging.Component(logger, "RateLimiter"))
	a.Limiter = ratelimit.New(logging.Component(logger, "RateLimiter"), ratelimit.Options{Now: opts.Now, Recorder: a.recorder,
		OnLimited: a.Metrics.RateLimited})
	a.background(func() { a.recorder.Run(bgCtx, time.Second) })
	a.background(func() { a.Limiter.Run(bgCtx, time.Minute) })

	a.Session, err = discordhttp.NewSession(cfg.DiscordToken.Reveal(), cfg.DiscordAPIURL, logging.Component(logger, "Discord"))
	if err != nil {
		a.stopBackground()
		return fail(err)
	}
	gw := newGateway(a.Session)
	a.alerts = &notifier{s: a.Session, owners: cfg.Owners, channel: cfg.AlertChannelID}
	a.background(func() { a.setAside.run(bgCtx, a.alerts.Notify, a.Audit.SetAside, logging.Component(logger, "Audit")) })
	a.Health = health.New(health.Options{
		Pool: pool, Gateway: gw, Logger: logging.Component(logger, "HealthCheck"), Metrics: a.Metrics,
		Notifier: health.NotifierFunc(func(ctx context.Context, al health.Alert) error {
			return a.alerts.Notify(ctx, al.Text())
		}),
		Interval: cfg.HealthcheckInterval, Autobackup: cfg.EnableAutobackup, BackupDir: cfg.BackupDir,
		FallbackBacklog: a.Audit.Backlog, Now: opts.Now, Thresholds: thresholds(cfg),
	})
	a.Ops = ops.New(ops.Options{Addr: cfg.HTTPAddr, Logger: logging.Component(logger, "Ops"), Ready: a.Health.Ready, Metrics: a.Metrics.Handler()})
	if err := a.Ops.Start(bgCtx); err != nil {
		a.stopBackground()
		return fail(err)
	}

	a.Backup, err = backup.New(backup.OptionsFromConfig(cfg), logging.Component(logger, "Backup"))
	if err != nil {
		a.stopBackground()
		return fail(err)
	}
	reg := bot.NewRegistry()
	signer := bot.NewSigner(key)
	a.Privacy = privacy.New(pool, privacy.Options{Dir: cfg.ExportDir, Retention: cfg.ExportRetention, Now: opts.Now,
		Logger: logging.Component(logger, "Privacy")})
	if _, err := a.Privacy.Prune(); err != nil {
		log.Warn("Could not delete expired data exports", "error", err)
	}
	ladder, err := strike.NewLadder(cfg.StrikeLadder, cfg.StrikeWindow, cfg.StrikeTimeout)
	if err != nil {
		a.stopBackground()
		return fail(err)
	}
	discord := discordact.New(a.Session, signer)
	a.Strikes = strike.New(pool, discord, discord, strike.Options{Ladder: ladder, Enforce: cfg.EnforceModeration,
		Owners: cfg.Owners, Now: opts.Now, Logger: logging.Component(logger, "WarningSystem")})
	guildAlerts := &guildAlerter{s: a.Session, modLog: a.Strikes.ModLog}
	modRules := modrules.New(pool, modrules.Options{Logger: logging.Component(logger, "ContentModerator"), Alert: guildAlerts.Alert})
	command.Register(reg, command.Deps{ModRules: modRules, Store: a.Store, Now: opts.Now, Privacy: a.Privacy, Owners: cfg.Owners, Health: a.Health,
		HealthSummary: func() string { return command.GuildHealthSummary(a.Health.Snapshot()) }, Backup: a.Backup, Metrics: a.Metrics, FlaggedThreshold: cfg.FlaggedThreshold, Strikes: a.Strikes,
		AuditSetAside: a.Audit.SetAside})
	guard := permission.New(cfg.Owners, a.Audit, logging.Component(logger, "PermissionGuard"), a.Metrics.PermissionDenied)
	mod := moderator.New(pool, logging.Component(logger, "ContentModerator"), moderator.Options{OnFlag: a.Metrics.Flagged, OnOverrun: a.Metrics.RuleOverrun,
		Checker: func(ctx context.Context, guildID string) moderator.Checker { return modRules.Checker(ctx, guildID) }})
	a.Bot = bot.New(a.Session, reg, signer, bot.Options{
		Logger: logger,
		// The pipeline, outermost first (README, "How a command runs").
		Handler: middleware.Chain(middleware.Dispatch,
			middleware.Recover(logging.Component(logger, "Bot"), a.Audit),
			a.Limiter.Middleware(),
			guard.Middleware(),
			middleware.Validate(),
			mod.Middleware(),
			auditlog.Middleware(a.Audit, logging.Component(logger, "Audit")),
		),
		Events:            a.Audit,
		GuildID:           cfg.DiscordGuildID,
		HideAdminCommands: cfg.HideAdminCommands,
		OnInteraction:     a.Metrics.Interaction,
		Now:               opts.Now,
	})
	a.Bot.Start()
	a.background(func() { a.Bot.Forget(bgCtx, 20*time.Minute, time.Minute) })
	if err := a.Session.Open(); err != nil {
		a.stopBackground()
		return fail(fmt.Errorf("connect to the Discord gateway: %w", err))
	}
	if err := a.Bot.Register(startCtx); err != nil {
		a.Session.Close()
		a.stopBackground()
		return fail(err)
	}
	log.Info("Connected to Discord", "user", a.Session.State.User.Username)
	if cfg.EnableHealthchecks {
		if err := a.Health.Start(bgCtx); err != nil {
			log.Error("Health checks could not start", "error", err)
		}
	}
	if cfg.EnableAutobackup {
		if err := a.startBackups(bgCtx); err != nil {
			log.Error("Scheduled backups could not start", "error", err)
		}
	}
	a.watchdog = ops.NewWatchdog(logging.Component(logger, "Ops"), a.Health.Healthy)
	if err := a.watchdog.Start(bgCtx); err != nil {
		log.Warn("systemd watchdog not started", "error", err)
	}
	if err := ops.NotifyReady(); err != nil {
		log.Warn("systemd readiness notification failed", "error", err)
	}
	return a, nil
}

func (a *App) background(f func()) {
	a.bg.Add(1)
	go func() {
		defer a.bg.Done()
		f()
	}()
}

func (a *App) stopBackground() {
	if a.scheduler != nil {
		a.scheduler.Stop()
	}
	if a.watchdog != nil {
		a.watchdog.Stop()
	}
	if a.Health != nil {
		a.Health.Stop()
	}
	if a.Ops != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := a.Ops.Shutdown(ctx); err != nil {
			a.log.Warn("Ops listener shutdown", "error", err)
		}
	}
	a.cancel()
	a.bg.Wait()
	a.Audit.Stop()
}

// Stop lets in-flight interactions finish (bounded by ctx), flushes the
// audit and rate-limit records, and closes the connections.
func (a *App) Stop(ctx context.Context) error {
	log := logging.Component(a.log, "Bot")
	log.Info("Shutting down")
	_ = ops.NotifyStopping()
	var errs []error
	if err := a.Bot.Stop(ctx); err != nil {
		errs = append(errs, err)
	}
	if err := a.Session.Close(); err != nil {
		errs = append(errs, fmt.Errorf("close Discord session: %w", err))
	}
	a.stopBackground()
	a.Store.Pool().Close()
	log.Info("Stopped")
	return errors.Join(errs...)
}

// startBackups runs the daily backup (SECOPS_BACKUP_CRON). Every run is
// audited; a failure or an oversized backup alerts the owners.
func (a *App) startBackups(ctx context.Context) error {
	log := logging.Component(a.log, "Backup")
	var err error
	a.scheduler, err = backup.NewScheduler(a.Backup, backup.SchedulerOptions{
		Spec: a.cfg.BackupCron,
		OnResult: func(ctx context.Context, res backup.Result, err error) {
			entry := audit.Entry{GuildID: audit.GlobalGuild, ActionType: "backup", ActorID: audit.SystemActor,
				Details: map[string]any{"trigger": backup.TriggerScheduled, "ok": err == nil}}
			a.Metrics.Backup(err == nil, res.Size, res.Duration, a.opts.Now())
			switch {
			case err != nil:
				entry.Details["error"] = err.Error()
				if nerr := a.alerts.Notify(ctx, "🚨 Scheduled backup failed: "+err.Error()); nerr != nil {
					log.Error("Backup failure alert not delivered", "error", nerr)
				}
			default:
				entry.Details["file"], entry.Details["size"], entry.Details["sha256"] = res.File, res.Size, res.SHA256
				if lvl := backup.SizeLevel(res.Size); lvl != backup.LevelOK {
					msg := fmt.Sprintf("⚠️ Backup %s is %s (%s level: warning > 100 MB, critical > 500 MB)", res.File, backup.FormatSize(res.Size), lvl)
					if nerr := a.alerts.Notify(ctx, msg); nerr != nil {
						log.Error("Backup size alert not delivered", "error", nerr)
					}
				}
			}
			a.Audit.Audit(entry)
		},
	}, log)
	if err != nil {
		return err
	}
	return a.scheduler.Start(ctx)
}

// enforcementSummary says what the strike ladder does for real, e.g.
// "strike 2 applies a real 24h timeout, strike 3 a real permanent ban".
func enforcementSummary(cfg *config.Config) string {
	var parts []string
	for i, rung := range strings.Split(cfg.StrikeLadder, ",") {
		switch rung {
		case "timeout":
			length := cfg.StrikeTimeout.String()
			if cfg.StrikeTimeout%time.Hour == 0 {
				length = fmt.Sprintf("%dh", cfg.StrikeTimeout/time.Hour)
			}
			parts = append(parts, fmt.Sprintf("strike %d applies a real %s timeout", i+1, length))
		case "ban":
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
