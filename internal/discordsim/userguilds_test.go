package discordsim_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/bwmarrin/discordgo"
	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/discordsim"
)

// Get Current User Guilds pages by id through every guild the bot is in
// and none it has left, whatever shard the guild is on.
func TestUserGuildsPages(t *testing.T) {
	sim := discordsim.NewTest(t, discordsim.Options{Shards: 2})
	var want []string
	for i, shard := range []int{0, 1, 1, 0, 1, 0, 0} {
		want = append(want, sim.CreateGuildOnShard(shard, fmt.Sprintf("guild-%d", i), discordsim.UserSpec{Username: fmt.Sprintf("owner-%d", i)}).ID)
	}
	left := sim.CreateGuild("left", discordsim.UserSpec{Username: "left-owner"})
	if err := left.Owner().Kick(left.Bot().ID(), "bye"); err != nil {
		t.Fatal(err)
	}
	s := restSession(t, sim)
	ids := func(gs []*discordgo.UserGuild) []string {
		var out []string
		for _, g := range gs {
			out = append(out, g.ID)
		}
		return out
	}
	tests := []struct {
		name          string
		limit         int
		before, after string
		want          []string
	}{
		{"default limit, all", 0, "", "", want},
		{"first page", 3, "", "", want[:3]},
		{"after", 3, "", want[2], want[3:6]},
		{"last short page", 3, "", want[5], want[6:]},
		{"before takes the nearest", 2, want[4], "", want[2:4]},
		{"between", 200, want[5], want[1], want[2:5]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.UserGuilds(tt.limit, tt.before, tt.after, false)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, ids(got)); diff != "" {
				t.Errorf("guilds mismatch (-want +got):\n%s", diff)
			}
		})
	}

	got, err := s.UserGuilds(1, "", "", true)
	if err != nil {
		t.Fatal(err)
	}
	wantFirst := &discordgo.UserGuild{ID: want[0], Name: "guild-0", Features: []discordgo.GuildFeature{},
		Permissions: sim.Guild(want[0]).Bot().Permissions(), ApproximateMemberCount: 2}
	if diff := cmp.Diff([]*discordgo.UserGuild{wantFirst}, got); diff != "" {
		t.Errorf("with_counts mismatch (-want +got):\n%s", diff)
	}
}

// A limit outside 1-200 or an id that is not a snowflake is 400 Invalid
// Form Body with the offending field in errors.
func TestUserGuildsRefusesBadQuery(t *testing.T) {
	sim := discordsim.NewTest(t, discordsim.Options{})
	sim.SeedSandbox()
	s := restSession(t, sim)
	get := func(query string) error {
		_, err := s.Request("GET", discordgo.EndpointUserGuilds("@me")+"?"+query, nil)
		return err
	}
	tests := []struct {
		query, field string
	}{
		{"limit=0", "limit"},
		{"limit=201", "limit"},
		{"limit=ten", "limit"},
		{"after=abc", "after"},
		{"before=-1", "before"},
		{"with_counts=maybe", "with_counts"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			var re *discordgo.RESTError
			if !errors.As(get(tt.query), &re) || re.Response.StatusCode != http.StatusBadRequest || re.Message == nil || re.Message.Code != discordsim.CodeInvalidFormBody {
				t.Fatalf("got %v, want 400 50035", re)
			}
			var body struct {
				Errors map[string]json.RawMessage `json:"errors"`
			}
			if err := json.Unmarshal(re.ResponseBody, &body); err != nil {
				t.Fatalf("%s: %v", re.ResponseBody, err)
			}
			if _, ok := body.Errors[tt.field]; !ok {
				t.Errorf("%s, want errors.%s", re.ResponseBody, tt.field)
			}
			if v := sim.TakeViolations(); len(v) != 1 || v[0].Rule != "schema" {
				t.Errorf("violations %v, want one schema violation", v)
			}
		})
	}
	if err := get("limit=200&with_counts=false"); err != nil {
		t.Errorf("limit=200: %v", err)
	}
}
