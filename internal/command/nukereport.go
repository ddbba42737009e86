package command

import (
	"context"
	"fmt"
	"strings"

	"github.com/embodied-community/embodied/internal/guildsnap"
	"github.com/embodied-community/embodied/internal/middleware"
	"github.com/embodied-community/embodied/internal/view"
)

// Nuke report texts.
const (
	MsgNothingDeleted = "No role or channel deletion is on record for this server."
	nukeRecreate      = "nuke-recreate"
	// embedTextBudget keeps a report's description within Discord's 4096
	// characters per description (and 6000 per message).
	embedTextBudget = 3800
)

// registerNukeReport declares /security nuke-report and its recreate
// button (admins). It needs Deps.GuildSnap.
func registerNukeReport(reg Registry, d Deps) {
	if d.GuildSnap == nil {
		return
	}
	reg.Add(middleware.Spec{
		Name: "security nuke-report", Description: "What was deleted in the latest burst of role and channel deletions, to recreate",
		Policy: staff(middleware.Admin, "", middleware.NoAudit),
		Handle: func(ctx context.Context, in *middleware.Interaction) error {
			inc, err := d.GuildSnap.Report(ctx, in.GuildID)
			if err != nil {
				return err
			}
			return in.Send(ctx, nukeReport(inc))
		},
	})
	reg.AddComponent(middleware.Component{Action: nukeRecreate, Policy: staff(middleware.Admin, "nuke-recreate", middleware.External),
		Handle: func(ctx context.Context, in *middleware.Interaction) error {
			res, err := d.GuildSnap.Recreate(ctx, in.GuildID, in.User.ID,
				fmt.Sprintf("embodied: nuke-report recreation by %s (%s)", in.User.Username, in.User.ID))
			if err != nil {
				return err
			}
			return in.Send(ctx, middleware.Response{Embeds: []view.Embed{recreateEmbed(res)}})
		}})
}

// nukeReport lists an incident's deletions in one embed, with the button
// to recreate them.
func nukeReport(inc guildsnap.Incident) middleware.Response {
	if len(inc.Roles)+len(inc.Channels) == 0 {
		return middleware.Response{Embeds: []view.Embed{{Title: "Nuke report", Description: MsgNothingDeleted, Color: colorInfo}}}
	}
	lines := make([]string, 0, len(inc.Roles)+len(inc.Channels))
	for _, d := range append(inc.Roles, inc.Channels...) {
		lines = append(lines, deletionLine(d))
	}
	e := view.Embed{Title: "Nuke report", Color: colorDanger,
		Description: fmt.Sprintf("Deleted between %s and %s UTC (deletions at most %s apart):\n%s",
			inc.Start.UTC().Format("2006-01-02 15:04:05"), inc.End.UTC().Format("15:04:05"), guildsnap.DefaultBurstGap, budgetLines(lines)),
		Footer: "Recreate brings back the roles and channels as they were, not their messages."}
	return middleware.Response{Embeds: []view.Embed{e},
		Components: []view.Row{{{Label: "Recreate deleted roles and channels", Style: view.Danger, Action: nukeRecreate}}}}
}

func deletionLine(d guildsnap.Deletion) string {
	var s string
	if d.Role != nil {
		s = fmt.Sprintf("• role **@%s** (position %d)", escape(d.Role.Name), d.Role.Position)
	} else {
		kind := "channel"
		if d.Channel.Type == guildsnap.ChannelTypeCategory {
			kind = "category"
		}
		s = fmt.Sprintf("• %s **#%s**", kind, escape(d.Channel.Name))
	}
	if d.DeletedBy != "" {
		s += " by <@" + d.DeletedBy + ">"
	}
	if d.RecreatedID != "" {
		s += " — recreated"
	}
	return s
}

// budgetLines joins lines within embedTextBudget, saying how many it left out.
func budgetLines(lines []string) string {
	var b strings.Builder
	for i, l := range lines {
		if b.Len()+len(l)+40 > embedTextBudget {
			fmt.Fprintf(&b, "… and %d more", len(lines)-i)
			break
		}
		b.WriteString(l + "\n")
	}
	return b.String()
}

// recreateEmbed says what a recreation did and could not do.
func recreateEmbed(res guildsnap.Result) view.Embed {
	var lines []string
	section := func(title string, items []string) {
		if len(items) > 0 {
			lines = append(lines, "**"+title+"**")
			for _, it := range items {
				lines = append(lines, "• "+escape(it))
			}
		}
	}
	section("Recreated", res.Created)
	section("Already recreated", res.Already)
	section("Could not be recreated as it was", res.Limited)
	color := colorOK
	if len(res.Limited) > 0 {
		color = colorWarning
	}
	if len(lines) == 0 {
		lines = []string{MsgNothingDeleted}
	}
	return view.Embed{Title: "Recreation", Color: color, Description: budgetLines(lines)}
}
