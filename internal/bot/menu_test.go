package bot_test

import (
	"context"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"
	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/bot"
	"github.com/embodied-community/embodied/internal/middleware"
)

func noop(context.Context, *middleware.Interaction) error { return nil }

// Context-menu commands are registered beside the slash commands, with the
// type, name and visibility Discord needs, and nothing else.
func TestContextMenuRegistration(t *testing.T) {
	reg := bot.NewRegistry()
	reg.Add(
		middleware.Spec{Name: "ping", Description: "Ping", Handle: noop, Policy: middleware.Policy{GuildOnly: true}},
		middleware.Spec{Type: middleware.MessageCommand, Name: "Report message", Handle: noop, Policy: middleware.Policy{GuildOnly: true}},
		middleware.Spec{Type: middleware.UserCommand, Name: "Report user", Handle: noop, Policy: middleware.Policy{Level: middleware.Moderator}},
	)
	guild := &[]discordgo.InteractionContextType{discordgo.InteractionContextGuild}
	mod := middleware.PermModerateMembers
	want := []*discordgo.ApplicationCommand{
		{Name: "ping", Type: discordgo.ChatApplicationCommand, Description: "Ping", Contexts: guild},
		{Name: "Report message", Type: discordgo.MessageApplicationCommand, Contexts: guild},
		{Name: "Report user", Type: discordgo.UserApplicationCommand, DefaultMemberPermissions: &mod},
	}
	if diff := cmp.Diff(want, reg.ApplicationCommands(true)); diff != "" {
		t.Errorf("commands mismatch (-want +got):\n%s", diff)
	}
	if s, ok := reg.Menu(middleware.MessageCommand, "Report message"); !ok || s.Name != "Report message" {
		t.Error("the message command is not found by its type and name")
	}
	if _, ok := reg.Menu(middleware.UserCommand, "Report message"); ok {
		t.Error("a message command is found as a user command")
	}
}

// A context-menu declaration Discord would refuse is a programming error.
func TestContextMenuMalformed(t *testing.T) {
	tests := []struct {
		name string
		spec middleware.Spec
	}{
		{"description", middleware.Spec{Type: middleware.UserCommand, Name: "Report user", Description: "Report", Handle: noop}},
		{"options", middleware.Spec{Type: middleware.UserCommand, Name: "Report user", Handle: noop,
			Options: []middleware.Option{{Name: "why", Description: "Why", Type: middleware.String}}}},
		{"long name", middleware.Spec{Type: middleware.MessageCommand, Name: strings.Repeat("r", 33), Handle: noop}},
		{"sixth of a type", middleware.Spec{Type: middleware.UserCommand, Name: "Sixth", Handle: noop}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := bot.NewRegistry()
			for _, n := range []string{"A", "B", "C", "D", "E"} {
				reg.Add(middleware.Spec{Type: middleware.UserCommand, Name: n, Handle: noop})
			}
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			reg.Add(tt.spec)
		})
	}
}
