package discordact_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"

	"github.com/embodied-community/embodied/internal/bot"
	"github.com/embodied-community/embodied/internal/discordact"
	"github.com/embodied-community/embodied/internal/discordhttp"
	"github.com/embodied-community/embodied/internal/discordsim"
	"github.com/embodied-community/embodied/internal/strike"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// world is the sandbox guild on the emulator with a helper (Moderate
// Members, below the moderator), and two directories over it: the bot's,
// connected to the gateway, and one with no gateway state, which can only
// ask REST.
type world struct {
	sim          *discordsim.Server
	g            *discordsim.Guild
	helper       *discordsim.Member
	live, rest   *discordact.Discord
	restSession  *discordgo.Session
	liveSession  *discordgo.Session
	signer       *bot.Signer
	interactions int
}

func newWorld(t *testing.T) *world {
	t.Helper()
	sim := discordsim.NewTest(t, discordsim.Options{})
	g := sim.SeedSandbox()
	g.AddRole(discordsim.RoleSpec{Name: "Helper", Permissions: discordgo.PermissionModerateMembers, Position: 4})
	w := &world{sim: sim, g: g, signer: bot.NewSigner([]byte("test key")),
		helper: g.AddMember(discordsim.UserSpec{Username: "helper", Roles: []string{"Helper"}})}
	w.liveSession = session(t, sim)
	discordact.UseState(w.liveSession)
	if err := w.liveSession.Open(); err != nil {
		t.Fatalf("open the gateway: %v", err)
	}
	t.Cleanup(func() { _ = w.liveSession.Close() })
	w.restSession = session(t, sim)
	w.restSession.StateEnabled = false
	w.restSession.State.User = &discordgo.User{ID: sim.ApplicationID()} // as READY would
	w.live, w.rest = discordact.New(w.liveSession, w.signer), discordact.New(w.restSession, w.signer)
	eventually(t, "the guild in the gateway state", func() bool { return inState(w.liveSession, g.ID) })
	return w
}

// inState reports whether s's state holds the guild as GUILD_CREATE
// described it (READY only lists it, unavailable).
func inState(s *discordgo.Session, guildID string) bool {
	g, err := s.State.Guild(guildID)
	if err != nil {
		return false
	}
	s.State.RLock()
	defer s.State.RUnlock()
	return !g.Unavailable && g.OwnerID != ""
}

func session(t *testing.T, sim *discordsim.Server) *discordgo.Session {
	t.Helper()
	s, err := discordhttp.NewSession(sim.Token(), sim.URL(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// command returns the context of a slash command that sender runs naming
// target, as the bot carries it: both members as Discord sends them.
func (w *world) command(t *testing.T, sender, target *discordsim.Member) context.Context {
	t.Helper()
	member := func(m *discordsim.Member) *discordgo.Member {
		dm, err := w.restSession.GuildMember(w.g.ID, m.ID())
		if err != nil {
			t.Fatalf("get member %s: %v", m.User.Username, err)
		}
		return dm
	}
	resolved := member(target)
	user := resolved.User
	resolved.User = nil // resolved members are partial: the user is in users
	w.interactions++
	ic := &discordgo.Interaction{ID: fmt.Sprint(w.interactions), Type: discordgo.InteractionApplicationCommand,
		GuildID: w.g.ID, Member: member(sender), Data: discordgo.ApplicationCommandInteractionData{Name: "security",
			Resolved: &discordgo.ApplicationCommandInteractionDataResolved{
				Users: map[string]*discordgo.User{user.ID: user}, Members: map[string]*discordgo.Member{user.ID: resolved}}}}
	return bot.WithMembers(context.Background(), ic)
}

// calls runs f and returns the REST calls it made.
func (w *world) calls(f func()) int {
	before := len(w.sim.Requests())
	f()
	return len(w.sim.Requests()) - before
}

// The directory answers as Discord's REST API would, asking it only about
// the members the interaction did not carry (the bot's own member comes
// from the gateway), and nothing about the guild or its roles.
func TestDirectoryAnswersAsRESTWithoutAsking(t *testing.T) {
	w := newWorld(t)
	mod, alice := w.g.MemberByName("moderator"), w.g.MemberByName("alice")
	ctx := w.command(t, mod, alice)
	guildCalls := w.calls(func() {
		got, err := w.live.Guild(ctx, w.g.ID)
		want, werr := w.rest.Guild(context.Background(), w.g.ID)
		if err != nil || werr != nil {
			t.Fatalf("Guild: %v / %v", err, werr)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("guild mismatch (-rest +gateway):\n%s", diff)
		}
	})
	if guildCalls != 1 { // the REST directory's GET guild
		t.Errorf("%d REST calls for the guild, want only the REST directory's", guildCalls)
	}
	tests := []struct {
		who       *discordsim.Member
		wantCalls int
	}{
		{mod, 0},         // the sender
		{alice, 0},       // named by the command
		{w.g.Bot(), 0},   // from GUILD_CREATE
		{w.helper, 1},    // neither: GET member
		{w.g.Owner(), 1}, // neither
		{w.g.MemberByName("admin"), 1},
	}
	for _, tt := range tests {
		want, err := w.rest.Member(context.Background(), w.g.ID, tt.who.ID())
		if err != nil {
			t.Fatalf("REST Member(%s): %v", tt.who.User.Username, err)
		}
		var got strike.Member
		calls := w.calls(func() { got, err = w.live.Member(ctx, w.g.ID, tt.who.ID()) })
		if err != nil {
			t.Fatalf("Member(%s): %v", tt.who.User.Username, err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: member mismatch (-rest +gateway):\n%s", tt.who.User.Username, diff)
		}
		if calls != tt.wantCalls {
			t.Errorf("%s: %d REST calls, want %d", tt.who.User.Username, calls, tt.wantCalls)
		}
	}
	stranger := w.sim.User(discordsim.UserSpec{Username: "stranger"})
	if _, err := w.live.Member(ctx, w.g.ID, stranger.ID()); !errors.Is(err, strike.ErrNotMember) {
		t.Errorf("Member(stranger) = %v, want ErrNotMember", err)
	}
}

// What the gateway says after an interaction was sent reaches the
// directory: role permissions and positions (GUILD_ROLE_UPDATE), the bot's
// own roles (GUILD_MEMBER_UPDATE, sent without the Server Members intent)
// and the guild's owner (GUILD_UPDATE is Discord's; READY's unavailable
// stub is not taken for the guild).
func TestDirectoryFollowsTheGateway(t *testing.T) {
	w := newWorld(t)
	mod, alice := w.g.MemberByName("moderator"), w.g.MemberByName("alice")
	ctx := w.command(t, mod, alice)
	member := func(m *discordsim.Member) strike.Member {
		got, err := w.live.Member(ctx, w.g.ID, m.ID())
		if err != nil {
			t.Fatalf("Member(%s): %v", m.User.Username, err)
		}
		return got
	}
	tests := []struct {
		name   string
		change func()
		holds  func() bool
	}{
		{"a role becomes Administrator", func() { w.g.Role("Moderator").SetPermissions(discordgo.PermissionAdministrator) },
			func() bool { return member(mod).Administrator }},
		{"a role loses Ban Members", func() { w.g.Role("Moderator").SetPermissions(0) },
			func() bool { m := member(mod); return !m.Administrator && !m.BanMembers }},
		{"the bot's role moves down", func() { w.g.BotRole().SetPosition(2) },
			func() bool { return member(w.g.Bot()).TopPosition == 2 }},
		{"the bot loses its role", func() { w.g.Bot().SetRoles() },
			func() bool { return member(w.g.Bot()).TopPosition == 0 }},
	}
	for _, tt := range tests {
		tt.change()
		eventually(t, tt.name, tt.holds)
	}

	// A guild the state holds only as unavailable is asked of REST.
	if err := w.liveSession.State.GuildAdd(&discordgo.Guild{ID: w.g.ID, Unavailable: true}); err != nil {
		t.Fatal(err)
	}
	var g strike.Guild
	var err error
	if calls := w.calls(func() { g, err = w.live.Guild(ctx, w.g.ID) }); err != nil || calls != 1 || g.OwnerID != w.g.OwnerID {
		t.Errorf("Guild of an unavailable guild = %+v, %v in %d calls, want the owner from one REST call", g, err, calls)
	}
}

// A DM channel is opened once per member; one Discord no longer knows is
// reopened, once.
func TestSendDMRemembersTheChannel(t *testing.T) {
	w := newWorld(t)
	alice := w.g.MemberByName("alice")
	dm := strike.DM{UserID: alice.ID(), GuildName: "Sandbox", Case: 1, Total: 1, Reason: "spam",
		Severity: strike.Low, Ladder: strike.DefaultLadder(), Brings: strike.ActionWarning}
	send := func() int {
		var err error
		calls := w.calls(func() { err = w.live.SendDM(context.Background(), dm) })
		if err != nil {
			t.Fatalf("SendDM: %v", err)
		}
		return calls
	}
	if got := []int{send(), send()}; !cmp.Equal(got, []int{2, 1}) {
		t.Errorf("REST calls of two DMs = %v, want [2 1] (open the channel once)", got)
	}
	w.sim.DropDMChannel(alice.ID())
	if got := send(); got != 3 {
		t.Errorf("REST calls of a DM to a lost channel = %d, want 3 (refused, reopened, sent)", got)
	}
	if n := len(w.sim.DMs(alice.ID())); n != 1 {
		t.Errorf("%d DMs in the new channel, want 1", n)
	}
}
