package command

import (
	"context"
	"fmt"

	"github.com/embodied-community/embodied/internal/automod"
	"github.com/embodied-community/embodied/internal/middleware"
	"github.com/embodied-community/embodied/internal/middleware/auditlog"
)

// registerAutoMod declares /security automod sync and /security automod
// strikes (admins; audited). It needs Deps.AutoMod.
func registerAutoMod(reg Registry, d Deps) {
	if d.AutoMod == nil {
		return
	}
	reg.Add(
		middleware.Spec{
			Name: "security automod sync", Description: "Mirror this server's keywords, allow list and regexes into Discord AutoMod now",
			Options: []middleware.Option{{Name: "overwrite", Type: middleware.Boolean,
				Description: "Replace the bot's AutoMod rules edited by hand in Discord (default: leave them, report drift)"}},
			Policy: staff(middleware.Admin, "automod-sync", middleware.External),
			Defer:  true,
			Handle: func(ctx context.Context, in *middleware.Interaction) error {
				rep, err := d.AutoMod.Sync(ctx, in.GuildID, automod.SyncOptions{Overwrite: in.Bool("overwrite", false),
					Reason: fmt.Sprintf("embodied: /security automod sync by %s (%s)", in.User.Username, in.User.ID)})
				if err != nil {
					return err
				}
				return in.Say(ctx, "%s", clip("Discord AutoMod sync: "+rep.Summary(), 1900))
			},
		},
		middleware.Spec{
			Name: "security automod strikes", Description: "Give a strike for every Discord AutoMod action (on) or only flag for review (off)",
			Options: []middleware.Option{{Name: "enabled", Description: "on: strike; off: review queue only", Type: middleware.String,
				Required: true, Choices: []string{"on", "off"}}},
			Policy: staff(middleware.Admin, "automod-strikes", middleware.DatabaseOnly),
			Handle: func(ctx context.Context, in *middleware.Interaction) error {
				on := in.String("enabled") == "on"
				if err := d.Store.SetAutoModStrikes(ctx, in.GuildID, on, in.User.ID, auditlog.Entry(in, "", "")); err != nil {
					return err
				}
				if on {
					return in.Say(ctx, "✅ Every Discord AutoMod action now gives the member a strike (the strike ladder and safe mode apply).")
				}
				return in.Say(ctx, "✅ Discord AutoMod actions are flagged for review only; no strike.")
			},
		},
	)
}

// autoModStatus is /security status's line on the guild's AutoMod sync;
// "" for a guild with nothing mirrored, nothing to report and strikes off.
func autoModStatus(ctx context.Context, d Deps, guildID string) (string, error) {
	st, err := d.Store.AutoModSettings(ctx, guildID)
	if err != nil {
		return "", err
	}
	rep, err := automod.ParseReport(st.SyncReport)
	if err != nil {
		return "", err
	}
	strikes := "off"
	if st.StrikeOnExecution {
		strikes = "on"
	}
	switch {
	case rep.Empty() && !st.StrikeOnExecution:
		return "", nil
	case st.SyncedAt == nil:
		return fmt.Sprintf("Not synced yet · strikes %s", strikes), nil
	}
	return clip(fmt.Sprintf("Last sync %s UTC · strikes %s\n%s", st.SyncedAt.UTC().Format("2006-01-02 15:04"), strikes, rep.Summary()), 1000), nil
}
