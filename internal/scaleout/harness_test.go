package scaleout

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/embodied-community/embodied/internal/discordsim"
	"github.com/embodied-community/embodied/internal/proctest"
	"github.com/embodied-community/embodied/internal/storetest"
)

// cluster is the test's world: the emulator with two shards and a guild on
// each, one database, and the three processes of issue 19.
type cluster struct {
	sim *discordsim.Server
	db  *storetest.DB
	env proctest.Env
	// guilds[i] lives on shard i.
	guilds [2]*guild
	// a and b are the gateway processes of shards 0 and 1; h serves the
	// Interactions Endpoint URL at interactions.
	a, b, h      *proctest.Child
	interactions string
	// bobFirst is when bob first ran /submit-stats (his bucket's start).
	bobFirst time.Time
}

// guild is one emulated guild and its members; the same five people are
// members of both guilds.
type guild struct {
	*discordsim.Guild
	shard                               int
	admin, moderator, alice, bob, carol *discordsim.Member
}

// processEnv is what every process gets: the shared rate limiter, message
// moderation, and a scheduled backup every 3 s into the shared directory.
var processEnv = []string{
	"SECOPS_RATE_LIMIT_STORE=postgres",
	"SECOPS_MODERATE_MESSAGES=true",
	"SECOPS_ENABLE_AUTOBACKUP=true",
	"SECOPS_BACKUP_CRON=@every 3s",
}

// newCluster seeds the emulator (the sandbox guild and a second guild on
// the other shard), creates the database and starts A, B and H.
func newCluster(t *testing.T) *cluster {
	t.Helper()
	token := "Scale." + randomHex(12)
	// Not NewTest: the killed shard's unanswered interaction is an
	// expected violation, checked by the test.
	sim, err := discordsim.New(discordsim.Options{Token: token, Shards: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	c := &cluster{sim: sim, db: storetest.New(t)}
	sandbox := sim.SeedSandbox()
	other := sim.CreateGuildOnShard(1-sim.ShardOf(sandbox.ID), "Second", discordsim.UserSpec{Username: "owner2"})
	other.AddRole(discordsim.RoleSpec{Name: "Admin", Permissions: discordgo.PermissionAdministrator, Position: 10})
	carol := sandbox.AddMember(discordsim.UserSpec{Username: "carol"})
	for _, g := range []*discordsim.Guild{sandbox, other} {
		// Message moderation deletes with Manage Messages.
		g.BotRole().SetPermissions(g.BotRole().Info().Permissions | discordgo.PermissionManageMessages)
		gd := &guild{Guild: g, shard: sim.ShardOf(g.ID)}
		join := func(name string, roles ...string) *discordsim.Member {
			m := sandbox.MemberByName(name)
			if g == sandbox {
				return m
			}
			return g.Join(m, roles...)
		}
		gd.admin, gd.moderator, gd.alice, gd.bob = join("admin", "Admin"), join("moderator"), join("alice"), join("bob")
		gd.carol = join(carol.User.Username)
		c.guilds[gd.shard] = gd
	}
	if c.guilds[0] == nil || c.guilds[1] == nil {
		t.Fatalf("guilds on shards %d and %d, want one on each", sim.ShardOf(sandbox.ID), sim.ShardOf(other.ID))
	}
	c.env = proctest.Env{Dir: t.TempDir(), Token: token, APIURL: sim.URL(), DatabaseURL: c.db.AppURL,
		MigrationURL: c.db.OwnerURL, AdminID: sandbox.OwnerID}

	c.a = c.env.StartBot(t, sim, "security", append(processEnv, "DISCORD_SHARD_ID=0", "DISCORD_SHARD_COUNT=2")...)
	c.b = c.env.StartBot(t, sim, "security", append(processEnv, "DISCORD_SHARD_ID=1", "DISCORD_SHARD_COUNT=2")...)
	c.interactions = proctest.FreeAddr(t)
	c.h = c.env.StartBot(t, sim, "", append(processEnv, "SECOPS_GATEWAY=false",
		"SECOPS_INTERACTIONS_ADDR="+c.interactions, "DISCORD_PUBLIC_KEY="+sim.PublicKeyHex())...)
	eventually(t, "both shards connected", func() bool { return slices.Equal(sim.ConnectedShards(), []int{0, 1}) })
	return c
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// run has member run a slash command in their guild and returns what
// Discord saw.
func (c *cluster) run(member *discordsim.Member, command string, opts ...discordsim.Option) (*discordsim.Interaction, error) {
	return within20s(c.sim.Run, member, command, opts)
}

// mustRun is run, failing t when the interaction was not answered.
func (c *cluster) mustRun(t *testing.T, member *discordsim.Member, command string, opts ...discordsim.Option) *discordsim.Interaction {
	t.Helper()
	return mustAnswer(t, member, command)(c.run(member, command, opts...))
}

// mustRunDM has user run a slash command in their DM with the bot,
// failing t when it was not answered.
func (c *cluster) mustRunDM(t *testing.T, user *discordsim.Member, command string) *discordsim.Interaction {
	t.Helper()
	return mustAnswer(t, user, command)(within20s(c.sim.RunDM, user, command, nil))
}

// within20s runs an interaction with a deadline of 20 s.
func within20s(run func(context.Context, *discordsim.Member, string, ...discordsim.Option) (*discordsim.Interaction, error),
	member *discordsim.Member, command string, opts []discordsim.Option) (*discordsim.Interaction, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return run(ctx, member, command, opts...)
}

// mustAnswer fails t unless the interaction was answered.
func mustAnswer(t *testing.T, member *discordsim.Member, command string) func(*discordsim.Interaction, error) *discordsim.Interaction {
	t.Helper()
	return func(ix *discordsim.Interaction, err error) *discordsim.Interaction {
		t.Helper()
		if err != nil {
			t.Fatalf("%s runs %s: %v", member.User.Username, command, err)
		}
		return ix
	}
}

// addBarbie has member run /barbie add name:name and checks the answer and
// that it came in exactly one initial response: callbacks over REST
// (0 when the answer was the endpoint's HTTP response).
func (c *cluster) addBarbie(t *testing.T, member *discordsim.Member, name string, callbacks int) {
	t.Helper()
	ix := c.mustRun(t, member, "/barbie add", discordsim.String("name", name))
	if want := "✅ Added **" + name + "** to your list"; !strings.HasPrefix(ix.Content(), want) {
		t.Errorf("%s's /barbie add answered %q, want it to start with %q", member.User.Username, ix.Content(), want)
	}
	if got := c.callbacks(ix); got != callbacks {
		t.Errorf("%s's /barbie add: %d callbacks over REST, want %d", member.User.Username, got, callbacks)
	}
}

// callbacks counts the initial responses to ix sent over REST.
func (c *cluster) callbacks(ix *discordsim.Interaction) int {
	n := 0
	for _, r := range c.sim.Requests() {
		if r.Method == "POST" && r.Path == "/interactions/"+ix.ID+"/"+ix.Token+"/callback" {
			n++
		}
	}
	return n
}

// served is how many interactions each of A, B and H has handled (their
// /metrics embodied_interactions_total).
func (c *cluster) served(t *testing.T) [3]int {
	t.Helper()
	var out [3]int
	for i, p := range []*proctest.Child{c.a, c.b, c.h} {
		out[i] = int(metric(t, p, "embodied_interactions_total"))
	}
	return out
}

// metric reads one of p's metrics, failing t when it cannot.
func metric(t *testing.T, p *proctest.Child, name string, labels ...string) float64 {
	t.Helper()
	v, err := p.Metric(name, labels...)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// routed lists the INTERACTION_CREATE dispatches the gateway has routed,
// with the shard each went to.
func (c *cluster) routed() []discordsim.ShardEvent {
	var out []discordsim.ShardEvent
	for _, e := range c.sim.ShardEvents() {
		if e.Name == "INTERACTION_CREATE" {
			out = append(out, e)
		}
	}
	return out
}

// deleted reports whether the bot deleted message id in g.
func (c *cluster) deleted(g *guild, id string) bool {
	return slices.ContainsFunc(c.sim.DeletedMessages(g.ID), func(d discordsim.DeletedMessage) bool { return d.MessageID == id })
}

// count runs a count(*) query on the shared database.
func (c *cluster) count(t *testing.T, query string, args ...any) int {
	t.Helper()
	var n int
	if err := c.db.App.QueryRow(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// eventually polls cond for up to 20 s (the processes are busy on a
// loaded machine); it never asserts how fast cond came true.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	if !within(20*time.Second, cond) {
		t.Fatalf("timed out waiting for %s", what)
	}
}

// within polls cond until it holds (true) or limit has passed (false).
func within(limit time.Duration, cond func() bool) bool {
	for deadline := time.Now().Add(limit); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			return false
		}
	}
	return true
}

// name is a process's name in messages.
func name(i int) string { return [...]string{"A (shard 0)", "B (shard 1)", "H (HTTP)"}[i] }

// diffServed describes how served counts moved from before to now against
// want; "" when they match.
func diffServed(before, now [3]int, want [3]int) string {
	var out []string
	for i := range now {
		if got := now[i] - before[i]; got != want[i] {
			out = append(out, fmt.Sprintf("%s served %d, want %d", name(i), got, want[i]))
		}
	}
	return strings.Join(out, "; ")
}
