package discordsim_test

import (
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/discordsim"
)

// The gateway sends what Discord documents for the intents a bot identifies
// with (Gateway, "List of Intents" and "Caveats"; Gateway Events, "Guild
// Create"): GUILD_MEMBER_ADD, _UPDATE and _REMOVE need GUILD_MEMBERS, but
// an update of the bot's own member comes regardless; without
// GUILD_PRESENCES, GUILD_CREATE lists the bot alone among the members.
func TestGatewayHonoursIntents(t *testing.T) {
	const (
		plain = discordgo.IntentsGuilds | discordgo.IntentsDirectMessages
		all   = plain | discordgo.IntentsGuildMembers | discordgo.IntentsGuildPresences
	)
	tests := []struct {
		name       string
		intents    discordgo.Intent
		wantCreate []string
		wantEvents []string
	}{
		{"without privileged intents", plain, []string{"embodied"}, []string{
			"GUILD_MEMBER_UPDATE embodied",
		}},
		{"with Server Members and Presence", all, []string{"owner", "embodied", "admin", "moderator", "alice", "bob"}, []string{
			"GUILD_MEMBER_ADD carol", "GUILD_MEMBER_UPDATE alice", "GUILD_MEMBER_UPDATE embodied", "GUILD_MEMBER_REMOVE bob",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim := discordsim.NewTest(t, discordsim.Options{})
			g := sim.SeedSandbox()
			var (
				mu        sync.Mutex
				created   []string
				events    []string
				recording bool
			)
			startBotWith(t, sim, nil, func(s *discordgo.Session) {
				s.Identify.Intents = tt.intents
				s.SyncEvents = true
				s.AddHandler(func(_ *discordgo.Session, e *discordgo.Event) {
					var d struct {
						Role    struct{ Name string }
						User    struct{ Username string }
						Members []struct{ User struct{ Username string } }
					}
					_ = json.Unmarshal(e.RawData, &d)
					mu.Lock()
					defer mu.Unlock()
					switch {
					case e.Type == "GUILD_CREATE" && created == nil:
						created = []string{}
						for _, m := range d.Members {
							created = append(created, m.User.Username)
						}
					case e.Type == "GUILD_ROLE_CREATE" && (d.Role.Name == "start" || d.Role.Name == "end"):
						recording = d.Role.Name == "start"
					case recording:
						events = append(events, e.Type+" "+d.User.Username)
					}
				})
			})
			g.AddRole(discordsim.RoleSpec{Name: "start"})
			g.AddMember(discordsim.UserSpec{Username: "carol"})
			g.MemberByName("alice").SetRoles("Moderator")
			g.Bot().SetRoles(g.BotRole().ID)
			g.BanUser(g.MemberByName("bob").ID(), "spam")
			g.AddRole(discordsim.RoleSpec{Name: "end"})

			for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
				mu.Lock()
				done := created != nil && !recording && len(events) > 0
				mu.Unlock()
				if done || time.Now().After(deadline) {
					break
				}
			}
			mu.Lock()
			defer mu.Unlock()
			if diff := cmp.Diff(tt.wantCreate, created); diff != "" {
				t.Errorf("GUILD_CREATE members mismatch (-want +got):\n%s", diff)
			}
			var got []string
			for _, e := range events {
				if e != "GUILD_BAN_ADD bob" {
					got = append(got, e)
				}
			}
			if diff := cmp.Diff(tt.wantEvents, got); diff != "" {
				t.Errorf("member events mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
