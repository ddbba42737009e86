package command

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/embodied-community/embodied/internal/middleware"
	"github.com/embodied-community/embodied/internal/store"
	"github.com/embodied-community/embodied/internal/view"
)

// DefaultFlaggedThreshold is how many rate-limit violations in 24 hours
// make a "flagged user" when Deps.FlaggedThreshold is not set (the seed's 5).
const DefaultFlaggedThreshold = 5

func staff(level middleware.Level, action string, effect middleware.Effect) middleware.Policy {
	return middleware.Policy{Level: level, GuildOnly: true, Ephemeral: true, ActionType: action, Effect: effect}
}

func registerSecurity(reg Registry, d Deps) {
	reg.Group(middleware.Group{Name: "security", Description: "Security and moderation tools"})
	reg.Add(
		middleware.Spec{
			Name: "security audit", Description: "Recent admin and moderator actions",
			Options: []middleware.Option{{Name: "limit", Description: "How many (1-100, default 10)", Type: middleware.Integer,
				HasRange: true, Min: 1, Max: 100}},
			Policy: staff(middleware.Admin, "", middleware.NoAudit),
			Handle: func(ctx context.Context, in *middleware.Interaction) error {
				limit, ok := in.Int("limit")
				if !ok {
					limit = 10
				}
				r, err := auditPage(ctx, d, in.GuildID, 0, int(limit))
				if err != nil {
					return err
				}
				return in.Send(ctx, r)
			},
		},
		middleware.Spec{
			Name: "security flags", Description: "The content review queue",
			Policy: staff(middleware.Moderator, "", middleware.NoAudit),
			Handle: func(ctx context.Context, in *middleware.Interaction) error {
				r, err := flagQueue(ctx, d, in.GuildID, in.Caller)
				if err != nil {
					return err
				}
				return in.Send(ctx, r)
			},
		},
		middleware.Spec{
			Name: "security violations", Description: "Members flagged for rate-limit violations (24 h)",
			Policy: staff(middleware.Admin, "", middleware.NoAudit),
			Handle: func(ctx context.Context, in *middleware.Interaction) error {
				threshold := d.FlaggedThreshold
				if threshold <= 0 {
					threshold = DefaultFlaggedThreshold
				}
				users, err := d.Store.FlaggedUsers(ctx, in.GuildID, d.Now().Add(-24*time.Hour), threshold, 25)
				if err != nil {
					return err
				}
				if len(users) == 0 {
					return in.Say(ctx, "✅ No member has more than %d rate-limit violations in the last 24 hours.", threshold)
				}
				e := &view.Embed{Title: "Rate-limit violations (24 h)", Color: colorWarning,
					Description: fmt.Sprintf("%d flagged %s (more than %d violations)", len(users), plural(len(users), "member"), threshold)}
				for _, u := range users {
					e.Fields = append(e.Fields, view.Field{
						Name:  fmt.Sprintf("%d violations", u.Violations),
						Value: fmt.Sprintf("<@%s>\nCommands: %s\nLast: %s", u.UserID, strings.Join(u.Commands, ", "), u.LastAt.UTC().Format("2006-01-02 15:04:05"))})
				}
				return in.Send(ctx, middleware.Response{Embeds: []view.Embed{*e}})
			},
		},
	)
	reg.Add(middleware.Spec{
		Name: "security events", Description: "Refused attempts recorded in this server (security events)",
		Options: []middleware.Option{{Name: "limit", Description: "How many (1-25, default 10)", Type: middleware.Integer,
			HasRange: true, Min: 1, Max: 25}},
		Policy: staff(middleware.Admin, "", middleware.NoAudit),
		Handle: func(ctx context.Context, in *middleware.Interaction) error {
			limit, ok := in.Int("limit")
			if !ok {
				limit = 10
			}
			events, err := d.Store.RecentSecurityEvents(ctx, in.GuildID, int(limit))
			if err != nil {
				return err
			}
			if len(events) == 0 {
				return in.Say(ctx, "✅ No security events recorded in this server.")
			}
			e := &view.Embed{Title: "Security events", Color: colorDanger, Description: "Newest first"}
			for _, ev := range events {
				var v strings.Builder
				if ev.ActorID != "" {
					fmt.Fprintf(&v, "Actor: <@%s>\n", ev.ActorID)
				}
				if ev.TargetID != "" {
					fmt.Fprintf(&v, "Target: <@%s>\n", ev.TargetID)
				}
				fmt.Fprintf(&v, "Attempted: %s\nSeverity: %s", clip(ev.Attempted, 300), ev.Severity)
				e.Fields = append(e.Fields, view.Field{
					Name: fmt.Sprintf("%s - %s", ev.EventType, ev.CreatedAt.UTC().Format("2006-01-02 15:04:05")), Value: v.String()})
			}
			return in.Send(ctx, middleware.Response{Embeds: []view.Embed{*e}})
		},
	})
	page := middleware.Component{Action: "audit-page", Policy: staff(middleware.Admin, "", middleware.NoAudit),
		Handle: func(ctx context.Context, in *middleware.Interaction) error {
			if len(in.Values) < 2 {
				return middleware.Errorf(middleware.MsgForged)
			}
			offset, err1 := strconv.Atoi(in.Values[0])
			end, err2 := strconv.Atoi(in.Values[1])
			if err1 != nil || err2 != nil || offset < 0 || end <= offset || end > 100 {
				return middleware.Errorf(middleware.MsgForged)
			}
			r, err := auditPage(ctx, d, in.GuildID, offset, end)
			if err != nil {
				return err
			}
			r.Update = true
			return in.Send(ctx, r)
		}}
	reg.AddComponent(page, reviewButton(d, "flag-dismiss", "dismissed"), reviewButton(d, "flag-confirm", "confirmed"))
}

// auditPage renders the guild's newest audit records [offset, end) as one embed
// within Discord's limits, with buttons to the neighbouring pages.
func auditPage(ctx context.Context, d Deps, guildID string, offset, end int) (middleware.Response, error) {
	records, err := d.Store.RecentAudit(ctx, guildID, end-offset, offset)
	if err != nil {
		return middleware.Response{}, err
	}
	e := &view.Embed{Title: "Audit log", Color: colorInfo}
	if d.HealthSummary != nil {
		e.Footer = clip(d.HealthSummary(), 200)
	}
	if len(records) == 0 {
		e.Description = "No audited actions yet."
		return middleware.Response{Embeds: []view.Embed{*e}}, nil
	}
	size := len(e.Title) + 250 // title, footer and description allowance
	shown := 0
	for _, r := range records {
		f := auditField(r)
		if shown == 25 || size+len(f.Name)+len(f.Value) > 5500 {
			break
		}
		size += len(f.Name) + len(f.Value)
		e.Fields = append(e.Fields, f)
		shown++
	}
	e.Description = fmt.Sprintf("Entries %d–%d, newest first", offset+1, offset+shown)
	var buttons view.Row
	if offset > 0 {
		prev := max(0, offset-shown)
		buttons = append(buttons, view.Button{Label: "◀ Newer", Style: view.Secondary,
			Action: "audit-page", Args: []string{strconv.Itoa(prev), strconv.Itoa(end)}})
	}
	if shown < len(records) {
		next := offset + shown
		buttons = append(buttons, view.Button{Label: "Older ▶", Style: view.Secondary,
			Action: "audit-page", Args: []string{strconv.Itoa(next), strconv.Itoa(end)}})
	}
	r := middleware.Response{Embeds: []view.Embed{*e}}
	if len(buttons) > 0 {
		r.Components = []view.Row{buttons}
	}
	return r, nil
}

// auditField renders one record as the seed shows it:
// "adjust-xp - 2025-10-07 14:30:15", "Admin: <@id>", "Target: <@id>".
func auditField(r store.AuditEntry) view.Field {
	var v strings.Builder
	fmt.Fprintf(&v, "Admin: <@%s>", r.ActorID)
	if r.TargetID != "" {
		fmt.Fprintf(&v, "\nTarget: <@%s>", r.TargetID)
	}
	if r.Reason != "" {
		fmt.Fprintf(&v, "\nReason: %s", clip(r.Reason, 200))
	}
	if phase, ok := r.Details["phase"].(string); ok {
		fmt.Fprintf(&v, "\nPhase: %s", phase)
		if ok, isBool := r.Details["ok"].(bool); isBool && !ok {
			v.WriteString(" (failed)")
		}
	}
	return view.Field{
		Name:  fmt.Sprintf("%s - %s", r.ActionType, r.CreatedAt.UTC().Format("2006-01-02 15:04:05")),
		Value: v.String(),
	}
}
