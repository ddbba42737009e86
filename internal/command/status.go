package command

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/embodied-community/embodied/internal/bot"
	"github.com/embodied-community/embodied/internal/health"
	"github.com/embodied-community/embodied/internal/middleware"
)

func registerStatus(reg *bot.Registry, d Deps) {
	reg.Add(bot.Spec{
		Name: "security status", Description: "Health checks, alert levels and security table sizes",
		Policy: staff(middleware.Admin, "", middleware.NoAudit),
		Defer:  true,
		Handle: func(ctx context.Context, in *middleware.Interaction) error {
			if d.Health == nil {
				return middleware.Errorf("Health checks are not available in this process.")
			}
			// The last periodic report, or a fresh one when checks are off.
			r := d.Health.Snapshot()
			if r == nil {
				r = d.Health.Check(ctx)
			}
			tables, err := health.TableSizes(ctx, d.Store.Pool())
			if err != nil {
				return err
			}
			mod, err := d.Store.RecentModerationOutcomes(ctx, in.GuildID, d.Now().Add(-24*time.Hour))
			if err != nil {
				return err
			}
			e := statusEmbed(r, tables)
			// Enforcement Discord refused (missing permission, role order)
			// needs a human: it shows here until it is fixed.
			e.Fields = append(e.Fields, &discordgo.MessageEmbedField{Name: "Timeouts and bans (24 h)", Inline: true,
				Value: fmt.Sprintf("Applied: %d\nRefused by Discord: %d\nSafe mode (not applied): %d", mod.Applied, mod.Failed, mod.Simulated)})
			if mod.Failed > 0 {
				e.Color = colorWarning
			}
			addSetAside(e, d, in)
			return in.Send(ctx, middleware.Response{Embeds: []*discordgo.MessageEmbed{e}})
		},
	})
}

func passFail(ok bool) string {
	if ok {
		return "PASS"
	}
	return "FAIL"
}

func statusEmbed(r *health.Report, tables []health.TableSize) *discordgo.MessageEmbed {
	color := colorOK
	if !r.Passed() {
		color = colorDanger
	}
	e := &discordgo.MessageEmbed{Title: "System status", Color: color, Footer: &discordgo.MessageEmbedFooter{Text: clip(r.Summary(), 200)}}
	add := func(name, value string, inline bool) {
		e.Fields = append(e.Fields, &discordgo.MessageEmbedField{Name: name, Value: value, Inline: inline})
	}
	add("Discord connection", fmt.Sprintf("%s (%s)", passFail(r.Discord.OK), r.Discord.Latency.Round(1e6)), true)
	add("Database connection", fmt.Sprintf("%s (%s)", passFail(r.Database.OK), r.Database.Latency.Round(1e6)), true)
	add("Memory", fmt.Sprintf("heapUsed %s\nheapTotal %s\nrss %s", health.MB(r.Memory.HeapUsed), health.MB(r.Memory.HeapTotal), health.MB(r.Memory.RSS)), true)
	if r.Counts != nil {
		add("Security", fmt.Sprintf("Audit log rows: %d\nUnreviewed flags: %d\nRate-limit flagged users: %d",
			r.Counts.AuditLogRows, r.Counts.UnreviewedFlags, r.Counts.RateLimitFlaggedUsers), true)
	}
	if b := r.Backup; b != nil {
		v := "no backup yet"
		if b.Newest != "" {
			v = fmt.Sprintf("%s\n%s old, %s", b.Newest, b.Age.Round(60e9), health.MB(uint64(b.Size)))
		}
		add("Newest backup", v, true)
	}
	var levels []string
	for k, l := range r.Levels {
		if l != health.LevelOK {
			levels = append(levels, fmt.Sprintf("%s: %s", k, l))
		}
	}
	if len(levels) == 0 {
		levels = []string{"none"}
	}
	add("Alerts", strings.Join(levels, "\n"), false)
	var sizes []string
	for _, t := range tables {
		sizes = append(sizes, fmt.Sprintf("%s: %s", t.Table, t.Size))
	}
	add("Table sizes", strings.Join(sizes, "\n"), false)
	return e
}
