package discordsim_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/gorilla/websocket"

	"github.com/embodied-community/embodied/internal/discordsim"
)

// Guild messages reach a bot as Discord documents (Gateway, "List of
// Intents", "Message Content Intent"; Gateway Events, "Message Update"):
// only with GUILD_MESSAGES; without MESSAGE_CONTENT their content is empty
// unless the bot is mentioned; a link preview comes as MESSAGE_UPDATE
// without edited_timestamp, an edit with it; a deletion by the bot as
// MESSAGE_DELETE, and DeletedMessages lists it with its content and reason.
func TestGatewayMessageIntents(t *testing.T) {
	const base = discordgo.IntentsGuilds | discordgo.IntentsDirectMessages
	tests := []struct {
		name    string
		intents discordgo.Intent
		want    []string
	}{
		{"without Guild Messages", base, nil},
		{"without Message Content", base | discordgo.IntentsGuildMessages, []string{
			`MESSAGE_CREATE ""`, `MESSAGE_CREATE "hey <@BOT> you idiot"`, `MESSAGE_UPDATE "" embeds=0`, `MESSAGE_UPDATE "" edited`, "MESSAGE_DELETE",
		}},
		{"with Message Content", base | discordgo.IntentsGuildMessages | discordgo.IntentsMessageContent, []string{
			`MESSAGE_CREATE "hello"`, `MESSAGE_CREATE "hey <@BOT> you idiot"`, `MESSAGE_UPDATE "hello" embeds=1`,
			`MESSAGE_UPDATE "hello idiot" edited`, "MESSAGE_DELETE",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim := discordsim.NewTest(t, discordsim.Options{})
			g := sim.SeedSandbox()
			g.BotRole().SetPermissions(discordgo.PermissionManageMessages)
			var (
				mu  sync.Mutex
				got []string
			)
			record := func(s string) {
				mu.Lock()
				got = append(got, s)
				mu.Unlock()
			}
			b := startBotWith(t, sim, nil, func(s *discordgo.Session) {
				s.Identify.Intents = tt.intents
				s.SyncEvents = true
				s.AddHandler(func(_ *discordgo.Session, m *discordgo.MessageCreate) {
					record(fmt.Sprintf("MESSAGE_CREATE %q", m.Content))
				})
				s.AddHandler(func(_ *discordgo.Session, m *discordgo.MessageUpdate) {
					e := fmt.Sprintf("MESSAGE_UPDATE %q", m.Content)
					if m.EditedTimestamp != nil {
						e += " edited"
					} else {
						e += fmt.Sprintf(" embeds=%d", len(m.Embeds))
					}
					record(e)
				})
				s.AddHandler(func(_ *discordgo.Session, _ *discordgo.MessageDelete) { record("MESSAGE_DELETE") })
				s.AddHandler(func(_ *discordgo.Session, e *discordgo.GuildRoleCreate) {
					if e.Role.Name == "end" { // the sandbox's own roles come first
						record("end")
					}
				})
			})
			alice := g.MemberByName("alice")
			m := sim.Say(alice, "", "hello")
			sim.Say(alice, "", "hey <@"+sim.ApplicationID()+"> you idiot")
			sim.Unfurl(m, &discordgo.MessageEmbed{Title: "preview"})
			sim.Edit(alice, m, "hello idiot")
			if err := b.ChannelMessageDelete(m.ChannelID, m.ID, discordgo.WithAuditLogReason("insult")); err != nil {
				t.Fatal(err)
			}
			g.AddRole(discordsim.RoleSpec{Name: "end"})
			for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
				mu.Lock()
				done := len(got) > 0 && got[len(got)-1] == "end"
				mu.Unlock()
				if done {
					break
				}
			}
			mu.Lock()
			defer mu.Unlock()
			var events []string
			for _, e := range got {
				if e != "end" {
					events = append(events, e)
				}
			}
			want := make([]string, len(tt.want))
			for i, w := range tt.want {
				want[i] = strings.ReplaceAll(w, "BOT", sim.ApplicationID())
			}
			if len(want) == 0 {
				want = nil
			}
			if diff := cmp.Diff(want, events); diff != "" {
				t.Errorf("message events mismatch (-want +got):\n%s", diff)
			}
			deleted := sim.DeletedMessages(g.ID)
			wantDeleted := []discordsim.DeletedMessage{{GuildID: g.ID, ChannelID: m.ChannelID, MessageID: m.ID, AuthorID: alice.ID(),
				Content: "hello idiot", Reason: "insult"}}
			if diff := cmp.Diff(wantDeleted, deleted, cmpopts.IgnoreFields(discordsim.DeletedMessage{}, "At")); diff != "" {
				t.Errorf("DeletedMessages mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// A bot identifying with a privileged intent its application has not
// enabled in the developer portal is disconnected with close code 4014
// (Gateway, "Gateway Close Event Codes"); discordgo's Open returns the
// close error.
func TestGatewayDisallowedIntent(t *testing.T) {
	none := discordgo.Intent(0)
	sim := discordsim.NewTest(t, discordsim.Options{PrivilegedIntents: &none})
	sim.SeedSandbox()
	s := restSession(t, sim)
	s.ShouldReconnectOnError = false // closed right after opening: no heartbeat-failure reconnect
	s.Identify.Intents = discordgo.IntentsGuilds | discordgo.IntentsGuildMessages | discordgo.IntentsMessageContent
	err := s.Open()
	var ce *websocket.CloseError
	if !errors.As(err, &ce) {
		t.Fatalf("Open = %v, want a close error", err)
	}
	if diff := cmp.Diff(websocket.CloseError{Code: 4014, Text: "Disallowed intent(s)."}, *ce); diff != "" {
		t.Errorf("close mismatch (-want +got):\n%s", diff)
	}
	s.Identify.Intents = discordgo.IntentsGuilds | discordgo.IntentsGuildMessages
	if err := s.Open(); err != nil {
		t.Fatalf("Open without Message Content: %v", err)
	}
	_ = s.Close()
}
