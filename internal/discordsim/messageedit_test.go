package discordsim_test

import (
	"errors"
	"net/http"
	"testing"

	"github.com/bwmarrin/discordgo"
	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/discordsim"
)

// Edit Message (PATCH /channels/{channel.id}/messages/{message.id}) as
// Discord documents it: the bot edits its own message, and only the fields
// it sends change (here the embeds: the content stays), the message
// marked edited; another user's message it may not edit (50005); an
// unknown message or channel is a 404.
func TestEditChannelMessage(t *testing.T) {
	sim, g, s := sandboxREST(t)
	own, err := s.ChannelMessageSendComplex(g.ChannelID, &discordgo.MessageSend{Content: "note",
		Embeds: []*discordgo.MessageEmbed{{Title: "Case #1: warning", Description: "DM: pending"}}})
	if err != nil {
		t.Fatal(err)
	}
	theirs := sim.Say(g.AddMember(discordsim.UserSpec{Username: "carol"}), g.ChannelID, "hello")
	edit := map[string]any{"embeds": []map[string]any{{"title": "Case #1: warning", "description": "DM: sent"}}}

	tests := []struct {
		name               string
		channelID, message string
		wantStatus         int
		wantCode           int
	}{
		{"own message", g.ChannelID, own.ID, http.StatusOK, 0},
		{"another user's message", g.ChannelID, theirs.ID, http.StatusForbidden, discordsim.CodeCannotEditOthers},
		{"unknown message", g.ChannelID, "1", http.StatusNotFound, discordsim.CodeUnknownMessage},
		{"unknown channel", "1", own.ID, http.StatusNotFound, discordsim.CodeUnknownChannel},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ep := discordgo.EndpointChannelMessage(tt.channelID, tt.message)
			_, err := s.RequestWithBucketID(http.MethodPatch, ep, edit, ep)
			status, code := http.StatusOK, 0
			var re *discordgo.RESTError
			if errors.As(err, &re) {
				status, code = re.Response.StatusCode, re.Message.Code
			} else if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([2]int{tt.wantStatus, tt.wantCode}, [2]int{status, code}); diff != "" {
				t.Errorf("status and code mismatch (-want +got):\n%s", diff)
			}
		})
	}

	got, err := s.ChannelMessage(g.ChannelID, own.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.EditedTimestamp == nil {
		t.Error("edited message has no edited_timestamp")
	}
	type view struct {
		Content     string
		Description string
	}
	want := view{"note", "DM: sent"}
	if diff := cmp.Diff(want, view{got.Content, got.Embeds[0].Description}); diff != "" {
		t.Errorf("edited message mismatch (-want +got):\n%s", diff)
	}
	if m := sim.ChannelMessages(g.ChannelID); m[1].Content != "hello" || m[1].EditedTimestamp != nil {
		t.Errorf("another user's message changed: %+v", m[1])
	}
}
