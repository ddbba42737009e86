package doctor_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/embodied-community/embodied/internal/discordsim"
	"github.com/embodied-community/embodied/internal/doctor"
	"github.com/embodied-community/embodied/internal/store"
	"github.com/embodied-community/embodied/internal/storetest"
)

// doctor warns when the bot lacks Manage Server, which the AutoMod sync
// needs, and reports each guild's last sync: drift, what was not pushed.
func TestDoctorAutoMod(t *testing.T) {
	sim := discordsim.NewTest(t, discordsim.Options{})
	g := sim.SeedSandbox()
	db := storetest.New(t)
	cfg := newConfig(t, sim, db)
	st := store.New(db.App)
	drift := `{"drift":[{"ruleId":"123","name":"embodied: keywords"}]}`
	if err := st.SaveAutoModReport(context.Background(), g.ID, json.RawMessage(drift), time.Now()); err != nil {
		t.Fatal(err)
	}

	rep := doctor.Run(context.Background(), doctor.Options{Config: cfg})
	if r := find(rep, "AutoMod permission"); r.Status != doctor.Warn || !strings.Contains(r.Fix, "enable Manage Server") {
		t.Errorf("without Manage Server: %+v", r)
	}
	if r := find(rep, "Discord AutoMod sync"); r.Status != doctor.Warn || !strings.Contains(r.Detail, `"embodied: keywords" (123)`) {
		t.Errorf("drift: %+v", r)
	}

	g.BotRole().SetPermissions(g.BotRole().Info().Permissions | discordgo.PermissionManageGuild)
	if err := st.SaveAutoModReport(context.Background(), g.ID, json.RawMessage(`{"unchanged":1}`), time.Now()); err != nil {
		t.Fatal(err)
	}
	rep = doctor.Run(context.Background(), doctor.Options{Config: cfg})
	for _, check := range []string{"AutoMod permission", "Discord AutoMod sync"} {
		if r := find(rep, check); r.Status != doctor.Pass {
			t.Errorf("%s: %+v", check, r)
		}
	}
}
