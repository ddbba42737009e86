package bot_test

import (
	"testing"

	"github.com/bwmarrin/discordgo"
	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/bot"
	"github.com/embodied-community/embodied/internal/chatmod"
)

func TestMessageEvent(t *testing.T) {
	alice := &discordgo.User{ID: "11"}
	tests := []struct {
		name   string
		msg    discordgo.Message
		edited bool
		want   chatmod.Event
		ok     bool
	}{
		{name: "member's message", msg: discordgo.Message{ID: "3", GuildID: "1", ChannelID: "2", Author: alice, Content: "hi",
			Member: &discordgo.Member{Roles: []string{"7"}}},
			want: chatmod.Event{GuildID: "1", ChannelID: "2", MessageID: "3", AuthorID: "11", Content: "hi", Roles: []string{"7"}}, ok: true},
		{name: "reply, edited", msg: discordgo.Message{ID: "3", GuildID: "1", ChannelID: "2", Author: alice, Content: "hi", Type: discordgo.MessageTypeReply},
			edited: true, want: chatmod.Event{GuildID: "1", ChannelID: "2", MessageID: "3", AuthorID: "11", Content: "hi", Edited: true}, ok: true},
		{name: "webhook", msg: discordgo.Message{ID: "3", GuildID: "1", ChannelID: "2", Author: alice, Content: "hi", WebhookID: "9"},
			want: chatmod.Event{GuildID: "1", ChannelID: "2", MessageID: "3", AuthorID: "11", Content: "hi", AuthorBot: true}, ok: true},
		{name: "direct message", msg: discordgo.Message{ID: "3", ChannelID: "2", Author: alice, Content: "hi"}},
		{name: "no content (no Message Content intent)", msg: discordgo.Message{ID: "3", GuildID: "1", ChannelID: "2", Author: alice}},
		{name: "AutoMod alert (type 24)", msg: discordgo.Message{ID: "3", GuildID: "1", ChannelID: "2", Author: alice, Content: "x",
			Type: discordgo.MessageType(24)}},
		{name: "member joined (type 7)", msg: discordgo.Message{ID: "3", GuildID: "1", ChannelID: "2", Author: alice, Content: "x",
			Type: discordgo.MessageTypeGuildMemberJoin}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := bot.MessageEvent(&tt.msg, tt.edited)
			if ok != tt.ok {
				t.Fatalf("ok = %v, want %v", ok, tt.ok)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("event mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
