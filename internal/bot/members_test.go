package bot

import (
	"context"
	"testing"

	"github.com/bwmarrin/discordgo"
	"github.com/google/go-cmp/cmp"
)

// An interaction carries its sender and the members its command names,
// for its own guild only; a user it names who is not a member, and any
// member in a DM, are not carried.
func TestCarriedMember(t *testing.T) {
	mod := &discordgo.Member{User: &discordgo.User{ID: "1", Username: "moderator"}, Roles: []string{"r5"}}
	bob := &discordgo.User{ID: "3", Username: "bob", Bot: true}
	command := &discordgo.Interaction{Type: discordgo.InteractionApplicationCommand, GuildID: "g", Member: mod,
		Data: discordgo.ApplicationCommandInteractionData{Resolved: &discordgo.ApplicationCommandInteractionDataResolved{
			Users: map[string]*discordgo.User{"2": {ID: "2", Username: "gone"}, "3": bob},
			// Resolved members are partial: no user.
			Members: map[string]*discordgo.Member{"3": {Roles: []string{"r1"}}},
		}}}
	click := &discordgo.Interaction{Type: discordgo.InteractionMessageComponent, GuildID: "g", Member: mod,
		Data: discordgo.MessageComponentInteractionData{CustomID: "x"}}
	dm := &discordgo.Interaction{Type: discordgo.InteractionApplicationCommand, User: mod.User,
		Data: discordgo.ApplicationCommandInteractionData{}}
	tests := []struct {
		name            string
		ic              *discordgo.Interaction
		guildID, userID string
		want            *discordgo.Member
	}{
		{"the sender", command, "g", "1", mod},
		{"a member the command names", command, "g", "3", &discordgo.Member{User: bob, Roles: []string{"r1"}}},
		{"a user the command names, not a member", command, "g", "2", nil},
		{"another guild", command, "h", "1", nil},
		{"the clicker", click, "g", "1", mod},
		{"a DM", dm, "", "1", nil},
	}
	for _, tt := range tests {
		got, ok := CarriedMember(WithMembers(context.Background(), tt.ic), tt.guildID, tt.userID)
		if ok != (tt.want != nil) {
			t.Errorf("%s: carried %v, want %v", tt.name, ok, tt.want != nil)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s: member mismatch (-want +got):\n%s", tt.name, diff)
		}
	}
	if _, ok := CarriedMember(context.Background(), "g", "1"); ok {
		t.Error("a context no interaction carried has members")
	}
}
