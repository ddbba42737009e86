package doctor_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"go.uber.org/goleak"

	"github.com/embodied-community/embodied/internal/config"
	"github.com/embodied-community/embodied/internal/discordsim"
	"github.com/embodied-community/embodied/internal/doctor"
	"github.com/embodied-community/embodied/internal/rollout"
	"github.com/embodied-community/embodied/internal/store"
	"github.com/embodied-community/embodied/internal/storetest"
)

func TestMain(m *testing.M) {
	// discordgo's listener sleeps a second after Close before it returns.
	goleak.VerifyTestMain(m, goleak.IgnoreAnyFunction("github.com/bwmarrin/discordgo.(*Session).CloseWithCode"))
	os.Exit(0)
}

func find(rep *doctor.Report, check string) doctor.Result {
	for _, r := range rep.Results {
		if strings.Contains(r.Check, check) {
			return r
		}
	}
	return doctor.Result{Status: -1}
}

func newConfig(t *testing.T, sim *discordsim.Server, db *storetest.DB) *config.Config {
	return &config.Config{
		Env: config.EnvStaging, EnableHealthchecks: true, EnableAutobackup: true, HealthcheckInterval: 5 * time.Minute,
		BackupDir: filepath.Join(t.TempDir(), "backups"), DatabaseURL: db.AppURL, MigrationURL: db.OwnerURL,
		DiscordToken: config.Secret(sim.Token()), DiscordAPIURL: sim.URL(),
	}
}

// doctor against the emulator reports a missing BAN_MEMBERS and a bot role
// below a member's, and passes once both are fixed.
func TestDoctorGuildPermissions(t *testing.T) {
	sim := discordsim.NewTest(t, discordsim.Options{})
	g := sim.SeedSandbox()
	db := storetest.New(t)
	cfg := newConfig(t, sim, db)

	botPerms := g.BotRole().Info().Permissions
	g.BotRole().SetPermissions(botPerms &^ discordgo.PermissionBanMembers)
	regular := g.AddRole(discordsim.RoleSpec{Name: "Regular", Position: 150})
	g.MemberByName("alice").SetRoles(regular.ID)

	rep := doctor.Run(context.Background(), doctor.Options{Config: cfg})
	var out bytes.Buffer
	rep.Print(&out)
	perm, pos := find(rep, "bot permissions"), find(rep, "bot role position")
	if perm.Status != doctor.Fail || !strings.Contains(perm.Detail, "BAN_MEMBERS") || !strings.Contains(perm.Fix, "Ban Members") {
		t.Errorf("permissions: %+v", perm)
	}
	if pos.Status != doctor.Fail || !strings.Contains(pos.Detail, "alice (Regular, position 150)") || strings.Contains(pos.Detail, "bob") {
		t.Errorf("role position: %+v", pos)
	}
	if !rep.Failed() || !strings.Contains(out.String(), "fix: Server Settings → Roles") {
		t.Errorf("report:\n%s", out.String())
	}

	g.BotRole().SetPermissions(botPerms)
	g.BotRole().SetPosition(200)
	rep = doctor.Run(context.Background(), doctor.Options{Config: cfg})
	out.Reset()
	rep.Print(&out)
	for _, r := range rep.Results {
		if r.Status == doctor.Fail {
			t.Errorf("still failing: %s: %s", r.Check, r.Detail)
		}
	}
	for _, check := range []string{"Discord token valid", "bot permissions", "bot role position", "database reachable", "migrations current and verified", "pg_dump present", "backup directory"} {
		if r := find(rep, check); r.Status != doctor.Pass {
			t.Errorf("%s: %+v\n%s", check, r, out.String())
		}
	}
}

// A member beyond the first 1000 is still checked: doctor pages through
// List Guild Members with after=<highest id seen>.
func TestDoctorPagesMembers(t *testing.T) {
	sim := discordsim.NewTest(t, discordsim.Options{})
	g := sim.SeedSandbox()
	db := storetest.New(t)
	cfg := newConfig(t, sim, db)
	regular := g.AddRole(discordsim.RoleSpec{Name: "Regular", Position: 150})
	for i := range 1000 {
		g.AddMember(discordsim.UserSpec{Username: fmt.Sprintf("filler%04d", i)})
	}
	late := g.AddMember(discordsim.UserSpec{Username: "latecomer", Roles: []string{regular.ID}})

	rep := doctor.Run(context.Background(), doctor.Options{Config: cfg})
	if pos := find(rep, "bot role position"); pos.Status != doctor.Fail || !strings.Contains(pos.Detail, "latecomer (Regular, position 150)") {
		t.Errorf("role position: %+v", pos)
	}
	var pages []string
	for _, r := range sim.Requests() {
		if r.Method == "GET" && strings.HasSuffix(r.Path, "/guilds/"+g.ID+"/members") {
			pages = append(pages, r.Query)
		}
	}
	if len(pages) != 2 || !strings.Contains(pages[0], "limit=1000") || strings.Contains(pages[0], "after=") ||
		!strings.Contains(pages[1], "after=") || strings.Contains(pages[1], "after="+late.ID()) {
		t.Errorf("member list requests: %q, want two pages of 1000, the second after the first's highest id", pages)
	}
}

func TestDoctorBadToken(t *testing.T) {
	sim := discordsim.NewTest(t, discordsim.Options{})
	db := storetest.New(t)
	cfg := newConfig(t, sim, db)
	cfg.DiscordToken = "not-the-token"
	rep := doctor.Run(context.Background(), doctor.Options{Config: cfg})
	if r := find(rep, "Discord token valid"); r.Status != doctor.Fail || !strings.Contains(r.Detail, "401") {
		t.Errorf("token: %+v", r)
	}
	sim.TakeViolations()
}

func TestDoctorConfigConsistency(t *testing.T) {
	tests := []struct {
		cfg  config.Config
		want doctor.Status
		text string
	}{
		{config.Config{Env: config.EnvProduction, EnforceModeration: true, EnableAutobackup: true}, doctor.Fail, "SECOPS_ENFORCE_MODERATION=true with SECOPS_ENABLE_HEALTHCHECKS=false"},
		{config.Config{Env: config.EnvStaging, EnforceModeration: true, EnableHealthchecks: true, EnableAutobackup: true}, doctor.Warn, "enforcement is on in staging"},
		{config.Config{Env: config.EnvDev}, doctor.Pass, "safe mode"},
	}
	for _, tt := range tests {
		c := tt.cfg
		c.DatabaseURL = "postgres://nobody@127.0.0.1:1/none?connect_timeout=1"
		c.BackupDir = t.TempDir()
		c.DiscordAPIURL = "https://discord.com"
		rep := doctor.Run(context.Background(), doctor.Options{Config: &c, SkipDiscord: true})
		r := find(rep, "configuration for APP_ENV")
		if r.Status != tt.want || !strings.Contains(r.Detail, tt.text) {
			t.Errorf("%s: got %+v, want %s %q", c.Env, r, tt.want, tt.text)
		}
		if d := find(rep, "database reachable"); d.Status != doctor.Fail {
			t.Errorf("unreachable database: %+v", d)
		}
	}
}

// The enforcement gate reads the soak, the last smoke run, DMs, the dry run
// and the README.
func TestDoctorEnforcementGate(t *testing.T) {
	db := storetest.New(t)
	ctx := context.Background()
	cfg := &config.Config{Env: config.EnvStaging, EnableHealthchecks: true, EnableAutobackup: true, HealthcheckInterval: 5 * time.Minute,
		BackupDir: t.TempDir(), DatabaseURL: db.AppURL, DiscordAPIURL: "https://discord.com"}
	now := time.Date(2025, 10, 9, 12, 0, 0, 0, time.UTC)
	readme := filepath.Join(t.TempDir(), "README.md")
	os.WriteFile(readme, []byte("# bot\n\nnothing here\n"), 0o600)
	opts := doctor.Options{Config: cfg, Enforcement: true, SkipDiscord: true, Readme: readme, Now: func() time.Time { return now }}

	rep := doctor.Run(ctx, opts)
	for _, check := range []string{"24 h of safe mode", "last smoke run passed", "warning DMs delivered", "appeal process documented"} {
		if r := find(rep, check); r.Status != doctor.Fail {
			t.Errorf("empty records: %s: %+v", check, r)
		}
	}
	if len(rep.Human) == 0 {
		t.Error("no human checklist")
	}

	// 25 hours of passing safe-mode runs every 5 minutes, one failure before.
	st := store.New(db.App)
	st.RecordHealthRun(ctx, rollout.HealthRun{At: now.Add(-26 * time.Hour), Passed: false, Env: "staging"})
	for at := now.Add(-25 * time.Hour); !at.After(now); at = at.Add(5 * time.Minute) {
		if err := st.RecordHealthRun(ctx, rollout.HealthRun{At: at, Passed: true, Env: "staging"}); err != nil {
			t.Fatal(err)
		}
	}
	st.RecordSmokeRun(ctx, rollout.SmokeRun{StartedAt: now.Add(-time.Hour), FinishedAt: now.Add(-time.Hour), Passed: true, Total: 8})
	_, err := db.App.Exec(ctx, `INSERT INTO user_warnings (guild_id, user_id, moderator_id, reason, severity, created_at, expires_at, dm_status, case_number)
		VALUES ('1', '2', '3', 'spam', 'medium', $1, $1::timestamptz + interval '30 days', 'sent', 1)`, now.Add(-2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.App.Exec(ctx, `INSERT INTO user_moderation (guild_id, user_id, action, moderator_id, reason, enforced, status, created_at)
		VALUES ('1', '2', 'timeout', '3', 'strike 2', false, 'simulated', $1)`, now.Add(-2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(readme, []byte("# bot\n\n## Appeals and removals\n\nAsk a moderator.\n"), 0o600)
	rep = doctor.Run(ctx, opts)
	var out bytes.Buffer
	rep.Print(&out)
	for _, check := range []string{"24 h of safe mode", "last smoke run passed", "warning DMs delivered", "dry-run record", "appeal process documented"} {
		if r := find(rep, check); r.Status != doctor.Pass {
			t.Errorf("%s: %+v", check, r)
		}
	}
	if !strings.Contains(out.String(), "1 timeout") || !strings.Contains(out.String(), "before that, a failed health check") {
		t.Errorf("report:\n%s", out.String())
	}
}
