// Package sandbox runs the whole bot without Discord: the real app wiring
// connected to the in-process discordsim emulator, with a sample guild
// (owner, admin, moderator, alice, bob), on whatever database the
// configuration names. A Console lets a person (or a test script) run slash
// commands as any member and shows what Discord would have shown; the
// smoke tests drive the same World.
package sandbox

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/embodied-community/embodied/internal/app"
	"github.com/embodied-community/embodied/internal/config"
	"github.com/embodied-community/embodied/internal/discordsim"
	"github.com/embodied-community/embodied/internal/logging"
	"github.com/embodied-community/embodied/internal/metrics"
)

// Options configures a World.
type Options struct {
	// Clock drives the emulator and the bot; nil means the wall clock.
	Clock *discordsim.ManualClock
	// LogOutput also receives the bot's log lines (which are always kept in
	// memory for Logs); nil keeps them in memory only.
	LogOutput io.Writer
}

// World is a running bot connected to a local emulator.
type World struct {
	Sim   *discordsim.Server
	Guild *discordsim.Guild
	App   *app.App
	// Cfg is the configuration the bot runs with: the caller's, pointed at
	// the emulator.
	Cfg   *config.Config
	Clock *discordsim.ManualClock

	logs *logging.Capture
}

// Start starts an emulator with the sample guild and the bot against it.
// cfg supplies the database and the SECOPS_* settings; the Discord token,
// API address and owner are replaced by the emulator's, and the ops
// listener is turned off so a sandbox never clashes with a running bot.
func Start(ctx context.Context, cfg *config.Config, opts Options) (*World, error) {
	simOpts := discordsim.Options{}
	if opts.Clock != nil {
		simOpts.Clock = opts.Clock
	}
	sim, err := discordsim.New(simOpts)
	if err != nil {
		return nil, fmt.Errorf("start the Discord emulator: %w", err)
	}
	g := sim.SeedSandbox()
	if cfg.ModerateMessages {
		// Message moderation deletes with Manage Messages.
		g.BotRole().SetPermissions(g.BotRole().Info().Permissions | discordgo.PermissionManageMessages)
	}
	c := *cfg
	c.DiscordToken = config.Secret(sim.Token())
	c.DiscordAPIURL = sim.URL()
	c.DiscordGuildID = ""
	c.Owners = []string{g.OwnerID}
	c.HTTPAddr = "off"
	c.AlertChannelID = ""
	w := &World{Sim: sim, Guild: g, Cfg: &c, Clock: opts.Clock, logs: &logging.Capture{}}
	var out io.Writer = w.logs
	if opts.LogOutput != nil {
		out = io.MultiWriter(w.logs, opts.LogOutput)
	}
	logger, _, err := logging.New(out, logging.Options{Format: "text", Level: c.LogLevel})
	if err != nil {
		sim.Close()
		return nil, fmt.Errorf("set up sandbox logging: %w", err)
	}
	appOpts := app.Options{}
	if opts.Clock != nil {
		appOpts.Now = opts.Clock.Now
	}
	w.App, err = app.Start(ctx, &c, logger, appOpts)
	if err != nil {
		sim.Close()
		return nil, err
	}
	// Mark the emulated guild, so that health counts and the enforcement
	// gate leave what happens in it out.
	if err := w.App.Store.MarkSandboxGuild(ctx, g.ID); err != nil {
		_ = w.Stop(context.Background())
		return nil, fmt.Errorf("record the sandbox guild: %w", err)
	}
	return w, nil
}

// Stop shuts the bot down, then the emulator.
func (w *World) Stop(ctx context.Context) error {
	err := w.App.Stop(ctx)
	w.Sim.Close()
	return err
}

// Member finds a guild member by username (with or without a leading @).
func (w *World) Member(name string) *discordsim.Member {
	return w.Guild.MemberByName(strings.TrimPrefix(name, "@"))
}

// People are the guild's human members in join order.
func (w *World) People() []*discordsim.Member {
	var out []*discordsim.Member
	for _, m := range w.Guild.Members() {
		if !m.User.Bot {
			out = append(out, m)
		}
	}
	return out
}

// handled is how many interactions the bot has finished handling (its
// interactions_total metric, counted when a handler returns): the console
// waits for it to pass the count from before a command, so that it shows
// every edit the handler made.
func (w *World) handled() float64 {
	families, err := w.App.Metrics.Registry().Gather()
	if err != nil {
		return 0
	}
	var n float64
	for _, f := range families {
		if f.GetName() == metrics.Namespace+"_interactions_total" {
			for _, m := range f.GetMetric() {
				n += m.GetCounter().GetValue()
			}
		}
	}
	return n
}

// Logs returns every line the bot logged so far.
func (w *World) Logs() string { return w.logs.String() }

// LogLines returns the logged lines containing every one of parts.
func (w *World) LogLines(parts ...string) []string { return w.logs.Lines(parts...) }

// HasCommand reports whether the bot registered the slash command path,
// such as "/security backup".
func (w *World) HasCommand(path string) bool {
	parts := strings.Fields(strings.TrimPrefix(path, "/"))
	if len(parts) == 0 {
		return false
	}
	cmds := append(w.Sim.Commands(""), w.Sim.Commands(w.Guild.ID)...)
	for _, c := range cmds {
		if c.Name != parts[0] {
			continue
		}
		opts := c.Options
	walk:
		for _, p := range parts[1:] {
			for _, o := range opts {
				if o.Name == p {
					opts = o.Options
					continue walk
				}
			}
			return false
		}
		return true
	}
	return false
}
