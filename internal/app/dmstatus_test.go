package app_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/apptest"
	"github.com/embodied-community/embodied/internal/discordhttp"
	"github.com/embodied-community/embodied/internal/discordsim"
)

// A warning DM that Discord answered 503 is queued; once its job settles
// it, the warning's DM status is the job's outcome, and the server's admins see it
// in /security audit: delivered ("sent"), or refused for good because the
// member closed their DMs meanwhile ("closed"). The warning's mod-log post
// is edited once to show it on its DM line, the rest of the post as it was;
// a mod-log post that was itself queued (503) records its message when its
// job posts it, and is edited the same way.
func TestQueuedWarningDMSettlesItsStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		closesDMs  bool
		postQueued bool
		want       string
	}{
		{"delivered", false, false, "sent"},
		{"refused for good", true, false, "closed"},
		{"delivered, mod-log post queued too", false, true, "sent"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := apptest.New(t)
			h.Run(h.Admin, "/security modlog", discordsim.Bool("enabled", true))
			h.Sim.FailRoute("POST", "/users/@me/channels", discordsim.Fault{Status: 503, Count: 1})
			if tt.postQueued {
				h.Sim.FailRoute("POST", "/channels/"+h.Guild.ChannelID+"/messages", discordsim.Fault{Status: 503, Count: 1})
			}
			if tt.closesDMs {
				h.Sim.RefuseDMs(h.Alice.ID())
			}
			h.Run(h.Moderator, "/security warn", discordsim.User("user", h.Alice), discordsim.String("reason", "Spam"))

			settled := `SELECT count(*) FROM user_warnings WHERE user_id = $1 AND dm_status <> 'pending'`
			for deadline := time.Now().Add(30 * time.Second); h.Count(settled, h.Alice.ID()) == 0; time.Sleep(100 * time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatal("the queued DM's outcome never reached the warning")
				}
			}
			// A job run again (its process died before River marked it
			// done) records nothing more.
			var guildID string
			var warningID int64
			if err := h.DB.App.QueryRow(context.Background(), `SELECT guild_id, id FROM user_warnings WHERE user_id = $1`, h.Alice.ID()).Scan(&guildID, &warningID); err != nil {
				t.Fatal(err)
			}
			h.App.Strikes.SettleDM(context.Background(), guildID, warningID, errors.New("503 again"))
			if n := h.Count(`SELECT count(*) FROM user_warnings WHERE user_id = $1 AND dm_status = $2`, h.Alice.ID(), tt.want); n != 1 {
				t.Errorf("warnings with dm_status %q: %d, want 1", tt.want, n)
			}
			var got []string
			for _, e := range h.Run(h.Admin, "/security audit").Embeds() {
				for _, f := range e.Fields {
					if strings.HasPrefix(f.Name, "warning-dm - ") {
						got = append(got, f.Value)
					}
				}
			}
			want := []string{"Admin: <@system>\nTarget: <@" + h.Alice.ID() + ">\nReason: case #1: queued DM " + tt.want}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("/security audit warning-dm records mismatch (-want +got):\n%s", diff)
			}
			post := waitModLogDM(t, h, "DM: "+tt.want)
			head := "Member: <@" + h.Alice.ID() + ">\nModerator: <@" + h.Moderator.ID() + ">\nReason: Spam (medium)\nStrike 1/3 · Action: warning\n"
			wantPost := &discordgo.MessageEmbed{Type: "rich", Title: "Case #1: warning", Color: 0xFEE75C, Description: head + "DM: pending"}
			if diff := cmp.Diff([]*discordgo.MessageEmbed{wantPost}, postedModLog(t, h)); diff != "" {
				t.Errorf("mod-log post as posted mismatch (-want +got):\n%s", diff)
			}
			wantPost.Description = head + "DM: " + tt.want
			if diff := cmp.Diff([]*discordgo.MessageEmbed{wantPost}, post.Embeds); diff != "" {
				t.Errorf("mod-log post as edited mismatch (-want +got):\n%s", diff)
			}
			if n := countRequests(h, "PATCH", "/channels/"+h.Guild.ChannelID+"/messages/"+post.ID); n != 1 {
				t.Errorf("edits of the mod-log post: %d, want 1", n)
			}
		})
	}
}

// waitModLogDM waits for the guild's one mod-log post to have the DM line
// want, and returns it.
func waitModLogDM(t *testing.T, h *apptest.Harness, want string) discordgo.Message {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		var posts []discordgo.Message
		for _, m := range h.Sim.ChannelMessages(h.Guild.ChannelID) {
			if len(m.Embeds) == 1 && strings.HasPrefix(m.Embeds[0].Title, "Case #") {
				posts = append(posts, m)
			}
		}
		if len(posts) == 1 && strings.HasSuffix(posts[0].Embeds[0].Description, "\n"+want) {
			return posts[0]
		}
		if time.Now().After(deadline) {
			t.Fatalf("mod-log posts never showed %q: %+v", want, posts)
		}
	}
}

// postedModLog returns the embeds of the mod-log post as the bot posted it
// (the one Create Message Discord took).
func postedModLog(t *testing.T, h *apptest.Harness) []*discordgo.MessageEmbed {
	t.Helper()
	for _, r := range h.Sim.Requests() {
		var m discordgo.MessageSend
		if r.Method == "POST" && r.Path == "/channels/"+h.Guild.ChannelID+"/messages" && r.Status == 200 &&
			json.Unmarshal(r.Body, &m) == nil && len(m.Embeds) == 1 && strings.HasPrefix(m.Embeds[0].Title, "Case #") {
			return m.Embeds
		}
	}
	t.Fatal("no mod-log post was made")
	return nil
}

// countRequests counts the REST requests to path with method that Discord
// answered 2xx.
func countRequests(h *apptest.Harness, method, path string) int {
	n := 0
	for _, r := range h.Sim.Requests() {
		if r.Method == method && r.Path == path && r.Status/100 == 2 {
			n++
		}
	}
	return n
}

// A mod-log post deleted before its warning's queued DM settles is left as
// it is: the DM status still reaches the warning, no edit is made, and the
// bot logs at WARN that the post was not updated.
func TestQueuedWarningDMPostGone(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	h.Run(h.Admin, "/security modlog", discordsim.Bool("enabled", true))
	h.Sim.FailRoute("POST", "/users/@me/channels", discordsim.Fault{Status: 503, Count: 1000})
	h.Run(h.Moderator, "/security warn", discordsim.User("user", h.Alice), discordsim.String("reason", "Spam"))
	post := waitModLogDM(t, h, "DM: pending")
	s, err := discordhttp.NewSession(h.Sim.Token(), h.Sim.URL(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.ChannelMessageDelete(h.Guild.ChannelID, post.ID); err != nil {
		t.Fatal(err)
	}
	h.Sim.ClearFaults() // the DM's next attempt is delivered

	warned := `SELECT count(*) FROM user_warnings WHERE user_id = $1 AND dm_status = 'sent'`
	for deadline := time.Now().Add(30 * time.Second); h.Count(warned, h.Alice.ID()) == 0 || len(h.LogLines("Mod-log post not updated")) == 0; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the queued DM's outcome never reached the warning, or its post's failed edit was not logged")
		}
	}
	if n := countRequests(h, "PATCH", "/channels/"+h.Guild.ChannelID+"/messages/"+post.ID); n != 0 {
		t.Errorf("edits of the deleted post: %d, want 0", n)
	}
	if got := h.LogLines("WARN", "Mod-log post not updated with the DM outcome; left as it is", post.ID); len(got) != 1 {
		t.Errorf("WARN lines about the deleted post: %q, want 1", got)
	}
}
