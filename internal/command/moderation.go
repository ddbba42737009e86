package command

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/embodied-community/embodied/internal/audit"
	"github.com/embodied-community/embodied/internal/middleware"
	"github.com/embodied-community/embodied/internal/middleware/auditlog"
	"github.com/embodied-community/embodied/internal/moderation"
	"github.com/embodied-community/embodied/internal/modrules"
	"github.com/embodied-community/embodied/internal/store"
	"github.com/embodied-community/embodied/internal/strike"
	"github.com/embodied-community/embodied/internal/view"
)

// registerModeration declares /security moderation … (a guild's content
// rules, for admins) and the review buttons that go beyond dismiss and
// confirm. It needs Deps.ModRules.
func registerModeration(reg Registry, d Deps) {
	if d.ModRules == nil {
		return
	}
	categories := make([]string, len(moderation.Categories))
	for i, c := range moderation.Categories {
		categories[i] = string(c)
	}
	severities := []string{"low", "medium", "high", "critical"}
	pattern := func(desc string, maxLen int) middleware.Option {
		return middleware.Option{Name: "pattern", Description: desc, Type: middleware.String, Required: true, MaxLength: maxLen}
	}
	term := middleware.Option{Name: "term", Description: "Word or phrase; * at the start or end as in AutoMod", Type: middleware.String,
		Required: true, MaxLength: moderation.MaxKeywordLen}
	category := func(required bool) middleware.Option {
		return middleware.Option{Name: "category", Description: "Category", Type: middleware.String, Required: required, Choices: categories}
	}
	severity := func(required bool) middleware.Option {
		return middleware.Option{Name: "severity", Description: "Severity (default medium)", Type: middleware.String, Required: required, Choices: severities}
	}
	role := middleware.Option{Name: "role", Description: "Role", Type: middleware.Role, Required: true}
	channel := middleware.Option{Name: "channel", Description: "Channel", Type: middleware.Channel, Required: true}
	messageActions := make([]string, len(modrules.MessageActions))
	for i, a := range modrules.MessageActions {
		messageActions[i] = string(a)
	}
	keywordHelp := fmt.Sprintf("Keyword, AutoMod syntax: cat, cat*, *cat, *cat* (at most %d characters)", moderation.MaxKeywordLen)

	reg.Add(
		ruleSpec(d, "keyword-add", "Block a keyword (or change its category and severity)", "Added",
			[]middleware.Option{pattern(keywordHelp, moderation.MaxKeywordLen), category(false), severity(false)},
			func(in *middleware.Interaction) *modrules.Change {
				sev, _ := moderation.ParseSeverity(in.String("severity"))
				return modrules.AddKeyword(in.String("pattern"), moderation.Category(in.String("category")), sev)
			}),
		ruleSpec(d, "keyword-remove", "Unblock a keyword", "Removed",
			[]middleware.Option{pattern("The keyword as added", moderation.MaxKeywordLen)},
			func(in *middleware.Interaction) *modrules.Change { return modrules.RemoveKeyword(in.String("pattern")) }),
		ruleSpec(d, "allow-add", "Allow a term that the rules would otherwise flag", "Added", []middleware.Option{term},
			func(in *middleware.Interaction) *modrules.Change { return modrules.AddAllow(in.String("term")) }),
		ruleSpec(d, "allow-remove", "Remove a term from the allow list", "Removed", []middleware.Option{term},
			func(in *middleware.Interaction) *modrules.Change { return modrules.RemoveAllow(in.String("term")) }),
		ruleSpec(d, "category", "Switch a category on or off and choose its action", "Set",
			[]middleware.Option{category(true),
				{Name: "enabled", Description: "Check this category", Type: middleware.Boolean, Required: true},
				{Name: "action", Description: "flag for review, or refuse the text (default: refuse only critical)", Type: middleware.String,
					Choices: []string{string(modrules.ActionFlag), string(modrules.ActionRefuse), string(modrules.ActionDefault)}}},
			func(in *middleware.Interaction) *modrules.Change {
				return modrules.SetCategory(moderation.Category(in.String("category")), in.Bool("enabled", true),
					modrules.Action(in.String("action")))
			}),
		ruleSpec(d, "exempt-role", "Exempt members with a role from content moderation", "Added", []middleware.Option{role},
			func(in *middleware.Interaction) *modrules.Change { return modrules.ExemptRole(in.String("role")) }),
		ruleSpec(d, "unexempt-role", "End a role's exemption from content moderation", "Removed", []middleware.Option{role},
			func(in *middleware.Interaction) *modrules.Change { return modrules.UnexemptRole(in.String("role")) }),
		ruleSpec(d, "channel-exempt", "Leave a channel's messages unchecked by message moderation", "Added", []middleware.Option{channel},
			func(in *middleware.Interaction) *modrules.Change { return modrules.ExemptChannel(in.String("channel")) }),
		ruleSpec(d, "channel-unexempt", "Check a channel's messages again", "Removed", []middleware.Option{channel},
			func(in *middleware.Interaction) *modrules.Change {
				return modrules.UnexemptChannel(in.String("channel"))
			}),
		ruleSpec(d, "message-action", "What a channel message in a category gets: flag, delete (and flag), strike (delete, flag, strike)", "Set",
			[]middleware.Option{category(true), {Name: "action", Description: "flag for review (default), delete and flag, or delete, flag and strike",
				Type: middleware.String, Required: true, Choices: messageActions}},
			func(in *middleware.Interaction) *modrules.Change {
				return modrules.SetMessageAction(moderation.Category(in.String("category")), modrules.MessageAction(in.String("action")))
			}),
		ruleSpec(d, "regex-add", "Flag text matching a regular expression (Go RE2 syntax)", "Added",
			[]middleware.Option{pattern(fmt.Sprintf("RE2 expression, at most %d bytes, e.g. (?i)\\bfoo\\d+", moderation.MaxRegexLen), moderation.MaxRegexLen)},
			func(in *middleware.Interaction) *modrules.Change { return modrules.AddRegex(in.String("pattern")) }),
		ruleSpec(d, "regex-remove", "Remove a regular expression", "Removed",
			[]middleware.Option{pattern("The expression as added", moderation.MaxRegexLen)},
			func(in *middleware.Interaction) *modrules.Change { return modrules.RemoveRegex(in.String("pattern")) }),
		ruleSpec(d, "regex-label", "Set the category and severity regex matches count as", "Set",
			[]middleware.Option{category(true), severity(true)},
			func(in *middleware.Interaction) *modrules.Change {
				sev, _ := moderation.ParseSeverity(in.String("severity"))
				return modrules.LabelRegexes(moderation.Category(in.String("category")), sev)
			}),
		ruleSpec(d, "overrun", "What happens to a text the regexes cannot check within their time budget", "Set",
			[]middleware.Option{{Name: "action", Description: "flag for review (default), refuse it, or allow it", Type: middleware.String, Required: true,
				Choices: []string{string(modrules.OverrunFlag), string(modrules.OverrunRefuse), string(modrules.OverrunAllow)}}},
			func(in *middleware.Interaction) *modrules.Change {
				return modrules.SetOverrun(modrules.Overrun(in.String("action")))
			}),
		middleware.Spec{
			Name: "security moderation rules", Description: "This server's content-moderation rules",
			Policy: staff(middleware.Admin, "", middleware.NoAudit),
			Handle: func(ctx context.Context, in *middleware.Interaction) error {
				r, err := d.ModRules.Rules(ctx, in.GuildID)
				if err != nil {
					return err
				}
				return in.Send(ctx, middleware.Response{Embeds: []view.Embed{*rulesEmbed(r)}})
			},
		},
		middleware.Spec{
			Name: "security moderation test", Description: "Check a text against this server's rules (nothing is stored)",
			Options: []middleware.Option{{Name: "text", Description: "Text to check", Type: middleware.String, Required: true, MaxLength: 4000}},
			Policy:  staff(middleware.Admin, "", middleware.NoAudit),
			Handle: func(ctx context.Context, in *middleware.Interaction) error {
				g, err := d.ModRules.Guild(ctx, in.GuildID)
				if err != nil {
					return err
				}
				return in.Say(ctx, "%s", verdictText(in.String("text"), g))
			},
		},
	)
	reg.AddComponent(dismissAllowButton(d), confirmWarnButton(d))
}

// ruleSpec declares one audited rule change.
func ruleSpec(d Deps, sub, desc, verb string, opts []middleware.Option, change func(*middleware.Interaction) *modrules.Change) middleware.Spec {
	return middleware.Spec{
		Name: "security moderation " + sub, Description: desc, Options: opts,
		Policy: staff(middleware.Admin, "moderation-"+sub, middleware.DatabaseOnly),
		Handle: func(ctx context.Context, in *middleware.Interaction) error {
			c := change(in)
			r, err := d.ModRules.Apply(ctx, in.GuildID, c, auditlog.Entry(in, "", ""))
			var ie *modrules.InputError
			if errors.As(err, &ie) {
				return middleware.Errorf("❌ Nothing changed: %s", ie.Message)
			}
			if err != nil {
				return err
			}
			return in.Say(ctx, "✅ %s %s. Rules version %d, in force now.", verb, c.Summary, r.Version)
		},
	}
}

// rulesEmbed shows a guild's rules within Discord's field limits.
func rulesEmbed(r modrules.Rules) *view.Embed {
	e := &view.Embed{Title: "Content-moderation rules", Color: colorInfo,
		Description: fmt.Sprintf("Version %d. The built-in lists always apply to categories that are on.", r.Version)}
	field := func(name string, items []string) {
		v := strings.Join(items, "\n")
		if v == "" {
			v = "none"
		}
		e.Fields = append(e.Fields, view.Field{Name: fmt.Sprintf("%s (%d)", name, len(items)), Value: clip(v, 1000)})
	}
	var cats []string
	for _, c := range moderation.Categories {
		s := r.Setting(c)
		state := "off"
		if s.Enabled {
			state = "on, " + actionText(s.Action) + "; messages: " + messageActionText(s.Message)
		}
		cats = append(cats, fmt.Sprintf("%s: %s", c, state))
	}
	e.Fields = append(e.Fields, view.Field{Name: "Categories", Value: strings.Join(cats, "\n")})
	var kws []string
	for _, k := range r.Keywords {
		kws = append(kws, fmt.Sprintf("`%s` %s, %s", k.Pattern, k.Category, k.Severity))
	}
	field("Keywords", kws)
	field("Allowed", codeList(r.Allow))
	var roles []string
	for _, id := range r.ExemptRoles {
		roles = append(roles, "<@&"+id+">")
	}
	field("Exempt roles", roles)
	var channels []string
	for _, id := range r.ExemptChannels {
		channels = append(channels, "<#"+id+">")
	}
	field("Exempt channels (messages)", channels)
	label := ""
	if len(r.Regexes) > 0 {
		label = fmt.Sprintf(", counted as %s, %s", orDefault(string(r.RegexCategory), "profanity"), r.RegexSeverity)
	}
	regexes := codeList(r.Regexes)
	for i, p := range r.Regexes {
		if moderation.CheckRegex(p) != nil {
			// Stored before the bounds: not run (modrules disables it).
			regexes[i] += " ⚠️ disabled: over the bounds, remove it"
		}
	}
	field("Regexes"+label, regexes)
	overrun := orDefault(string(r.Overrun), string(modrules.OverrunFlag))
	e.Fields = append(e.Fields, view.Field{Name: "Texts the regexes cannot check in time",
		Value: fmt.Sprintf("%s (budget %v a text)", overrun, moderation.DefaultRegexBudget)})
	return e
}

func actionText(a modrules.Action) string {
	switch a {
	case modrules.ActionFlag:
		return "flag for review"
	case modrules.ActionRefuse:
		return "refuse"
	}
	return "flag, refuse critical"
}

// messageActionWords word what a channel message in a category gets.
var messageActionWords = map[modrules.MessageAction]string{modrules.MessageDelete: "delete and flag",
	modrules.MessageStrike: "delete, flag and strike"}

func messageActionText(a modrules.MessageAction) string {
	if w, ok := messageActionWords[a]; ok {
		return w
	}
	return "flag"
}

func codeList(items []string) []string {
	out := make([]string, len(items))
	for i, s := range items {
		out[i] = "`" + strings.ReplaceAll(s, "`", "'") + "`"
	}
	return out
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// verdictText renders what the guild's rules make of a text.
func verdictText(text string, g *modrules.Guild) string {
	v := g.Check(text)
	if !v.Flagged {
		return "✅ Not flagged."
	}
	action := "flagged for review"
	if g.Refuses(v) {
		action = "refused"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "⚠️ Would be %s: %s (%s, %s).", action, v.Reason, v.Category, v.Severity)
	for i, m := range v.Matches {
		if i == 10 {
			fmt.Fprintf(&b, "\n… and %d more", len(v.Matches)-i)
			break
		}
		fmt.Fprintf(&b, "\n• `%s` %s, %s: \"%s\"", m.Term, m.Category, m.Severity, escape(clip(text[m.Start:m.End], 80)))
	}
	return b.String()
}

// flagQueue renders the unreviewed queue with review buttons for a
// reviewer of level caller.
func flagQueue(ctx context.Context, d Deps, guildID string, caller middleware.Level) (middleware.Response, error) {
	flags, total, err := d.Store.UnreviewedFlags(ctx, guildID, queuePage)
	if err != nil {
		return middleware.Response{}, err
	}
	if total == 0 {
		return middleware.Response{Content: "✅ No content waiting for review."}, nil
	}
	var reporters []string
	for _, f := range flags {
		if f.ReporterID != nil {
			reporters = append(reporters, *f.ReporterID)
		}
	}
	var histories map[string]store.ReporterHistory
	if len(reporters) > 0 {
		if histories, err = d.Store.ReporterHistories(ctx, guildID, reporters, DismissedRecent); err != nil {
			return middleware.Response{}, err
		}
	}
	e := &view.Embed{Title: "Content flags", Color: colorWarning,
		Description: fmt.Sprintf("%d unreviewed, oldest first", total)}
	var rows []view.Row
	for _, f := range flags {
		e.Fields = append(e.Fields, flagField(f, histories))
		rows = append(rows, reviewButtons(d, f, caller))
	}
	return middleware.Response{Embeds: []view.Embed{*e}, Components: rows}, nil
}

// queuePage is how many flags the queue shows at once: one row of buttons
// each, and Discord allows 5 rows.
const queuePage = 5

// A reporter is marked to moderators as often dismissed when at least
// DismissedMark of their last DismissedRecent reviewed reports were
// dismissed: their reports deserve a closer look, not to be ignored.
const (
	DismissedRecent = 5
	DismissedMark   = 3
)

// Embed limits the queue keeps within: a field's value holds 1024
// characters and a whole embed 6000, so 5 flags of at most fieldMax each
// fit with their names, the title and the description.
const fieldMax = 1024

// flagField is one flag in the queue: who and why, where the message is
// (jump links to it and its channel) and whether the bot deleted it, the
// source, and for a report the reporter, their reason and the mark of a
// reporter whose reports are often dismissed.
func flagField(f store.ContentFlag, histories map[string]store.ReporterHistory) view.Field {
	category := f.FlagReason
	if f.Category != nil {
		category += " / " + *f.Category
	}
	var b strings.Builder
	fmt.Fprintf(&b, "User: <@%s>\nReason: %s (%s)", f.UserID, category, f.Severity)
	if f.ChannelID != nil {
		channel := "https://discord.com/channels/" + f.GuildID + "/" + *f.ChannelID
		if f.MessageID != nil {
			deleted := "no"
			if f.MessageDeleted {
				deleted = "yes"
			}
			fmt.Fprintf(&b, "\nMessage: [jump to message](%s/%s) in <#%s> ([channel](%s)) · deleted by the bot: %s",
				channel, *f.MessageID, *f.ChannelID, channel, deleted)
		} else {
			fmt.Fprintf(&b, "\nChannel: <#%s> ([channel](%s))", *f.ChannelID, channel)
		}
	}
	if f.ContentType == store.ContentMessageReport || f.ContentType == store.ContentUserReport {
		b.WriteString("\nReported by: ")
		if f.ReporterID == nil {
			b.WriteString("an erased member")
		} else {
			fmt.Fprintf(&b, "<@%s>", *f.ReporterID)
			if h := histories[*f.ReporterID]; h.RecentDismissed >= DismissedMark {
				fmt.Fprintf(&b, " ⚠️ often dismissed: %d of their last %d reviewed reports", h.RecentDismissed, h.RecentReviewed)
			}
		}
		if f.ReportReason != nil {
			fmt.Fprintf(&b, "\nReport: %s", escape(clip(oneLine(*f.ReportReason), 250)))
		}
	}
	if f.Excerpt != "" {
		fmt.Fprintf(&b, "\n> %s", clip(oneLine(f.Excerpt), 300))
	}
	return view.Field{
		Name:  fmt.Sprintf("#%d %s - %s", f.ID, flagSource(f.ContentType), f.CreatedAt.UTC().Format("2006-01-02 15:04:05")),
		Value: clip(b.String(), fieldMax),
	}
}

// flagSource names where a flag came from.
func flagSource(contentType string) string {
	switch contentType {
	case "message":
		return "message"
	case "message_edit":
		return "edited message"
	case "automod":
		return "AutoMod"
	case store.ContentMessageReport:
		return "report on a message"
	case store.ContentUserReport:
		return "report on a member"
	}
	return strings.ReplaceAll(contentType, "_", " ")
}

func oneLine(s string) string { return strings.ReplaceAll(s, "\n", " ") }

// reviewButtons are one flag's row in the review queue: dismiss, dismiss
// and allow the matched term (for admins, when there is a term: it changes
// the guild's rules), confirm, confirm and warn.
func reviewButtons(d Deps, f store.ContentFlag, caller middleware.Level) view.Row {
	id := strconv.FormatInt(f.ID, 10)
	row := view.Row{{Label: "Dismiss #" + id, Style: view.Secondary, Action: "flag-dismiss", Args: []string{id}}}
	if d.ModRules != nil && caller >= middleware.Admin && f.MatchedTerm != nil && *f.MatchedTerm != "" {
		row = append(row, view.Button{Label: clip(fmt.Sprintf("Dismiss, allow “%s”", *f.MatchedTerm), 80), Style: view.Secondary,
			Action: "flag-dismiss-allow", Args: []string{id}})
	}
	row = append(row, view.Button{Label: "Confirm #" + id, Style: view.Danger, Action: "flag-confirm", Args: []string{id}})
	if d.ModRules != nil {
		row = append(row, view.Button{Label: "Confirm + warn #" + id, Style: view.Danger, Action: "flag-confirm-warn", Args: []string{id}})
	}
	return row
}

// MsgSelfReview refuses a review of the reviewer's own content.
const MsgSelfReview = "❌ You cannot review a flag on your own content: another moderator must."

// reviewed reads the flag id a review button carries.
func reviewed(in *middleware.Interaction) (int64, error) {
	if len(in.Values) < 1 {
		return 0, middleware.Errorf(middleware.MsgForged)
	}
	id, err := strconv.ParseInt(in.Values[0], 10, 64)
	if err != nil {
		return 0, middleware.Errorf(middleware.MsgForged)
	}
	return id, nil
}

// reviewRefusal words why a review changed nothing: the flag was already
// reviewed (or is not this guild's), or it is on the reviewer's own content,
// which is refused as a security event. Other errors pass through.
func reviewRefusal(in *middleware.Interaction, id int64, err error) error {
	switch {
	case errors.Is(err, store.ErrNotFound):
		return alreadyReviewed(id)
	case errors.Is(err, store.ErrSelfReview):
		return middleware.Refuse("self_review", audit.Medium, in.User.ID, MsgSelfReview)
	}
	return err
}

func alreadyReviewed(id int64) error { return middleware.Errorf("Flag #%d was already reviewed.", id) }

// refreshQueue redraws the review queue in place under a status line, as
// it is after the review, with the buttons the reviewer may use.
func refreshQueue(ctx context.Context, d Deps, in *middleware.Interaction, status string) error {
	r, err := flagQueue(ctx, d, in.GuildID, in.Caller)
	if err != nil {
		return err
	}
	if r.Embeds == nil {
		// The queue is empty. Empty lists, not absent ones, so that the
		// update clears the old embed and its buttons instead of leaving
		// them in place.
		status += "\n" + r.Content
		r.Embeds = []view.Embed{}
		r.Components = []view.Row{}
	}
	r.Content = status
	r.Update = true
	return in.Send(ctx, r)
}

// reviewButton reviews one flag (dismiss or confirm) and redraws the queue.
func reviewButton(d Deps, action, status string) middleware.Component {
	return middleware.Component{Action: action, Policy: staff(middleware.Moderator, action, middleware.DatabaseOnly),
		Handle: func(ctx context.Context, in *middleware.Interaction) error {
			id, err := reviewed(in)
			if err != nil {
				return err
			}
			f, err := d.Store.ReviewFlag(ctx, in.GuildID, id, status, in.User.ID, auditlog.Entry(in, "", ""))
			if err != nil {
				return reviewRefusal(in, id, err)
			}
			return refreshQueue(ctx, d, in, fmt.Sprintf("Flag #%d %s by <@%s>.", f.ID, status, in.User.ID))
		}}
}

// dismissAllowButton dismisses a flag as a false positive and allows its
// term in the same transaction. Allowing a term changes the guild's rules,
// so it needs the admin level, as allow-add does: the permission guard
// refuses anyone else's click, a replayed button included, as a security
// event.
func dismissAllowButton(d Deps) middleware.Component {
	return middleware.Component{Action: "flag-dismiss-allow", Policy: staff(middleware.Admin, "flag-dismiss-allow", middleware.DatabaseOnly),
		Handle: func(ctx context.Context, in *middleware.Interaction) error {
			id, err := reviewed(in)
			if err != nil {
				return err
			}
			res, err := d.ModRules.DismissAndAllow(ctx, in.GuildID, id, in.User.ID, auditlog.Entry(in, "", ""))
			var ie *modrules.InputError
			switch {
			case errors.As(err, &ie):
				return middleware.Errorf("❌ Nothing changed: %s", ie.Message)
			case err != nil:
				return reviewRefusal(in, id, err)
			}
			note := fmt.Sprintf("`%s` is now on the allow list", res.Term)
			if res.AlreadyAllowed {
				note = fmt.Sprintf("`%s` was already on the allow list", res.Term)
			}
			return refreshQueue(ctx, d, in, fmt.Sprintf("Flag #%d dismissed by <@%s>; %s.", id, in.User.ID, note))
		}}
}

// confirmWarnButton confirms a flag and gives its author a strike. The two
// are separate transactions (a warning may time out or ban through
// Discord): if the warning is refused or fails, the flag stays confirmed
// and the reply says so.
func confirmWarnButton(d Deps) middleware.Component {
	return middleware.Component{Action: "flag-confirm-warn", Policy: staff(middleware.Moderator, "flag-confirm-warn", middleware.DatabaseOnly),
		Handle: func(ctx context.Context, in *middleware.Interaction) error {
			id, err := reviewed(in)
			if err != nil {
				return err
			}
			entry := auditlog.Entry(in, "", "")
			if d.Strikes == nil {
				entry.Details["warning"] = "not given: the warning system is off"
			}
			f, err := d.Store.ReviewFlag(ctx, in.GuildID, id, "confirmed", in.User.ID, entry)
			if err != nil {
				return reviewRefusal(in, id, err)
			}
			status := fmt.Sprintf("Flag #%d confirmed by <@%s>.", f.ID, in.User.ID)
			if d.Strikes == nil {
				return refreshQueue(ctx, d, in, status+" ⚠️ No warning given: the warning system is off.")
			}
			reason := fmt.Sprintf("Flagged %s confirmed (flag #%d: %s)", strings.ReplaceAll(f.ContentType, "_", " "), f.ID, f.FlagReason)
			warnEntry := auditlog.Entry(in, f.UserID, reason)
			warnEntry.ActionType = "warn"
			warnEntry.Details["flagId"] = f.ID
			res, err := d.Strikes.Warn(ctx, strike.WarnRequest{
				GuildID: in.GuildID, InteractionID: in.ID, ModeratorID: in.User.ID, ModeratorName: in.User.Username,
				UserID: f.UserID, Reason: reason, Severity: strike.Severity(f.Severity), Audit: warnEntry,
			})
			var refused *strike.RefusalError
			switch {
			case errors.As(err, &refused):
				status += " ⚠️ No warning given: " + refusalText(refused)
			case err != nil:
				in.Log.Error("Warning after a confirmed flag failed", "userId", f.UserID, "flagId", f.ID, "error", err)
				status += " ⚠️ The warning failed; use /security warn."
			default:
				status += fmt.Sprintf(" <@%s> warned: %s", f.UserID, strings.ReplaceAll(WarnReply(res), "\n", " · "))
			}
			return refreshQueue(ctx, d, in, status)
		}}
}
