package command

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/embodied-community/embodied/internal/antinuke"
	"github.com/embodied-community/embodied/internal/middleware"
	"github.com/embodied-community/embodied/internal/middleware/auditlog"
	"github.com/embodied-community/embodied/internal/store"
)

// registerAntiNuke declares /security antinuke show, set, trust and untrust
// (admins; audited): a guild's anti-nuke limits and trusted actors.
func registerAntiNuke(reg Registry, d Deps) {
	kinds := make([]string, len(antinuke.Kinds))
	for i, k := range antinuke.Kinds {
		kinds[i] = string(k)
	}
	user := []middleware.Option{{Name: "user", Description: "The member", Type: middleware.UserOption, Required: true, AllowBot: true}}
	reg.Add(
		middleware.Spec{
			Name: "security antinuke show", Description: "Anti-nuke limits and trusted actors of this server",
			Policy: staff(middleware.Admin, "antinuke-show", middleware.NoAudit),
			Handle: func(ctx context.Context, in *middleware.Interaction) error {
				st, err := d.Store.AntiNukeSettings(ctx, in.GuildID)
				if err != nil {
					return err
				}
				return in.Say(ctx, "%s", antiNukeSummary(st))
			},
		},
		middleware.Spec{
			Name: "security antinuke set", Description: "Change how many actions of a kind a member may take in a window",
			Options: []middleware.Option{
				{Name: "kind", Description: "The kind of action", Type: middleware.String, Required: true, Choices: kinds},
				{Name: "count", Description: "Actions allowed in the window; one more is a breach", Type: middleware.Integer, Required: true, HasRange: true, Min: 1, Max: 1000},
				{Name: "seconds", Description: "The window in seconds", Type: middleware.Integer, Required: true, HasRange: true, Min: 1, Max: 86400},
			},
			Policy: staff(middleware.Admin, "antinuke-set", middleware.DatabaseOnly),
			Handle: func(ctx context.Context, in *middleware.Interaction) error {
				count, _ := in.Int("count")
				secs, _ := in.Int("seconds")
				l := store.AntiNukeLimit{Kind: in.String("kind"), MaxCount: int(count), WindowSeconds: int(secs)}
				if err := d.Store.SetAntiNukeLimit(ctx, in.GuildID, l, in.User.ID, auditlog.Entry(in, "", "")); err != nil {
					return err
				}
				return in.Say(ctx, "✅ Anti-nuke: more than %d %s in %s is a breach.", l.MaxCount, l.Kind, time.Duration(secs)*time.Second)
			},
		},
		middleware.Spec{
			Name: "security antinuke trust", Description: "Never count this member's actions (the owner and bot owners always are trusted)",
			Options: user,
			Policy:  staff(middleware.Admin, "antinuke-trust", middleware.DatabaseOnly),
			Handle: func(ctx context.Context, in *middleware.Interaction) error {
				u, _ := in.Target("user")
				if err := d.Store.TrustAntiNukeActor(ctx, in.GuildID, u.ID, in.User.ID, auditlog.Entry(in, u.ID, "")); err != nil {
					return err
				}
				return in.Say(ctx, "✅ Anti-nuke trusts <@%s>: their actions are not counted.", u.ID)
			},
		},
		middleware.Spec{
			Name: "security antinuke untrust", Description: "Count this member's actions again",
			Options: user,
			Policy:  staff(middleware.Admin, "antinuke-untrust", middleware.DatabaseOnly),
			Handle: func(ctx context.Context, in *middleware.Interaction) error {
				u, _ := in.Target("user")
				err := d.Store.UntrustAntiNukeActor(ctx, in.GuildID, u.ID, auditlog.Entry(in, u.ID, ""))
				if errors.Is(err, store.ErrNotFound) {
					return in.Say(ctx, "<@%s> was not trusted.", u.ID)
				}
				if err != nil {
					return err
				}
				return in.Say(ctx, "✅ Anti-nuke counts <@%s>'s actions again.", u.ID)
			},
		},
	)
}

// antiNukeSummary lists a guild's limits (its own marked) and trusted actors.
func antiNukeSummary(st store.AntiNukeSettings) string {
	limits := antinuke.Limits(st)
	own := map[string]bool{}
	for _, l := range st.Limits {
		own[l.Kind] = true
	}
	var sb strings.Builder
	sb.WriteString("**Anti-nuke limits** (one more action in the window is a breach)\n")
	for _, k := range antinuke.Kinds {
		mark := "default"
		if own[string(k)] {
			mark = "this server"
		}
		fmt.Fprintf(&sb, "• %s: %d in %s (%s)\n", k, limits[k].Count, limits[k].Window, mark)
	}
	sb.WriteString("**Trusted**: the owner, the bot owners")
	for _, id := range st.Trusted {
		fmt.Fprintf(&sb, ", <@%s>", id)
	}
	return sb.String()
}

// antiNukeStatus is the "Anti-nuke" line of /security status: the guild's
// latest incident and what the bot did, or "" when it has none.
func antiNukeStatus(ctx context.Context, d Deps, guildID string) (string, error) {
	in, err := d.Store.LatestAntiNukeIncident(ctx, guildID)
	if errors.Is(err, store.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return antiNukeIncidentText(in), nil
}

// antiNukeIncidentText says who did what when, and what the bot did about
// it (or would have done, in safe mode).
func antiNukeIncidentText(in store.AntiNukeIncident) string {
	var a struct {
		Plan   string   `json:"plan"`
		Done   []string `json:"done"`
		Failed []string `json:"failed"`
		Why    string   `json:"why"`
	}
	_ = json.Unmarshal(in.Actions, &a) // written by antinuke; a bad row shows the bare incident
	text := fmt.Sprintf("Last incident <t:%d:R>: <@%s>, %d %s", in.EndedAt.Unix(), in.ActorID, len(in.EntryIDs), in.Kind)
	var outcome []string
	switch {
	case !in.Enforced && a.Plan != "" && a.Plan != "nothing":
		outcome = append(outcome, "safe mode, would have: "+a.Plan)
	case !in.Enforced:
		outcome = append(outcome, "safe mode")
	case len(a.Done) > 0:
		outcome = append(outcome, "contained: "+strings.Join(a.Done, ", "))
	case len(a.Failed) == 0:
		outcome = append(outcome, "not contained")
	}
	if len(a.Failed) > 0 {
		outcome = append(outcome, "failed: "+strings.Join(a.Failed, ", "))
	}
	if a.Why != "" && len(a.Done) == 0 {
		outcome = append(outcome, a.Why)
	}
	return text + " — " + strings.Join(outcome, "; ")
}
