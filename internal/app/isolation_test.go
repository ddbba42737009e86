package app_test

import (
	neturl "net/url"

	"context"
	"encoding/json"
	"github.com/jackc/pgx/v5/pgxpool"
	"strings"
	"sync"
	"testing"

	"github.com/bwmarrin/discordgo"
	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/apptest"
	"github.com/embodied-community/embodied/internal/bot"
	"github.com/embodied-community/embodied/internal/discordsim"
	"github.com/embodied-community/embodied/internal/middleware/permission"
)

// world is a bot in two guilds with data in both.
type world struct {
	*apptest.Harness
	other         *discordsim.Guild
	admin2, carol *discordsim.Member
	flagMsgA      *discordsim.Message // a moderator's flag queue in the sandbox guild
	flagIDs       []string
	otherMsg      *discordsim.Message // any bot message in the other guild
	adjustXP      json.RawMessage     // the INTERACTION_CREATE of an admin's /admin adjust-xp
}

func newWorld(t *testing.T) *world {
	h := apptest.New(t)
	w := &world{Harness: h}
	w.other = h.Sim.CreateGuild("Other", discordsim.UserSpec{Username: "otherowner"})
	w.other.AddRole(discordsim.RoleSpec{Name: "Admin", Permissions: discordgo.PermissionAdministrator, Position: 10})
	w.admin2 = w.other.AddMember(discordsim.UserSpec{Username: "admin2", Roles: []string{"Admin"}})
	w.carol = w.other.AddMember(discordsim.UserSpec{Username: "carol"})

	var mu sync.Mutex
	remove := h.App.Session.AddHandler(func(_ *discordgo.Session, e *discordgo.Event) {
		if e.Type == "INTERACTION_CREATE" && strings.Contains(string(e.RawData), `"adjust-xp"`) {
			mu.Lock()
			w.adjustXP = append(json.RawMessage(nil), e.RawData...)
			mu.Unlock()
		}
	})
	defer remove()
	// Data in both guilds.
	h.Run(h.Alice, "/barbie add", discordsim.String("name", "Sam"), discordsim.String("notes", "This bitch deserves to be ignored"))
	h.Run(h.Admin, "/admin adjust-xp", discordsim.User("user", h.Alice), discordsim.Int("amount", 100))
	h.Run(h.Moderator, "/security warn", discordsim.User("user", h.Bob), discordsim.String("reason", "Spam"))
	h.Run(w.carol, "/barbie add", discordsim.String("name", "Kim"))
	w.Eventually("the captured interaction", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return w.adjustXP != nil
	})
	flags := h.Run(h.Moderator, "/security flags")
	w.flagMsgA, w.flagIDs = flags.Original(), apptest.CustomIDs(flags.Original())
	if len(w.flagIDs) == 0 {
		t.Fatalf("no flag buttons: %q", flags.Content())
	}
	w.otherMsg = h.Run(w.admin2, "/security audit").Original()
	if err := h.App.Audit.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	return w
}

// state is what an attack must not change.
func (w *world) state() map[string]int {
	out := map[string]int{}
	for _, q := range []string{
		"member_profiles", "stats_submissions", "barbie_list", "journal_entries", "user_warnings",
		"user_moderation", "audit_log", "content_flags WHERE status = 'unreviewed'", "duels",
	} {
		out[q] = w.Count("SELECT count(*) FROM " + q)
	}
	out["xp"] = w.Count("SELECT coalesce(sum(xp), 0)::int FROM member_profiles")
	return out
}

func (w *world) events() int { return w.Count("SELECT count(*) FROM security_audit_logs") }

type attack struct {
	name      string
	do        func(w *world) (*discordsim.Interaction, error)
	want      string // the refusal shown
	eventType string
	actor     func(w *world) *discordsim.Member
}

func ctx() context.Context { return context.Background() }

func TestAttacksAreRefusedAndRecorded(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	alice := func(w *world) *discordsim.Member { return w.Alice }
	admin2 := func(w *world) *discordsim.Member { return w.admin2 }
	hostile := discordsim.Hostile()
	attacks := []attack{
		{"member runs an admin command", func(w *world) (*discordsim.Interaction, error) {
			return w.Sim.Run(ctx(), w.Alice, "/admin adjust-xp", discordsim.User("user", w.Alice), discordsim.Int("amount", 100000))
		}, permission.DeniedMessage, "permission_denied", alice},
		{"member reads the audit log", func(w *world) (*discordsim.Interaction, error) {
			return w.Sim.Run(ctx(), w.Alice, "/security audit")
		}, permission.DeniedMessage, "permission_denied", alice},
		{"member warns someone", func(w *world) (*discordsim.Interaction, error) {
			return w.Sim.Run(ctx(), w.Alice, "/security warn", discordsim.User("user", w.Bob), discordsim.String("reason", "x"))
		}, permission.DeniedMessage, "permission_denied", alice},
		{"member reads another member's warnings", func(w *world) (*discordsim.Interaction, error) {
			return w.Sim.Run(ctx(), w.Alice, "/security warnings", discordsim.User("user", w.Bob))
		}, permission.DeniedMessage, "permission_denied", alice},
		{"guild admin takes a backup of every guild", func(w *world) (*discordsim.Interaction, error) {
			return w.Sim.Run(ctx(), w.Admin, "/security backup")
		}, permission.DeniedMessage, "permission_denied", func(w *world) *discordsim.Member { return w.Admin }},
		{"member reads security events", func(w *world) (*discordsim.Interaction, error) {
			return w.Sim.Run(ctx(), w.Alice, "/security events")
		}, permission.DeniedMessage, "permission_denied", alice},
		{"guild-only command from a DM", func(w *world) (*discordsim.Interaction, error) {
			return w.Sim.RunDM(ctx(), w.Alice, "/security audit", hostile)
		}, bot.MsgGuildOnly, "guild_only_in_dm", alice},
		{"member command from a DM", func(w *world) (*discordsim.Interaction, error) {
			return w.Sim.RunDM(ctx(), w.Alice, "/barbie list", hostile)
		}, bot.MsgGuildOnly, "guild_only_in_dm", alice},
		{"forged flag-review button", func(w *world) (*discordsim.Interaction, error) {
			forged := strings.Replace(w.flagIDs[0], "|", "|9", 1)
			return w.Sim.Click(ctx(), w.Moderator, w.flagMsgA, forged, hostile)
		}, bot.MsgForged, "forged_component", func(w *world) *discordsim.Member { return w.Moderator }},
		{"made-up button id", func(w *world) (*discordsim.Interaction, error) {
			return w.Sim.Click(ctx(), w.admin2, w.otherMsg, "flag-confirm|1|"+w.other.ID+"|AAAAAAAAAAAAAAAA", hostile)
		}, bot.MsgForged, "forged_component", admin2},
		{"another guild's signed button", func(w *world) (*discordsim.Interaction, error) {
			return w.Sim.Click(ctx(), w.admin2, w.otherMsg, w.flagIDs[0], hostile)
		}, bot.MsgOtherGuild, "cross_guild_component", admin2},
		{"member presses a moderator's button", func(w *world) (*discordsim.Interaction, error) {
			return w.Sim.Click(ctx(), w.Alice, w.flagMsgA, w.flagIDs[0], hostile)
		}, permission.DeniedMessage, "permission_denied", alice},
		{"audit limit of a billion", func(w *world) (*discordsim.Interaction, error) {
			return w.Sim.Run(ctx(), w.Admin, "/security audit", discordsim.Int("limit", 1_000_000_000), hostile)
		}, "❌ `limit` must be between 1 and 100.", "option_out_of_range", func(w *world) *discordsim.Member { return w.Admin }},
		{"audit limit of -1", func(w *world) (*discordsim.Interaction, error) {
			return w.Sim.Run(ctx(), w.Admin, "/security audit", discordsim.Int("limit", -1), hostile)
		}, "❌ `limit` must be between 1 and 100.", "option_out_of_range", func(w *world) *discordsim.Member { return w.Admin }},
		{"note over its limit", func(w *world) (*discordsim.Interaction, error) {
			return w.Sim.Run(ctx(), w.Alice, "/barbie add", discordsim.String("name", "X"), discordsim.String("notes", strings.Repeat("a", 5000)), hostile)
		}, "❌ `notes` is too long: 5000 characters, the limit is 1000.", "option_out_of_range", alice},
		{"user id that is not a snowflake", func(w *world) (*discordsim.Interaction, error) {
			return w.Sim.Run(ctx(), w.admin2, "/admin adjust-xp", discordsim.UserID("user", "1 OR 1=1"), discordsim.Int("amount", 5))
		}, "❌ `user` is not a valid Discord user.", "malformed_id", admin2},
		{"XP for a member of another guild", func(w *world) (*discordsim.Interaction, error) {
			return w.Sim.Run(ctx(), w.admin2, "/admin adjust-xp", discordsim.UserID("user", w.Alice.ID()), discordsim.Int("amount", 5))
		}, "❌ <@ALICE> is not a member of this server.", "target_not_member", admin2},
		{"warning a member of another guild", func(w *world) (*discordsim.Interaction, error) {
			return w.Sim.Run(ctx(), w.admin2, "/security warn", discordsim.UserID("user", w.Bob.ID()), discordsim.String("reason", "x"))
		}, "❌ <@BOB> is not a member of this server.", "target_not_member", admin2},
		{"another guild's warnings", func(w *world) (*discordsim.Interaction, error) {
			return w.Sim.Run(ctx(), w.admin2, "/security warnings", discordsim.UserID("user", w.Bob.ID()))
		}, "❌ <@BOB> is not a member of this server and has no record here.", "target_not_member", admin2},
		{"pardon of another guild's case", func(w *world) (*discordsim.Interaction, error) {
			return w.Sim.Run(ctx(), w.admin2, "/security pardon", discordsim.Int("case", 1), discordsim.String("reason", "x"))
		}, "❌ There is no case #1 in this server.", "moderation_refused", admin2},
		{"export across guilds by a guild admin", func(w *world) (*discordsim.Interaction, error) {
			return w.Sim.Run(ctx(), w.admin2, "/security export-data", discordsim.UserID("user", w.Alice.ID()), discordsim.Bool("all_guilds", true))
		}, "❌ Only the bot owner can export across servers.", "cross_guild_export", admin2},
		{"removing someone else's contact", func(w *world) (*discordsim.Interaction, error) {
			return w.Sim.Run(ctx(), w.carol, "/barbie remove", discordsim.Int("id", 1))
		}, "❌ You have no contact #1.", "foreign_record", func(w *world) *discordsim.Member { return w.carol }},
		{"moderator demoted before clicking", func(w *world) (*discordsim.Interaction, error) {
			w.Moderator.SetRoles()
			defer w.Moderator.SetRoles("Moderator")
			return w.Sim.Click(ctx(), w.Moderator, w.flagMsgA, w.flagIDs[0])
		}, permission.DeniedMessage, "permission_denied", func(w *world) *discordsim.Member { return w.Moderator }},
		{"replayed interaction", func(w *world) (*discordsim.Interaction, error) {
			w.App.Bot.HandleRaw(context.Background(), w.adjustXP)
			return nil, nil
		}, "", "replayed_interaction", func(w *world) *discordsim.Member { return w.Admin }},
		{"warning the bot owner", func(w *world) (*discordsim.Interaction, error) {
			return w.Sim.Run(ctx(), w.Moderator, "/security warn", discordsim.User("user", w.Owner), discordsim.String("reason", "x"))
		}, "❌ <@OWNER> is the bot owner and cannot be warned.", "moderation_refused", func(w *world) *discordsim.Member { return w.Moderator }},
	}
	ids := strings.NewReplacer("ALICE", w.Alice.ID(), "BOB", w.Bob.ID(), "OWNER", w.Owner.ID())
	// The event's target_id, where the attempt names one.
	targets := map[string]string{
		"XP for a member of another guild":      w.Alice.ID(),
		"warning a member of another guild":     w.Bob.ID(),
		"another guild's warnings":              w.Bob.ID(),
		"export across guilds by a guild admin": w.Alice.ID(),
	}
	for _, a := range attacks {
		a.want = ids.Replace(a.want)
		before, beforeEvents := w.state(), w.events()
		ix, err := a.do(w)
		if err != nil {
			t.Errorf("%s: delivery failed: %v", a.name, err)
			continue
		}
		if ix != nil && (!ix.Ephemeral() || ix.Content() != a.want) {
			t.Errorf("%s: reply %q (ephemeral %v), want %q", a.name, ix.Content(), ix.Ephemeral(), a.want)
		}
		if err := w.App.Audit.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(before, w.state()); diff != "" {
			t.Errorf("%s changed data (-before +after):\n%s", a.name, diff)
		}
		actor := a.actor(w)
		w.Eventually(a.name+": security event", func() bool { return w.events() == beforeEvents+1 })
		var eventType, actorID, guildID, targetID, attempted string
		if err := w.DB.App.QueryRow(context.Background(), `SELECT event_type, coalesce(actor_id, ''), coalesce(guild_id, ''),
			coalesce(target_id, ''), attempted FROM security_audit_logs ORDER BY id DESC LIMIT 1`).Scan(
			&eventType, &actorID, &guildID, &targetID, &attempted); err != nil {
			t.Fatal(err)
		}
		// The event names the guild the attempt was made in (none from a
		// DM) and, where there is one, the target.
		wantGuild := ""
		if ix != nil {
			wantGuild = ix.GuildID
		} else {
			wantGuild = w.Guild.ID
		}
		if eventType != a.eventType || actorID != actor.ID() || guildID != wantGuild || attempted == "" {
			t.Errorf("%s: event %s by %s in %q (%q), want %s by %s in %q", a.name, eventType, actorID, guildID, attempted,
				a.eventType, actor.ID(), wantGuild)
		}
		if want, ok := targets[a.name]; ok && targetID != want {
			t.Errorf("%s: event target %q, want %q", a.name, targetID, want)
		}
	}
	if len(attacks) < 20 {
		t.Errorf("only %d attack scenarios", len(attacks))
	}
	t.Logf("%d attack scenarios refused and recorded", len(attacks))
}

// A full run of the commands, used legitimately by the right people in two
// guilds, writes no security event at all (seed 004: zero false positives).
func TestLegitimateUseInTwoGuildsWritesNoSecurityEvent(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	mod2 := w.other.AddMember(discordsim.UserSpec{Username: "mod2"})
	w.other.AddRole(discordsim.RoleSpec{Name: "Moderator", Permissions: discordgo.PermissionModerateMembers, Position: 5})
	mod2.SetRoles("Moderator")
	dave := w.other.AddMember(discordsim.UserSpec{Username: "dave"})
	type step struct {
		who  *discordsim.Member
		cmd  string
		opts []discordsim.Option
	}
	guilds := [][]step{
		{
			{w.Alice, "/journal add", []discordsim.Option{discordsim.String("entry", "A calm day.")}},
			{w.Alice, "/privacy export", nil},
			{w.Moderator, "/security warnings", []discordsim.Option{discordsim.User("user", w.Bob)}},
			{w.Moderator, "/security warn", []discordsim.Option{discordsim.User("user", w.Alice), discordsim.String("reason", "Off-topic spam")}},
			{w.Admin, "/security export-data", []discordsim.Option{discordsim.User("user", w.Alice)}},
			{w.Admin, "/security status", nil},
			{w.Admin, "/security events", nil},
			{w.Admin, "/security moderation rules", nil},
			{w.Owner, "/security export-data", []discordsim.Option{discordsim.User("user", w.Alice), discordsim.Bool("all_guilds", true)}},
		},
		{
			{dave, "/submit-stats", []discordsim.Option{discordsim.Int("dates", 1)}},
			{dave, "/barbie add", []discordsim.Option{discordsim.String("name", "Jo"), discordsim.String("notes", "Loves hiking")}},
			{dave, "/barbie list", nil},
			{w.carol, "/duel challenge", []discordsim.Option{discordsim.User("user", dave)}},
			{w.admin2, "/admin adjust-xp", []discordsim.Option{discordsim.User("user", dave), discordsim.Int("amount", 25)}},
			{w.admin2, "/security audit", nil},
			{mod2, "/security flags", nil},
			{mod2, "/security warn", []discordsim.Option{discordsim.User("user", dave), discordsim.String("reason", "Spam links")}},
			{mod2, "/security warnings", []discordsim.Option{discordsim.User("user", dave)}},
			{w.admin2, "/security violations", nil},
		},
	}
	for _, steps := range guilds {
		for _, s := range steps {
			ix := w.Run(s.who, s.cmd, s.opts...)
			if c := ix.Content(); strings.HasPrefix(c, "❌") || strings.HasPrefix(c, "⏳") || strings.HasPrefix(c, "🚫") {
				t.Errorf("%s %s refused: %q", s.who.User.Username, s.cmd, c)
			}
		}
	}
	if err := w.App.Audit.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := w.events(); n != 0 {
		t.Errorf("%d security events written by legitimate use", n)
	}
}

// Row-level security and grants, proven as non-superuser roles: the
// application role reads and appends security events but cannot change
// them; any other role, even one granted SELECT, sees no row.
func TestSecurityTablesRowLevelSecurity(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.Run(w.Alice, "/security audit") // one permission_denied event
	if err := w.App.Audit.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := w.events(); n != 1 {
		t.Fatalf("%d events as the application role, want 1", n)
	}
	owner := w.DB.OwnerURL
	ctx := context.Background()
	admin, err := pgxpool.New(ctx, owner)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	role := "probe_" + strings.ToLower(w.DB.Name[len(w.DB.Name)-8:])
	for _, q := range []string{
		"CREATE ROLE " + role + " LOGIN PASSWORD 'probe-pw'",
		"GRANT SELECT ON security_audit_logs, audit_log TO " + role,
	} {
		if _, err := admin.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		admin, err := pgxpool.New(context.Background(), owner)
		if err == nil {
			admin.Exec(context.Background(), "DROP OWNED BY "+role)
			admin.Exec(context.Background(), "DROP ROLE "+role)
			admin.Close()
		}
	})
	probe, err := pgxpool.New(ctx, withUser(owner, role, "probe-pw"))
	if err != nil {
		t.Fatal(err)
	}
	defer probe.Close()
	var seen int
	if err := probe.QueryRow(ctx, "SELECT count(*) FROM security_audit_logs").Scan(&seen); err != nil {
		t.Fatal(err)
	}
	if seen != 0 {
		t.Errorf("a role other than the application role sees %d security events", seen)
	}
	var super bool
	if err := probe.QueryRow(ctx, "SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user").Scan(&super); err != nil || super {
		t.Fatalf("the probe role must be an ordinary role (super=%v, err=%v)", super, err)
	}
	// The application role cannot rewrite history.
	for _, q := range []string{"UPDATE security_audit_logs SET severity = 'low'", "DELETE FROM security_audit_logs",
		"UPDATE audit_log SET reason = 'x'", "DELETE FROM audit_log", "TRUNCATE security_audit_logs"} {
		if _, err := w.DB.App.Exec(ctx, q); err == nil || !strings.Contains(err.Error(), "permission denied") {
			t.Errorf("app role %q: %v, want permission denied", q, err)
		}
	}
}

// withUser returns connURL logging in as user with password.
func withUser(connURL, user, password string) string {
	u, err := neturl.Parse(connURL)
	if err != nil {
		panic(err)
	}
	u.User = neturl.UserPassword(user, password)
	return u.String()
}
