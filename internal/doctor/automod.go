package doctor

import (
	"context"
	"fmt"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/embodied-community/embodied/internal/automod"
	"github.com/embodied-community/embodied/internal/store"
)

// checkAutoModPermission warns when the bot lacks MANAGE_GUILD, which the
// Discord AutoMod sync needs (every Auto Moderation route requires it).
func checkAutoModPermission(r *Report, guild string, botPerms int64, botRole string) {
	check := guild + " AutoMod permission"
	if botPerms&discordgo.PermissionManageGuild == 0 {
		r.add(Warn, check, "the bot lacks MANAGE_GUILD: the Discord AutoMod sync cannot read or change the server's AutoMod rules",
			fmt.Sprintf("Server Settings → Roles → %s: enable Manage Server", botRole))
		return
	}
	r.add(Pass, check, "MANAGE_GUILD", "")
}

// checkAutoMod reports, per guild, what its last Discord AutoMod sync
// found: rules edited by hand in Discord (drift), what could not be pushed,
// or why the sync could not run.
func checkAutoMod(ctx context.Context, r *Report, db *store.Store) {
	reports, err := db.AutoModReports(ctx)
	if err != nil {
		r.add(Warn, "Discord AutoMod sync", err.Error(), "check the migrations (072_automod_sync)")
		return
	}
	for _, st := range reports {
		check := "guild " + st.GuildID + " Discord AutoMod sync"
		rep, err := automod.ParseReport(st.SyncReport)
		switch {
		case err != nil:
			r.add(Warn, check, err.Error(), "run /security automod sync in the server")
		case rep.Error != "":
			r.add(Warn, check, rep.Error, "enable Manage Server for the bot's role, then run /security automod sync")
		case len(rep.Drift) > 0:
			var names []string
			for _, d := range rep.Drift {
				names = append(names, fmt.Sprintf("%q (%s)", d.Name, d.RuleID))
			}
			r.add(Warn, check, "drift: edited by hand in Discord and left as they are: "+strings.Join(names, ", "),
				"change the server's rules with /security moderation and run `/security automod sync overwrite:true`, or delete the edited rule in Discord")
		case len(rep.Unpushed) > 0:
			r.add(Warn, check, "not pushed: "+strings.Join(rep.Unpushed, "; "), "see README, Discord AutoMod sync, for the limits and the regex dialect")
		default:
			r.add(Pass, check, fmt.Sprintf("in sync at %s", st.SyncedAt.UTC().Format("2006-01-02 15:04 UTC")), "")
		}
	}
}
