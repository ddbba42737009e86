package doctor

import (
	"fmt"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/embodied-community/embodied/internal/antinuke"
)

// checkAntiNuke checks what anti-nuke needs: View Audit Log (without it Discord
// sends no GUILD_AUDIT_LOG_ENTRY_CREATE), Manage Roles (to remove a compromised
// member's dangerous roles) and a bot role above every role holding dangerous
// permissions (Discord lets a bot manage only roles below its highest).
func checkAntiNuke(r *Report, guild string, botPerms int64, botTop int, botRole string, roles []*discordgo.Role) {
	check := guild + " anti-nuke"
	var problems, fixes []string
	if botPerms&discordgo.PermissionViewAuditLogs == 0 {
		problems = append(problems, "the bot lacks View Audit Log: anti-nuke sees nothing")
		fixes = append(fixes, "enable View Audit Log")
	}
	if botPerms&discordgo.PermissionManageRoles == 0 {
		problems = append(problems, "the bot lacks Manage Roles: it can only time a nuker out")
		fixes = append(fixes, "enable Manage Roles")
	}
	var above []string
	for _, ro := range roles {
		if ro.Position >= botTop && ro.Permissions&antinuke.Dangerous != 0 && !ro.Managed {
			above = append(above, ro.Name)
		}
	}
	if len(above) > 0 {
		problems = append(problems, "roles with dangerous permissions at or above the bot's highest role cannot be removed: "+strings.Join(above, ", "))
		fixes = append(fixes, "drag "+botRole+" above them")
	}
	if len(problems) == 0 {
		r.add(Pass, check, "View Audit Log, Manage Roles, bot role above every role with dangerous permissions", "")
		return
	}
	r.add(Warn, check, strings.Join(problems, "; "), fmt.Sprintf("Server Settings → Roles → %s: %s", botRole, strings.Join(fixes, ", ")))
}
