package command

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/embodied-community/embodied/internal/health"
	"github.com/embodied-community/embodied/internal/middleware"
	"github.com/embodied-community/embodied/internal/view"
)

// registerStatus declares /security status. A guild admin sees whether the
// bot is up and that guild's figures; the figures of every guild, the
// memory, the backup files and the table sizes say something about the
// other guilds and the host, so only bot owners see them.
func registerStatus(reg Registry, d Deps) {
	reg.Add(middleware.Spec{
		Name: "security status", Description: "Health checks, this server's security figures (owners: every server's)",
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
			since := d.Now().Add(-24 * time.Hour)
			guild, err := d.Store.GuildCounts(ctx, in.GuildID, since, int64(d.FlaggedThreshold))
			if err != nil {
				return err
			}
			mod, err := d.Store.RecentModerationOutcomes(ctx, in.GuildID, since)
			if err != nil {
				return err
			}
			e := guildStatusEmbed(r)
			addField(e, "This server", fmt.Sprintf("Audit log rows: %d\nUnreviewed flags: %d\nRate-limit flagged users (24 h): %d",
				guild.AuditLogRows, guild.UnreviewedFlags, guild.RateLimitFlaggedUsers), true)
			// Enforcement Discord refused (missing permission, role order)
			// needs a human: it shows here until it is fixed.
			addField(e, "Timeouts and bans (24 h)", fmt.Sprintf("Applied: %d\nRefused by Discord: %d\nSafe mode (not applied): %d",
				mod.Applied, mod.Failed, mod.Simulated), true)
			if mod.Failed > 0 && e.Color == colorOK {
				e.Color = colorWarning
			}
			if d.AutoMod != nil {
				line, err := autoModStatus(ctx, d, in.GuildID)
				if err != nil {
					return err
				}
				if line != "" {
					addField(e, "Discord AutoMod", line, false)
				}
			}
			line, err := antiNukeStatus(ctx, d, in.GuildID)
			if err != nil {
				return err
			}
			if line != "" {
				addField(e, "Anti-nuke", line, false)
			}
			if line := messageModeration(d); line != "" {
				addField(e, "Message moderation", line, false)
			}
			if d.Interactions != nil && d.Interactions() != "" {
				addField(e, "Interactions", d.Interactions(), false)
			}
			if d.RaidDetection != nil {
				if line := d.RaidDetection(); line != "" {
					addField(e, "Raid detection", line, false)
				}
			}
			if in.Caller >= middleware.Owner {
				tables, err := d.Store.TableSizes(ctx)
				if err != nil {
					return err
				}
				addOwnerStatus(e, r, tables)
				addSetAside(e, d.AuditSetAside)
			}
			return in.Send(ctx, middleware.Response{Embeds: []view.Embed{*e}})
		},
	})
}

// messageModeration is the message-moderation line ("" when it is off).
func messageModeration(d Deps) string {
	if d.MessageModeration == nil {
		return ""
	}
	return d.MessageModeration()
}

func passFail(ok bool) string {
	if ok {
		return "PASS"
	}
	return "FAIL"
}

func addField(e *view.Embed, name, value string, inline bool) {
	e.Fields = append(e.Fields, view.Field{Name: name, Value: value, Inline: inline})
}

// guildStatusEmbed is what any admin sees of the bot's health: whether
// Discord and the database answer.
func guildStatusEmbed(r *health.Report) *view.Embed {
	color := colorOK
	if !r.Passed() {
		color = colorDanger
	}
	e := &view.Embed{Title: "System status", Color: color, Footer: GuildHealthSummary(r)}
	addField(e, "Discord connection", fmt.Sprintf("%s (%s)", passFail(r.Discord.OK), r.Discord.Latency.Round(1e6)), true)
	addField(e, "Database connection", fmt.Sprintf("%s (%s)", passFail(r.Database.OK), r.Database.Latency.Round(1e6)), true)
	return e
}

// GuildHealthSummary is the health line guild admins may read, e.g.
// "Health PASS · Discord 42ms · DB 3ms · 05:30 UTC": unlike r.Summary it
// names no host figure (memory, backups).
func GuildHealthSummary(r *health.Report) string {
	if r == nil {
		return "Health: no check has run yet"
	}
	return fmt.Sprintf("Health %s · Discord %s · DB %s · %s", passFail(r.Passed()), latency(r.Discord), latency(r.Database),
		r.At.UTC().Format("15:04 UTC"))
}

func latency(r health.Result) string {
	if !r.OK {
		return "FAIL"
	}
	return fmt.Sprintf("%dms", r.Latency.Milliseconds())
}

// addOwnerStatus adds what only bot owners see: the host's memory, the
// figures of every guild, the backup files, the alert levels and the
// table sizes.
func addOwnerStatus(e *view.Embed, r *health.Report, tables []health.TableSize) {
	e.Footer = clip(r.Summary(), 200)
	addField(e, "Memory", fmt.Sprintf("heapUsed %s\nheapTotal %s\nrss %s", health.MB(r.Memory.HeapUsed), health.MB(r.Memory.HeapTotal), health.MB(r.Memory.RSS)), true)
	if r.Counts != nil {
		addField(e, "All servers", fmt.Sprintf("Audit log rows: %d\nUnreviewed flags: %d\nRate-limit flagged users: %d",
			r.Counts.AuditLogRows, r.Counts.UnreviewedFlags, r.Counts.RateLimitFlaggedUsers), true)
	}
	if b := r.Backup; b != nil {
		v := "no backup yet"
		if b.Newest != "" {
			v = fmt.Sprintf("%s\n%s old, %s", b.Newest, b.Age.Round(60e9), health.MB(uint64(b.Size)))
		}
		addField(e, "Newest backup", v, true)
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
	addField(e, "Alerts", strings.Join(levels, "\n"), false)
	var sizes []string
	for _, t := range tables {
		sizes = append(sizes, fmt.Sprintf("%s: %s", t.Table, t.Size))
	}
	addField(e, "Table sizes", strings.Join(sizes, "\n"), false)
}

// addSetAside adds the audit records set aside for a human (refused by the
// database or unreadable in the fallback file). They may come from any
// guild: the caller shows them to owners only.
func addSetAside(e *view.Embed, setAside func() int) {
	if setAside == nil {
		return
	}
	v := "0"
	if n := setAside(); n > 0 {
		v = fmt.Sprintf("%d — run `embodied audit rejected`", n)
		e.Color = colorDanger
	}
	addField(e, "Audit records set aside", v, true)
}
