package command

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/embodied-community/embodied/internal/audit"
	"github.com/embodied-community/embodied/internal/bot"
	"github.com/embodied-community/embodied/internal/middleware"
	"github.com/embodied-community/embodied/internal/middleware/auditlog"
	"github.com/embodied-community/embodied/internal/privacy"
)

// Audit action types of the data rights.
const (
	actionExport  = "gdpr_export"
	actionErasure = "gdpr_erasure"
)

// EraseConfirmWindow is how long a /privacy delete confirmation button
// stays valid.
const EraseConfirmWindow = 10 * time.Minute

// MaxAttachment bounds the size of an attached export whatever the
// interaction's attachment_size_limit (boosted servers announce up to
// hundreds of MiB): Discord refuses request bodies over 25 MiB, and
// discordgo builds the multipart body in memory.
const MaxAttachment = 24 << 20

// ExportLimit is how often a member may export their own data.
var ExportLimit = middleware.Limit{Burst: 1, Per: 24 * time.Hour}

func registerPrivacy(reg *bot.Registry, d Deps) {
	if d.Privacy == nil {
		return
	}
	reg.Group(bot.Group{Name: "privacy", Description: "Your data: get a copy or delete it"})
	selfExport := middleware.Policy{Level: middleware.Member, GuildOnly: true, Ephemeral: true,
		ActionType: actionExport, Effect: middleware.External, Limit: ExportLimit}
	reg.Add(
		bot.Spec{
			Name: "security export-data", Description: "Export everything the bot stores about a member (GDPR)",
			Options: []bot.Option{
				{Name: "user", Description: "Whose data", Type: bot.UserOption, Required: true, AllowNonMember: true},
				{Name: "all_guilds", Description: "Every server the bot is in (bot owner only)", Type: bot.Boolean},
			},
			Policy: staff(middleware.Admin, actionExport, middleware.External),
			Defer:  true,
			// A guild admin exports that guild's data; only the bot owner
			// may read across guilds. Refused before anything is recorded.
			Check: func(_ context.Context, in *middleware.Interaction) error {
				if in.Bool("all_guilds", false) && in.Caller < middleware.Owner {
					u, _ := in.Target("user")
					return middleware.Refuse("cross_guild_export", audit.High, u.ID, "❌ Only the bot owner can export across servers.")
				}
				return nil
			},
			Handle: func(ctx context.Context, in *middleware.Interaction) error {
				u, _ := in.Target("user")
				subj := privacy.Subject{UserID: u.ID, GuildID: in.GuildID}
				if in.Bool("all_guilds", false) {
					subj.GuildID = ""
				}
				return deliverExport(ctx, d, in, subj, true)
			},
		},
		bot.Spec{
			Name: "security erase-data", Description: "Erase a member's personal content on their request (GDPR)",
			Options: []bot.Option{
				{Name: "user", Description: "Whose data", Type: bot.UserOption, Required: true, AllowNonMember: true},
				{Name: "reason", Description: "How the request arrived (e.g. email of 2025-10-07)", Type: bot.String,
					Required: true, MinLength: 3, MaxLength: 500},
			},
			Policy: staff(middleware.Moderator, actionErasure, middleware.DatabaseOnly),
			Handle: func(ctx context.Context, in *middleware.Interaction) error {
				u, _ := in.Target("user")
				in.Details = withDetail(in.Details, "source", "staff")
				res, err := d.Privacy.Erase(ctx, in.GuildID, u.ID, auditlog.Entry(in, u.ID, in.String("reason")))
				if err != nil {
					return err
				}
				return in.Say(ctx, "🗑️ Erased the personal content of <@%s> in this server (%d %s changed). Warnings, moderation actions and the audit log are kept, pseudonymised.",
					u.ID, res.Rows(), plural(int(res.Rows()), "record"))
			},
		},
		bot.Spec{
			Name: "privacy export", Description: "Get a copy of everything the bot stores about you here",
			Policy: selfExport,
			Defer:  true,
			Handle: func(ctx context.Context, in *middleware.Interaction) error {
				return deliverExport(ctx, d, in, privacy.Subject{UserID: in.User.ID, GuildID: in.GuildID}, false)
			},
		},
		bot.Spec{
			Name: "privacy delete", Description: "Delete your personal content in this server (asks to confirm)",
			Policy: memberPolicy(true),
			Handle: func(ctx context.Context, in *middleware.Interaction) error {
				issued := strconv.FormatInt(d.Now().Unix(), 10)
				return in.Send(ctx, middleware.Response{
					Content: "⚠️ This deletes your profile, XP, stats, daily records, tenseys, contact list, journal, course progress and your name in duels in this server. " +
						"It cannot be undone. Warnings, moderation actions and the audit log are kept (with your identity pseudonymised where possible), as the server's safety record.\n" +
						"Tip: `/privacy export` first if you want a copy. The button works for 10 minutes.",
					Components: []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{
						discordgo.Button{Label: "Delete my data", Style: discordgo.DangerButton,
							CustomID: d.Signer.MustSign("privacy-erase", in.GuildID, in.User.ID, issued)},
						discordgo.Button{Label: "Cancel", Style: discordgo.SecondaryButton,
							CustomID: d.Signer.MustSign("privacy-cancel", in.GuildID, in.User.ID)},
					}}},
				})
			},
		},
	)
	reg.AddComponent(
		bot.Component{Action: "privacy-erase",
			Policy: middleware.Policy{Level: middleware.Member, GuildOnly: true, Ephemeral: true,
				ActionType: actionErasure, Effect: middleware.DatabaseOnly},
			Handle: func(ctx context.Context, in *middleware.Interaction) error {
				if len(in.Values) < 2 {
					return middleware.Refuse("forged_component", audit.High, "", bot.MsgForged)
				}
				if in.Values[0] != in.User.ID {
					return middleware.Refuse("foreign_confirmation", audit.High, in.Values[0], "❌ Only the member who asked can confirm this.")
				}
				issued, err := strconv.ParseInt(in.Values[1], 10, 64)
				if err != nil {
					return middleware.Refuse("forged_component", audit.High, "", bot.MsgForged)
				}
				if d.Now().Sub(time.Unix(issued, 0)) > EraseConfirmWindow {
					return middleware.Errorf("⌛ This confirmation has expired: run `/privacy delete` again.")
				}
				in.Details = withDetail(in.Details, "source", "self")
				res, err := d.Privacy.Erase(ctx, in.GuildID, in.User.ID, auditlog.Entry(in, in.User.ID, "requested by the member"))
				if err != nil {
					return err
				}
				return in.Send(ctx, middleware.Response{Update: true, Components: []discordgo.MessageComponent{},
					Content: fmt.Sprintf("🗑️ Done: your personal content in this server is erased (%d %s). Warnings, moderation actions and the audit log are kept, pseudonymised.",
						res.Rows(), plural(int(res.Rows()), "record"))})
			}},
		bot.Component{Action: "privacy-cancel", Policy: memberPolicy(true),
			Handle: func(ctx context.Context, in *middleware.Interaction) error {
				return in.Send(ctx, middleware.Response{Update: true, Components: []discordgo.MessageComponent{},
					Content: "Cancelled: nothing was deleted."})
			}},
	)
}

// withDetail adds an audit detail, creating the map when needed.
func withDetail(m map[string]any, k string, v any) map[string]any {
	if m == nil {
		m = map[string]any{}
	}
	m[k] = v
	return m
}

// deliverExport exports subj and attaches the file, gzip'd when over the
// interaction's upload limit, or says where it is kept when even that is
// too large. staffView says whether the caller may be told the server path.
func deliverExport(ctx context.Context, d Deps, in *middleware.Interaction, subj privacy.Subject, staffView bool) error {
	limit := min(in.AttachmentSizeLimit, MaxAttachment)
	f, err := d.Privacy.Export(ctx, subj, limit)
	if err != nil {
		return err
	}
	in.Details = withDetail(in.Details, "rows", f.Counts.Total())
	in.Details["bytes"] = f.Size
	in.Details["gzipped"] = f.Gzipped
	in.Details["kept"] = f.Kept
	in.Details["allGuilds"] = subj.AllGuilds()
	in.Details["subject"] = subj.UserID
	scope := "this server"
	if subj.AllGuilds() {
		scope = "every server"
	}
	who := "your data"
	if staffView {
		who = fmt.Sprintf("the data of <@%s>", subj.UserID)
	}
	summary := fmt.Sprintf("📦 Export of %s in %s: %d %s.", who, scope, f.Counts.Total(), plural(int(f.Counts.Total()), "record"))
	if f.Kept {
		until := fmt.Sprintf("<t:%d:f> (%s UTC)", f.ExpiresAt.Unix(), f.ExpiresAt.UTC().Format("2006-01-02 15:04"))
		if staffView {
			return in.Say(ctx, "%s It is %s compressed, over this channel's %s upload limit, so it is kept on the bot's server at `%s` until %s, then deleted. Hand it over by a private channel.",
				summary, mib(f.Size), mib(limit), f.Path, until)
		}
		in.Log.Info("Member export kept for hand-over", "userId", subj.UserID, "guildId", in.GuildID, "file", f.Path)
		return in.Say(ctx, "%s It is too large to send here (%s compressed), so it was saved for the server admins to hand over: ask them. It is deleted %s.",
			summary, mib(f.Size), until)
	}
	defer func() {
		if err := f.Remove(); err != nil {
			in.Log.Warn("Could not remove a sent export", "error", err)
		}
	}()
	r, err := f.Open()
	if err != nil {
		return fmt.Errorf("open export: %w", err)
	}
	defer r.Close()
	contentType := "application/json"
	if f.Gzipped {
		contentType = "application/gzip"
		summary += fmt.Sprintf(" Compressed with gzip (%s of JSON).", mib(f.RawSize))
	}
	return in.Send(ctx, middleware.Response{Content: summary,
		Files: []*discordgo.File{{Name: f.Name, ContentType: contentType, Reader: r}}})
}

// mib renders a byte count in MiB.
func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }
