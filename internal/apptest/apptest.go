// Package apptest runs the whole bot for end-to-end tests: the real app
// wiring and discordgo Session against the discordsim emulator, on a fresh
// PostgreSQL database, with a sandbox guild (owner, admin, moderator, alice
// and bob) and the logs captured for assertions.
package apptest

import (
	"context"
	"github.com/bwmarrin/discordgo"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/embodied-community/embodied/internal/app"
	"github.com/embodied-community/embodied/internal/chatmod"
	"github.com/embodied-community/embodied/internal/config"
	"github.com/embodied-community/embodied/internal/discordsim"
	"github.com/embodied-community/embodied/internal/logging"
	"github.com/embodied-community/embodied/internal/storetest"
)

// CanaryToken is the bot token of every end-to-end test: each test checks
// at its end that it never appeared in the logs.
const CanaryToken = "Canary.BotToken-9f2c-never-log-me"

// Harness is one running bot and its world.
type Harness struct {
	T     testing.TB
	Sim   *discordsim.Server
	Guild *discordsim.Guild
	DB    *storetest.DB
	App   *app.App
	Cfg   *config.Config
	Clock *discordsim.ManualClock // nil with Options.WallClock
	// identifyInterval is the emulator's identify spacing, which the bot
	// keeps to.
	identifyInterval time.Duration
	logs             *logging.Capture

	Owner, Admin, Moderator, Alice, Bob *discordsim.Member
}

// Options adjust a Harness beyond the bot's configuration.
type Options struct {
	// WallClock runs the emulator and the bot on the real clock instead of
	// a ManualClock, so that Discord's 3 seconds are real time, as load and
	// the drills need; Harness.Clock is then nil.
	WallClock bool
	// PrivilegedIntents are those enabled in the emulated developer portal
	// (nil: all).
	PrivilegedIntents *discordgo.Intent
	// OnMessageDecision sees every message moderation decision.
	OnMessageDecision func(chatmod.Event, chatmod.Decision)
	// LockdownInterval is app.Options.LockdownInterval.
	LockdownInterval time.Duration
	// Shards and MaxConcurrency are the emulator's shard count and
	// max_concurrency (default 1 each); the bot's DISCORD_SHARD_* come from
	// configure.
	Shards, MaxConcurrency int
	// IdentifyInterval is the emulator's identify spacing and the bot's
	// (default 10 ms, so that tests that reconnect need not wait Discord's
	// 5 s; the emulator still enforces the spacing).
	IdentifyInterval time.Duration
	// Beside runs this bot as another process beside an existing Harness:
	// the same emulator (and clock), sandbox guild and PostgreSQL database,
	// as several processes of one deployment share Discord and the
	// database. Its own options (clock, privileged intents) are ignored.
	Beside *Harness
}

// New starts the bot. configure may adjust the configuration first.
func New(t testing.TB, configure ...func(*config.Config)) *Harness {
	t.Helper()
	return Start(t, Options{}, configure...)
}

// Start is New with options.
func Start(t testing.TB, o Options, configure ...func(*config.Config)) *Harness {
	t.Helper()
	h := &Harness{T: t, logs: &logging.Capture{}}
	now := time.Now
	if b := o.Beside; b != nil {
		h.Sim, h.Guild, h.Clock, h.DB, h.identifyInterval = b.Sim, b.Guild, b.Clock, b.DB, b.identifyInterval
		if h.Clock != nil {
			now = h.Clock.Now
		}
	} else {
		h.identifyInterval = o.IdentifyInterval
		if h.identifyInterval <= 0 {
			h.identifyInterval = 10 * time.Millisecond
		}
		simOpts := discordsim.Options{Token: CanaryToken, PrivilegedIntents: o.PrivilegedIntents, Shards: o.Shards,
			MaxConcurrency: o.MaxConcurrency, IdentifyInterval: h.identifyInterval}
		if !o.WallClock {
			h.Clock = discordsim.NewManualClock(time.Date(2025, 10, 7, 14, 30, 15, 0, time.UTC))
			simOpts.Clock, now = h.Clock, h.Clock.Now
		}
		h.Sim = discordsim.NewTest(t, simOpts)
		h.Guild = h.Sim.SeedSandbox()
		h.DB = storetest.New(t)
	}
	sim, g := h.Sim, h.Guild
	h.Owner, h.Admin, h.Moderator = g.Owner(), g.MemberByName("admin"), g.MemberByName("moderator")
	h.Alice, h.Bob = g.MemberByName("alice"), g.MemberByName("bob")
	h.Cfg = &config.Config{
		Env:                 config.EnvDev,
		HealthcheckInterval: 5 * time.Minute,
		BackupCron:          "0 3 * * *",
		ShardCount:          1,
		BackupDir:           filepath.Join(t.TempDir(), "backups"),
		BackupRetention:     30 * 24 * time.Hour,
		HTTPAddr:            "off",
		ShutdownTimeout:     10 * time.Second,
		AuditFallbackFile:   filepath.Join(t.TempDir(), "audit-fallback.jsonl"),
		Owners:              []string{h.Owner.ID()},
		DatabaseURL:         h.DB.AppURL,
		MigrationURL:        h.DB.OwnerURL,
		DiscordToken:        config.Secret(sim.Token()),
		DiscordAPIURL:       sim.URL(),
		LogLevel:            "debug",
		LogFormat:           "text",
	}
	for _, c := range configure {
		c(h.Cfg)
	}
	logger, _, err := logging.New(h.logs, logging.Options{Format: h.Cfg.LogFormat, Level: h.Cfg.LogLevel})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	h.App, err = app.Start(ctx, h.Cfg, logger, app.Options{Now: now, OnMessageDecision: o.OnMessageDecision, LockdownInterval: o.LockdownInterval,
		IdentifyInterval: h.identifyInterval})
	if err != nil {
		t.Fatalf("start the bot: %v\nlogs:\n%s", err, h.logs.String())
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		if err := h.App.Stop(ctx); err != nil {
			t.Errorf("stop the bot: %v", err)
		}
		// Secrets never reach the logs, whatever the test did.
		if strings.Contains(h.logs.String(), CanaryToken) {
			t.Errorf("the bot token appeared in the logs")
		}
		if u, err := url.Parse(h.DB.AppURL); err == nil {
			if pw, ok := u.User.Password(); ok && strings.Contains(h.logs.String(), pw) {
				t.Errorf("the database password appeared in the logs")
			}
		}
		if t.Failed() {
			t.Logf("bot logs:\n%s", h.logs.String())
		}
	})
	return h
}

// Run has member run a slash command and returns what they saw.
func (h *Harness) Run(member *discordsim.Member, command string, opts ...discordsim.Option) *discordsim.Interaction {
	h.T.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ix, err := h.Sim.Run(ctx, member, command, opts...)
	if err != nil {
		h.T.Fatalf("%s runs %s: %v\nlogs:\n%s", member.User.Username, command, err, h.logs.String())
	}
	return ix
}

// Click has member click a button on msg.
func (h *Harness) Click(member *discordsim.Member, msg *discordsim.Message, customID string) *discordsim.Interaction {
	h.T.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ix, err := h.Sim.Click(ctx, member, msg, customID)
	if err != nil {
		h.T.Fatalf("%s clicks %s: %v", member.User.Username, customID, err)
	}
	return ix
}

// Logs returns everything logged so far.
func (h *Harness) Logs() string { return h.logs.String() }

// LogLines returns the log lines containing every one of parts.
func (h *Harness) LogLines(parts ...string) []string { return h.logs.Lines(parts...) }

// Eventually polls cond for up to 10 s (for work done in the background,
// such as batched writes).
func (h *Harness) Eventually(what string, cond func() bool) {
	h.T.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if cond() {
			return
		}
		if time.Now().After(deadline) {
			h.T.Fatalf("timed out waiting for %s", what)
		}
	}
}

// Count runs a count(*) query as the application role.
func (h *Harness) Count(query string, args ...any) int {
	h.T.Helper()
	var n int
	if err := h.DB.App.QueryRow(context.Background(), query, args...).Scan(&n); err != nil {
		h.T.Fatalf("%s: %v", query, err)
	}
	return n
}

// CustomIDs lists the custom ids of msg's buttons and selects, in order.
func CustomIDs(msg *discordsim.Message) []string {
	var out []string
	var walk func(cs []discordgo.MessageComponent)
	walk = func(cs []discordgo.MessageComponent) {
		for _, c := range cs {
			switch v := c.(type) {
			case *discordgo.ActionsRow:
				walk(v.Components)
			case discordgo.ActionsRow:
				walk(v.Components)
			case *discordgo.Button:
				out = append(out, v.CustomID)
			case discordgo.Button:
				out = append(out, v.CustomID)
			case *discordgo.SelectMenu:
				out = append(out, v.CustomID)
			case discordgo.SelectMenu:
				out = append(out, v.CustomID)
			}
		}
	}
	walk(msg.Components)
	return out
}
