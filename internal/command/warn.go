package command

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/embodied-community/embodied/internal/audit"
	"github.com/embodied-community/embodied/internal/middleware"
	"github.com/embodied-community/embodied/internal/middleware/auditlog"
	"github.com/embodied-community/embodied/internal/strike"
	"github.com/embodied-community/embodied/internal/view"
)

// Replies of the warning system that tests and the runbook quote.
const (
	MsgDMClosed         = "DM not delivered: the member does not accept direct messages."
	MsgDMFailed         = "DM not delivered: Discord returned an error."
	msgStrikesOff       = "❌ The warning system is not available."
	maxWarningsInEmbed  = 25
	maxWarningEmbedSize = 5500
)

// registerWarn declares the warning system's commands: warn, warnings,
// pardon, untimeout, unban and modlog, and the mod log's Confirm ban button.
func registerWarn(reg Registry, d Deps) {
	reason := middleware.Option{Name: "reason", Description: "Why (shown to the member and in Discord's audit log)",
		Type: middleware.String, Required: true, MaxLength: 400}
	reg.Add(
		middleware.Spec{
			Name: "security warn", Description: "Warn a member: strike 2 = 24 h timeout, strike 3 = ban",
			Options: []middleware.Option{
				{Name: "user", Description: "Member to warn", Type: middleware.UserOption, Required: true},
				reason,
				{Name: "severity", Description: "low, medium (default), high or critical", Type: middleware.String,
					Choices: strike.Severities},
			},
			Policy: staff(middleware.Moderator, "warn", middleware.DatabaseOnly),
			Handle: func(ctx context.Context, in *middleware.Interaction) error { return warn(ctx, d, in) },
		},
		middleware.Spec{
			Name: "security warnings", Description: "A member's warnings, newest first",
			Options: []middleware.Option{{Name: "user", Description: "Member", Type: middleware.UserOption, Required: true,
				AllowNonMember: true}},
			Policy: staff(middleware.Moderator, "", middleware.NoAudit),
			Handle: func(ctx context.Context, in *middleware.Interaction) error { return warnings(ctx, d, in) },
		},
		middleware.Spec{
			Name: "security pardon", Description: "Pardon one strike by case number",
			Options: []middleware.Option{
				{Name: "case", Description: "Case number", Type: middleware.Integer, Required: true, HasRange: true, Min: 1, Max: 1 << 50},
				reason,
			},
			Policy: staff(middleware.Admin, "pardon", middleware.DatabaseOnly),
			Handle: func(ctx context.Context, in *middleware.Interaction) error { return pardon(ctx, d, in) },
		},
		middleware.Spec{
			Name: "security untimeout", Description: "Lift a member's timeout",
			Options: []middleware.Option{{Name: "user", Description: "Member", Type: middleware.UserOption, Required: true}, reason},
			Policy:  staff(middleware.Moderator, "untimeout", middleware.External),
			Handle: func(ctx context.Context, in *middleware.Interaction) error {
				return lift(ctx, d, in, strike.ActionUntimeout, "✅ Timeout lifted for <@%s>.")
			},
		},
		middleware.Spec{
			Name: "security unban", Description: "Lift a ban (the user need not be a member)",
			Options: []middleware.Option{{Name: "user", Description: "User (or user id)", Type: middleware.UserOption, Required: true,
				AllowNonMember: true}, reason},
			Policy: staff(middleware.Admin, "unban", middleware.External),
			Handle: func(ctx context.Context, in *middleware.Interaction) error {
				return lift(ctx, d, in, strike.ActionUnban, "✅ <@%s> is no longer banned.")
			},
		},
		middleware.Spec{
			Name: "security modlog", Description: "Post warnings, pardons and actions in this channel (or stop)",
			Options: []middleware.Option{{Name: "enabled", Description: "true: post here; false: stop posting",
				Type: middleware.Boolean, Required: true}},
			Policy: staff(middleware.Admin, "modlog", middleware.DatabaseOnly),
			Handle: func(ctx context.Context, in *middleware.Interaction) error {
				if d.Strikes == nil {
					return middleware.Errorf(msgStrikesOff)
				}
				ch := ""
				if in.Bool("enabled", false) {
					ch = in.ChannelID
				}
				if err := d.Strikes.SetModLog(ctx, in.GuildID, ch, in.User.ID, auditlog.Entry(in, "", "")); err != nil {
					return err
				}
				if ch == "" {
					return in.Say(ctx, "✅ Warnings, pardons and actions are no longer posted.")
				}
				return in.Say(ctx, "✅ Warnings, pardons and actions will be posted in <#%s>.", ch)
			},
		},
	)
	// Moderator level lets staff without Ban Members reach the handler,
	// which refuses them with a reason and a security event.
	reg.AddComponent(middleware.Component{Action: strike.ConfirmBanAction,
		Policy: staff(middleware.Moderator, "confirm-ban", middleware.External),
		Handle: func(ctx context.Context, in *middleware.Interaction) error { return confirmBan(ctx, d, in) }})
}

// userError shows a strike refusal to the caller as is, and records it as
// a security event naming the target: warning oneself, the owner, an admin
// or someone above you, acting without the Discord permission the action
// needs, or pardoning a case that does not exist, is not routine.
func userError(err error) error {
	var r *strike.RefusalError
	if errors.As(err, &r) {
		return middleware.Refuse("moderation_refused", audit.Medium, r.TargetID, "%s", refusalText(r))
	}
	return err
}

// What a refused moderator tried to do, completing "you cannot …", "the
// bot could not …" and "you need the … permission to …".
var (
	youCannot = map[strike.Act]string{strike.ActWarn: "warn them", strike.ActLiftTimeout: "lift their timeout",
		strike.ActConfirmBan: "ban them"}
	botCouldNot = map[strike.Act]string{strike.ActWarn: "act on their strikes", strike.ActLiftTimeout: "lift their timeout",
		strike.ActConfirmBan: "ban them"}
	needPermissionTo = map[strike.Act]string{strike.ActLiftTimeout: "lift a timeout", strike.ActLiftBan: "lift a ban",
		strike.ActConfirmBan: "confirm a ban"}
)

// refusalText words a strike refusal for the moderator.
func refusalText(r *strike.RefusalError) string {
	switch r.Reason {
	case strike.RefusedSelf:
		return "❌ You cannot warn yourself."
	case strike.RefusedBot:
		return "❌ Bots cannot be warned."
	case strike.RefusedBotOwner:
		return fmt.Sprintf("❌ <@%s> is the bot owner and cannot be warned.", r.TargetID)
	case strike.RefusedGuildOwner:
		return fmt.Sprintf("❌ <@%s> owns this server and cannot be warned.", r.TargetID)
	case strike.RefusedAdministrator:
		return fmt.Sprintf("❌ <@%s> is an Administrator and cannot be warned.", r.TargetID)
	case strike.RefusedNotMember:
		return fmt.Sprintf("❌ <@%s> is not a member of this server.", r.TargetID)
	case strike.RefusedNotBanned:
		return fmt.Sprintf("❌ <@%s> is not banned from this server.", r.TargetID)
	case strike.RefusedSeverity:
		return fmt.Sprintf("❌ `severity` must be one of: %s.", strings.Join(strike.Severities, ", "))
	case strike.RefusedOwnerTarget:
		return fmt.Sprintf("❌ <@%s> owns this server, so you cannot %s.", r.TargetID, youCannot[r.Act])
	case strike.RefusedAboveActor:
		return fmt.Sprintf("❌ <@%s>'s highest role is not below yours, so you cannot %s.", r.TargetID, youCannot[r.Act])
	case strike.RefusedAboveBot:
		return fmt.Sprintf("❌ <@%s>'s highest role is not below the bot's, so the bot could not %s. Move the bot's role above theirs first.",
			r.TargetID, botCouldNot[r.Act])
	case strike.RefusedPermission:
		return fmt.Sprintf("❌ You need the %s permission to %s.", r.Permission, needPermissionTo[r.Act])
	case strike.RefusedNoCase:
		return fmt.Sprintf("❌ There is no case #%d in this server.", r.Case)
	case strike.RefusedPardoned:
		return fmt.Sprintf("❌ Case #%d was already pardoned by <@%s> on %s.", r.Case, r.By, r.On)
	case strike.RefusedNoBanAwaiting:
		return fmt.Sprintf("❌ Case #%d has no ban awaiting confirmation: it was already handled, or the strike was pardoned.", r.Case)
	case strike.RefusedFailed:
		return "❌ " + failureText(r.Failure)
	}
	return "❌ The warning system refused this action."
}

// failureText words for the moderator why a timeout, ban or reversal was
// not applied.
func failureText(f *strike.EnforceFailure) string {
	if f == nil {
		return ""
	}
	switch f.Reason {
	case strike.FailedForbidden, strike.FailedDiscord:
		// Discord's refusal reads the same to the moderator as on record.
		return f.Error()
	}
	verb := map[strike.Action]string{strike.ActionTimeout: "time members out", strike.ActionBan: "ban"}[f.Action]
	msg := fmt.Sprintf("The %s was not applied: you need the %s permission to %s.", f.Action, f.Permission, verb)
	switch f.Reason {
	case strike.FailedAwaitingConfirmation:
		msg += " An admin must confirm it with the Confirm ban button in the mod log."
	case strike.FailedNoModLog:
		msg += " No mod-log channel is set (`/security modlog`) to ask an admin in: ask a member with Ban Members to ban them."
	}
	return msg
}

func warn(ctx context.Context, d Deps, in *middleware.Interaction) error {
	if d.Strikes == nil {
		return middleware.Errorf(msgStrikesOff)
	}
	target, _ := in.Target("user")
	reason := strings.TrimSpace(in.String("reason"))
	res, err := d.Strikes.Warn(ctx, strike.WarnRequest{
		GuildID: in.GuildID, InteractionID: in.ID, ModeratorID: in.User.ID, ModeratorName: in.User.Username,
		UserID: target.ID, Reason: reason, Severity: strike.Severity(in.String("severity")),
		Audit: auditlog.Entry(in, target.ID, reason),
		Acknowledge: func(ctx context.Context) {
			// The reply says whether the DM arrived, so it normally waits for
			// it: one callback. When Discord's limit would queue the DM
			// channel and the DM, acknowledge now instead of at the 2 s timer.
			if d.DiscordQueued != nil && d.DiscordQueued(2) {
				acknowledge(ctx, in)
			}
		},
	})
	if err != nil {
		return userError(err)
	}
	if res.Replayed {
		// A redelivery of an interaction already answered: answering again
		// would be a second acknowledgement.
		return nil
	}
	if res.DoubleSubmit {
		return in.Say(ctx, "Already warned: the same warning for <@%s> was submitted moments ago (case #%d), so it counts once. Total warnings: %d.",
			target.ID, res.Warning.CaseNumber, res.Total)
	}
	d.Metrics.Warning(string(res.Action))
	if res.Action != strike.ActionWarning {
		d.Metrics.ModerationAction(string(res.Action), res.Enforced)
	}
	return in.Say(ctx, "%s", WarnReply(res))
}

// acknowledge defers the interaction (with the command's visibility) before
// a handler's Discord calls that would wait; the reply then edits the deferral. A failed
// deferral is only logged: the reply is then the initial response.
func acknowledge(ctx context.Context, in *middleware.Interaction) {
	if err := in.Reply.Defer(ctx, in.Policy.Ephemeral); err != nil && in.Log != nil {
		in.Log.Warn("Could not acknowledge the interaction", "commandName", in.Command, "userId", in.User.ID, "error", err)
	}
}

// WarnReply is the reply to a recorded warning: the seed's first line, then
// only the lines that apply.
func WarnReply(res strike.WarnResult) string {
	action := string(res.Action)
	if res.SafeMode {
		action += " (safe mode: not applied)"
	}
	lines := []string{fmt.Sprintf("User warned. Total warnings: %d. Action: %s", res.Total, action),
		fmt.Sprintf("Case #%d", res.Warning.CaseNumber)}
	switch res.DMStatus {
	case strike.DMClosed:
		lines = append(lines, MsgDMClosed)
	case strike.DMFailed:
		lines = append(lines, MsgDMFailed)
	}
	if res.Failure != nil {
		lines = append(lines, failureText(res.Failure))
	}
	return strings.Join(lines, "\n")
}

func warnings(ctx context.Context, d Deps, in *middleware.Interaction) error {
	if d.Strikes == nil {
		return middleware.Errorf(msgStrikesOff)
	}
	target, _ := in.Target("user")
	ws, active, err := d.Strikes.Warnings(ctx, in.GuildID, target.ID, maxWarningsInEmbed)
	if err != nil {
		return err
	}
	if len(ws) == 0 {
		// Someone who left or was banned keeps their record here; a user
		// who was never a member has none, and asking is a cross-guild probe.
		if target.Member == nil {
			return middleware.Refuse("target_not_member", audit.Low, target.ID,
				"❌ <@%s> is not a member of this server and has no record here.", target.ID)
		}
		return in.Say(ctx, "✅ <@%s> has no warnings.", target.ID)
	}
	name := target.Username
	if name == "" {
		name = target.ID
	}
	l := d.Strikes.Ladder()
	e := &view.Embed{Title: clip("Warnings for "+name, 256), Color: colorWarning,
		Description: fmt.Sprintf("<@%s> · active strikes: %d/%d (each expires after %d days) · newest first",
			target.ID, active, l.Top(), int(l.Window.Hours()/24))}
	now := d.Now()
	size := len(e.Title) + len(e.Description)
	for _, w := range ws {
		f := warningField(w, now)
		if size+len(f.Name)+len(f.Value) > maxWarningEmbedSize {
			break
		}
		size += len(f.Name) + len(f.Value)
		e.Fields = append(e.Fields, f)
	}
	return in.Send(ctx, middleware.Response{Embeds: []view.Embed{*e}})
}

// warningField renders one warning as the seed shows it: "MEDIUM -
// 2025-10-07", "Reason: …", then its case, state and pardon.
func warningField(w strike.Warning, now time.Time) view.Field {
	var v strings.Builder
	fmt.Fprintf(&v, "Reason: %s\nCase #%d · by <@%s> · ", clip(escape(w.Reason), 600), w.CaseNumber, w.ModeratorID)
	switch {
	case w.PardonedAt != nil:
		fmt.Fprintf(&v, "Pardoned by <@%s> on %s: %s", deref(w.PardonedBy), w.PardonedAt.UTC().Format("2006-01-02"),
			clip(escape(deref(w.PardonReason)), 300))
	case w.Active(now):
		fmt.Fprintf(&v, "Active until %s", w.ExpiresAt.UTC().Format("2006-01-02"))
	default:
		fmt.Fprintf(&v, "Expired on %s", w.ExpiresAt.UTC().Format("2006-01-02"))
	}
	return view.Field{
		Name:  fmt.Sprintf("%s - %s", strings.ToUpper(string(w.Severity)), w.CreatedAt.UTC().Format("2006-01-02")),
		Value: v.String(),
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func pardon(ctx context.Context, d Deps, in *middleware.Interaction) error {
	if d.Strikes == nil {
		return middleware.Errorf(msgStrikesOff)
	}
	n, _ := in.Int("case")
	reason := strings.TrimSpace(in.String("reason"))
	res, err := d.Strikes.Pardon(ctx, strike.PardonRequest{GuildID: in.GuildID, Case: n, ModeratorID: in.User.ID,
		Reason: reason, Audit: auditlog.Entry(in, "", reason)})
	if err != nil {
		return userError(err)
	}
	msg := fmt.Sprintf("✅ Case #%d pardoned. <@%s> now has %d active %s.", n, res.Warning.UserID, res.Total, plural(res.Total, "strike"))
	switch res.Action {
	case strike.ActionTimeout:
		msg += "\nThe timeout it caused stays: lift it with `/security untimeout`."
	case strike.ActionBan:
		msg += "\nThe ban it caused stays: lift it with `/security unban`."
	}
	return in.Say(ctx, "%s", msg)
}

func lift(ctx context.Context, d Deps, in *middleware.Interaction, a strike.Action, done string) error {
	if d.Strikes == nil {
		return middleware.Errorf(msgStrikesOff)
	}
	target, _ := in.Target("user")
	err := d.Strikes.Lift(ctx, strike.LiftRequest{GuildID: in.GuildID, UserID: target.ID, ModeratorID: in.User.ID,
		ModeratorName: in.User.Username, Reason: strings.TrimSpace(in.String("reason")), Action: a})
	if err != nil {
		return userError(err)
	}
	d.Metrics.ModerationAction(string(a), true)
	return in.Say(ctx, done, target.ID)
}

// confirmBan handles a click on a mod-log post's Confirm ban button: the
// strike's ban is applied for a clicker with Ban Members, and the post is
// updated to say who confirmed it (the button goes).
func confirmBan(ctx context.Context, d Deps, in *middleware.Interaction) error {
	if d.Strikes == nil {
		return middleware.Errorf(msgStrikesOff)
	}
	c, ok := strike.ParseConfirmBan(in.GuildID, in.Values)
	if !ok {
		return middleware.Errorf(middleware.MsgForged)
	}
	res, err := d.Strikes.ConfirmBan(ctx, strike.ConfirmBanRequest{GuildID: in.GuildID, UserID: c.UserID, Case: c.Case,
		Total: c.Total, ActorID: in.User.ID, ActorName: in.User.Username, Audit: auditlog.Entry(in, c.UserID, "")})
	if err != nil {
		return userError(err)
	}
	d.Metrics.ModerationAction(string(strike.ActionBan), res.Enforced)
	msg := fmt.Sprintf("✅ Ban of <@%s> (case #%d) confirmed by <@%s>.", c.UserID, c.Case, in.User.ID)
	switch {
	case res.SafeMode:
		msg += " Safe mode: not applied."
	case res.Failure != nil:
		msg = fmt.Sprintf("❌ Ban of <@%s> (case #%d), confirmed by <@%s>: %s", c.UserID, c.Case, in.User.ID, failureText(res.Failure))
	}
	// The post is public in the mod log: the update keeps it so (not the
	// command's ephemeral policy).
	return in.Reply.Respond(ctx, middleware.Response{Update: true, Content: msg, Components: []view.Row{}})
}
