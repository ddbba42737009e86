package command

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/embodied-community/embodied/internal/audit"
	"github.com/embodied-community/embodied/internal/middleware"
	"github.com/embodied-community/embodied/internal/middleware/auditlog"
	"github.com/embodied-community/embodied/internal/middleware/permission"
	"github.com/embodied-community/embodied/internal/privacy"
	"github.com/embodied-community/embodied/internal/view"
)

// Audit action types of the data rights.
const (
	actionExport  = "gdpr_export"
	actionErasure = "gdpr_erasure"
)

// EraseConfirmWindow is how long a /privacy delete or /security erase-data
// confirmation button stays valid.
const EraseConfirmWindow = 10 * time.Minute

// MaxAttachment bounds the size of an attached export whatever the
// interaction's attachment_size_limit (boosted servers announce up to
// hundreds of MiB): Discord refuses request bodies over 25 MiB, and
// discordgo builds the multipart body in memory.
const MaxAttachment = 24 << 20

// ExportLimit is how often a member may export their own data.
var ExportLimit = middleware.Limit{Burst: 1, Per: 24 * time.Hour}

func registerPrivacy(reg Registry, d Deps) {
	if d.Privacy == nil {
		return
	}
	reg.Group(middleware.Group{Name: "privacy", Description: "Your data: get a copy or delete it"})
	selfExport := middleware.Policy{Level: middleware.Member, GuildOnly: true, Ephemeral: true,
		ActionType: actionExport, Effect: middleware.External, Limit: ExportLimit}
	reg.Add(
		middleware.Spec{
			Name: "security export-data", Description: "Export everything the bot stores about a member (GDPR)",
			Options: []middleware.Option{
				{Name: "user", Description: "Whose data", Type: middleware.UserOption, Required: true, AllowNonMember: true},
				{Name: "all_guilds", Description: "Every server the bot is in (bot owner only)", Type: middleware.Boolean},
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
		middleware.Spec{
			Name: "security erase-data", Description: "Erase a member's personal content on their request (GDPR; asks to confirm)",
			Options: []middleware.Option{
				{Name: "user", Description: "Whose data", Type: middleware.UserOption, Required: true, AllowNonMember: true},
				{Name: "reason", Description: "How the request arrived (e.g. email of 2025-10-07)", Type: middleware.String,
					Required: true, MinLength: 3, MaxLength: 500},
			},
			Policy: staff(middleware.Admin, actionErasure, middleware.DatabaseOnly),
			// Staff leave first: an erasure on request is for members.
			// Refused before anything is recorded.
			Check: func(_ context.Context, in *middleware.Interaction) error {
				u, _ := in.Target("user")
				if levelOf(d, u) >= middleware.Moderator {
					return middleware.Refuse("erase_staff_refused", audit.High, u.ID, "❌ <@%s> is staff here: remove their staff roles first.", u.ID)
				}
				return nil
			},
			// The request (and its reason, too long for a button) is
			// recorded now; the admin's click carries it out.
			Handle: func(ctx context.Context, in *middleware.Interaction) error {
				u, _ := in.Target("user")
				in.Detail("source", "staff")
				id, err := d.Privacy.RecordRequest(ctx, auditlog.Entry(in, u.ID, in.String("reason")))
				if err != nil {
					return err
				}
				buttons := confirmButtons(d, in, "erase-data", "Erase their data", strconv.FormatInt(id, 10))
				return in.Send(ctx, middleware.Response{Components: buttons, Content: fmt.Sprintf(
					"⚠️ This deletes the profile, XP, stats, daily records, tenseys, contact list, journal and course progress of <@%s> in this server, "+
						"their name in duels and the reasons written about them. It cannot be undone.\n%s\nThe button works for 10 minutes, for you only.",
					u.ID, keptNotice(false))})
			},
		},
		middleware.Spec{
			Name: "privacy export", Description: "Get a copy of everything the bot stores about you here",
			Policy: selfExport,
			Defer:  true,
			Handle: func(ctx context.Context, in *middleware.Interaction) error {
				return deliverExport(ctx, d, in, privacy.Subject{UserID: in.User.ID, GuildID: in.GuildID}, false)
			},
		},
		middleware.Spec{
			Name: "privacy delete", Description: "Delete your personal content in this server (asks to confirm)",
			Policy: memberPolicy(true),
			Handle: func(ctx context.Context, in *middleware.Interaction) error {
				buttons := confirmButtons(d, in, "privacy-erase", "Delete my data")
				return in.Send(ctx, middleware.Response{Components: buttons, Content: "⚠️ This deletes your profile, XP, stats, daily records, tenseys, " +
					"contact list, journal, course progress, your name in duels and the reasons written about you in this server. It cannot be undone.\n" +
					keptNotice(true) + "\nTip: `/privacy export` first if you want a copy. The button works for 10 minutes."})
			},
		},
	)
	reg.AddComponent(
		middleware.Component{Action: "privacy-erase",
			Policy: middleware.Policy{Level: middleware.Member, GuildOnly: true, Ephemeral: true,
				ActionType: actionErasure, Effect: middleware.DatabaseOnly},
			Handle: func(ctx context.Context, in *middleware.Interaction) error {
				if err := checkConfirmation(d, in, 2, "member", "/privacy delete"); err != nil {
					return err
				}
				in.Detail("source", "self")
				res, err := d.Privacy.Erase(ctx, in.GuildID, in.User.ID, auditlog.Entry(in, in.User.ID, "requested by the member"))
				if err != nil {
					return err
				}
				return in.Send(ctx, middleware.Response{Update: true, Components: []view.Row{},
					Content: fmt.Sprintf("🗑️ Done: your personal content in this server is erased (%d %s).", res.Rows(), plural(int(res.Rows()), "record")) +
						erasureReport(res, true)})
			}},
		middleware.Component{Action: "erase-data", Policy: staff(middleware.Admin, actionErasure, middleware.DatabaseOnly),
			Handle: func(ctx context.Context, in *middleware.Interaction) error {
				if err := checkConfirmation(d, in, 3, "admin", "/security erase-data"); err != nil {
					return err
				}
				id, err := strconv.ParseInt(in.Values[1], 10, 64)
				if err != nil {
					return middleware.Refuse("forged_component", audit.High, "", middleware.MsgForged)
				}
				req, err := d.Privacy.Request(ctx, in.GuildID, in.User.ID, id)
				if errors.Is(err, privacy.ErrNoRequest) {
					return middleware.Errorf("❌ This erasure was already carried out.")
				}
				if err != nil {
					return err
				}
				in.Detail("source", "staff")
				in.Detail("requestId", req.ID)
				res, err := d.Privacy.Erase(ctx, in.GuildID, req.TargetID, auditlog.Entry(in, req.TargetID, req.Reason))
				if err != nil {
					return err
				}
				return in.Send(ctx, middleware.Response{Update: true, Components: []view.Row{},
					Content: fmt.Sprintf("🗑️ Erased the personal content of <@%s> in this server (%d %s changed).",
						req.TargetID, res.Rows(), plural(int(res.Rows()), "record")) + erasureReport(res, false)})
			}},
		middleware.Component{Action: "privacy-cancel", Policy: memberPolicy(true),
			Handle: func(ctx context.Context, in *middleware.Interaction) error {
				return in.Send(ctx, middleware.Response{Update: true, Components: []view.Row{},
					Content: "Cancelled: nothing was deleted."})
			}},
	)
}

// keptNotice says what an erasure keeps and why, to the member (self) or to
// the admin erasing a member's data.
func keptNotice(self bool) string {
	them, their, they := "them", "their", "they"
	if self {
		them, their, they = "you", "your", "you"
	}
	return fmt.Sprintf("Kept, as GDPR Art. 17(3) allows for what a legal obligation or the establishment, exercise or defence of legal claims needs: "+
		"the warnings, timeouts, bans and flags about %[1]s (without the reasons or %[2]s words), rate-limit counts and security events; "+
		"and, on the audit records of the staff actions %[3]s took (warnings, pardons, timeouts, bans, XP changes, exports, erasures, "+
		"rule changes, reviews, backups), %[2]s id, the action, its target and its reason. "+
		"A flag on %[2]s posts still waiting for review keeps its excerpt until it is reviewed (the review needs the evidence), then the excerpt is erased.",
		them, their, they)
}

// erasureReport is the rest of an erasure's reply: what was kept and what
// waits for review.
func erasureReport(res privacy.Erasure, self bool) string {
	their := "their"
	if self {
		their = "your"
	}
	out := " " + keptNotice(self)
	if res.StaffRecords > 0 {
		out += fmt.Sprintf("\n%d audit %s of staff actions keep %s id.", res.StaffRecords, plural(int(res.StaffRecords), "record"), their)
	}
	switch {
	case res.PendingFlags == 1:
		out += fmt.Sprintf("\n1 flag on %s posts is waiting for review: it keeps its excerpt until a moderator reviews it, then the excerpt is erased.", their)
	case res.PendingFlags > 1:
		out += fmt.Sprintf("\n%d flags on %s posts are waiting for review: they keep their excerpts until a moderator reviews them, then the excerpts are erased.",
			res.PendingFlags, their)
	}
	return out
}

// confirmButtons returns a dangerous action's confirm and cancel buttons,
// signed for the caller: the confirmation carries the caller's id, args and
// the time it was issued (see checkConfirmation).
func confirmButtons(d Deps, in *middleware.Interaction, action, label string, args ...string) []view.Row {
	args = append(append([]string{in.User.ID}, args...), strconv.FormatInt(d.Now().Unix(), 10))
	return []view.Row{{
		{Label: label, Style: view.Danger, Action: action, Args: args},
		{Label: "Cancel", Style: view.Secondary, Action: "privacy-cancel", Args: []string{in.User.ID}},
	}}
}

// checkConfirmation refuses a confirmation click whose n signed values
// (requester, …, issued) are malformed, that someone other than the
// requester (who) clicked, or that is past EraseConfirmWindow (run again
// names the command to run again).
func checkConfirmation(d Deps, in *middleware.Interaction, n int, who, again string) error {
	if len(in.Values) != n {
		return middleware.Refuse("forged_component", audit.High, "", middleware.MsgForged)
	}
	if in.Values[0] != in.User.ID {
		return middleware.Refuse("foreign_confirmation", audit.High, in.Values[0], "❌ Only the %s who asked can confirm this.", who)
	}
	issued, err := strconv.ParseInt(in.Values[n-1], 10, 64)
	if err != nil {
		return middleware.Refuse("forged_component", audit.High, "", middleware.MsgForged)
	}
	if d.Now().Sub(time.Unix(issued, 0)) > EraseConfirmWindow {
		return middleware.Errorf("⌛ This confirmation has expired: run `%s` again.", again)
	}
	return nil
}

// levelOf is u's level in the interaction's guild: bot owners by id, staff
// by the permissions Discord resolved for them (none for a non-member).
func levelOf(d Deps, u middleware.User) middleware.Level {
	var perms int64
	if u.Member != nil {
		perms = u.Member.Permissions
	}
	return permission.Level(d.Owners, u.ID, perms)
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
	in.Detail("rows", f.Counts.Total())
	in.Detail("bytes", f.Size)
	in.Detail("gzipped", f.Gzipped)
	in.Detail("kept", f.Kept)
	in.Detail("allGuilds", subj.AllGuilds())
	in.Detail("subject", subj.UserID)
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
		Files: []view.File{{Name: f.Name, ContentType: contentType, Reader: r}}})
}

// mib renders a byte count in MiB.
func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }
