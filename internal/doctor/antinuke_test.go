package doctor_test

import (
	"context"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"

	"github.com/embodied-community/embodied/internal/discordsim"
	"github.com/embodied-community/embodied/internal/doctor"
	"github.com/embodied-community/embodied/internal/storetest"
)

// doctor warns when anti-nuke cannot see the audit log or remove dangerous roles:
// View Audit Log, Manage Roles, and the bot's role above the roles with dangerous
// permissions.
func TestDoctorAntiNuke(t *testing.T) {
	sim := discordsim.NewTest(t, discordsim.Options{})
	g := sim.SeedSandbox()
	cfg := newConfig(t, sim, storetest.New(t))
	g.BotRole().SetPosition(7) // below Admin (10), above Moderator (5)
	rep := doctor.Run(context.Background(), doctor.Options{Config: cfg})
	r := find(rep, "anti-nuke")
	for _, want := range []string{"lacks View Audit Log", "lacks Manage Roles", "cannot be removed: Admin"} {
		if r.Status != doctor.Warn || !strings.Contains(r.Detail, want) {
			t.Errorf("want a warning with %q: %+v", want, r)
		}
	}
	g.BotRole().SetPermissions(g.BotRole().Info().Permissions | discordgo.PermissionViewAuditLogs | discordgo.PermissionManageRoles)
	g.BotRole().SetPosition(100)
	if r := find(doctor.Run(context.Background(), doctor.Options{Config: cfg}), "anti-nuke"); r.Status != doctor.Pass {
		t.Errorf("with everything: %+v", r)
	}
}
