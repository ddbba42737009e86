package discordsim_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"
	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/discordsim"
)

func menus(users, messages int) []*discordgo.ApplicationCommand {
	var out []*discordgo.ApplicationCommand
	for i := range users {
		out = append(out, &discordgo.ApplicationCommand{Type: discordgo.UserApplicationCommand, Name: fmt.Sprintf("Report user %d", i)})
	}
	for i := range messages {
		out = append(out, &discordgo.ApplicationCommand{Type: discordgo.MessageApplicationCommand, Name: fmt.Sprintf("Report message %d", i)})
	}
	return out
}

// Context-menu commands are registered as Discord documents them: names
// with capitals and spaces, no description, no options, at most 5 of each
// type.
func TestContextMenuRegistration(t *testing.T) {
	sim := discordsim.NewTest(t, discordsim.Options{})
	sim.SeedSandbox()
	b := startBot(t, sim, nil)
	tests := []struct {
		name   string
		cmds   []*discordgo.ApplicationCommand
		broken string // the violated rule, "" when accepted
	}{
		{"five of each", menus(5, 5), ""},
		{"a sixth user command", menus(6, 0), "limit"},
		{"a sixth message command", menus(1, 6), "limit"},
		{"a description", []*discordgo.ApplicationCommand{{Type: discordgo.MessageApplicationCommand, Name: "Report message", Description: "Report it"}}, "schema"},
		{"options", []*discordgo.ApplicationCommand{{Type: discordgo.UserApplicationCommand, Name: "Report user",
			Options: []*discordgo.ApplicationCommandOption{{Type: discordgo.ApplicationCommandOptionString, Name: "why", Description: "Why"}}}}, "schema"},
		{"a name over 32 characters", []*discordgo.ApplicationCommand{{Type: discordgo.UserApplicationCommand, Name: strings.Repeat("R", 33)}}, "schema"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := b.ApplicationCommandBulkOverwrite(sim.ApplicationID(), "", append(commands(), tt.cmds...))
			var broken string
			for _, v := range sim.TakeViolations() {
				broken = v.Rule
			}
			if broken != tt.broken || (err == nil) != (tt.broken == "") {
				t.Errorf("err = %v, violated rule %q; want rule %q", err, broken, tt.broken)
			}
		})
	}
	// One more by Create Application Command is refused too.
	if _, err := b.ApplicationCommandBulkOverwrite(sim.ApplicationID(), "", menus(5, 0)); err != nil {
		t.Fatal(err)
	}
	if _, err := b.ApplicationCommandCreate(sim.ApplicationID(), "", menus(6, 0)[5]); err == nil {
		t.Error("a sixth user command created one by one was accepted")
	}
	sim.TakeViolations()
}

// contextMenus answers a user command with what it carried, and a message
// command with a modal that quotes the message, then thanks for the reason.
func contextMenus(s *discordgo.Session, i *discordgo.InteractionCreate) {
	respond := func(r *discordgo.InteractionResponse) { _ = s.InteractionRespond(i.Interaction, r) }
	switch i.Type {
	case discordgo.InteractionApplicationCommand:
		d := i.ApplicationCommandData()
		switch d.CommandType {
		case discordgo.UserApplicationCommand:
			_, member := d.Resolved.Members[d.TargetID]
			respond(&discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource, Data: &discordgo.InteractionResponseData{
				Content: fmt.Sprintf("%s on %s (member %v) in %s", d.Name, d.Resolved.Users[d.TargetID].Username, member, i.ChannelID)}})
		case discordgo.MessageApplicationCommand:
			m := d.Resolved.Messages[d.TargetID]
			respond(&discordgo.InteractionResponse{Type: discordgo.InteractionResponseModal, Data: &discordgo.InteractionResponseData{
				CustomID: "report|" + m.ID, Title: "Report " + m.Author.Username,
				Components: []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{
					discordgo.TextInput{CustomID: "reason", Label: m.Content + " in " + m.ChannelID, Style: discordgo.TextInputParagraph, Required: true, MaxLength: 1000}}}},
			}})
		}
	case discordgo.InteractionModalSubmit:
		d := i.ModalSubmitData()
		respond(&discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource, Data: &discordgo.InteractionResponseData{
			Content: d.CustomID + ": " + d.Components[0].(*discordgo.ActionsRow).Components[0].(*discordgo.TextInput).Value, Flags: discordgo.MessageFlagsEphemeral}})
	}
}

// A member uses a message command on a message and a user command on a
// member: the interaction carries the target (the message with its
// content), in the message's channel, and a modal's submit follows.
func TestContextMenuInvocation(t *testing.T) {
	sim := discordsim.NewTest(t, discordsim.Options{})
	g := sim.SeedSandbox()
	startBotWith(t, sim, contextMenus, func(s *discordgo.Session) {
		if _, err := s.ApplicationCommandBulkOverwrite(sim.ApplicationID(), g.ID, menus(1, 1)); err != nil {
			t.Fatal(err)
		}
	})
	alice, bob := g.MemberByName("alice"), g.MemberByName("bob")
	other := g.AddChannel("off-topic")
	msg := sim.Say(bob, other, "you are a clown")

	ix, err := sim.RunMessageCommand(ctx(t), alice, "Report message 0", other, msg.ID)
	if err != nil {
		t.Fatal(err)
	}
	modal := ix.Modal()
	if modal == nil {
		t.Fatal("no modal")
	}
	label := modal.Components[0].(*discordgo.ActionsRow).Components[0].(*discordgo.TextInput).Label
	if diff := cmp.Diff([]string{"Report bob", "you are a clown in " + other}, []string{modal.Title, label}); diff != "" {
		t.Errorf("modal mismatch (-want +got):\n%s", diff)
	}
	sub, err := sim.SubmitModal(ctx(t), alice, modal, map[string]string{"reason": "insults"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff("report|"+msg.ID+": insults", sub.Content()); diff != "" {
		t.Errorf("submit reply mismatch (-want +got):\n%s", diff)
	}

	ix, err = sim.RunUserCommand(ctx(t), alice, "Report user 0", bob)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff("Report user 0 on bob (member true) in "+g.ChannelID, ix.Content()); diff != "" {
		t.Errorf("user command reply mismatch (-want +got):\n%s", diff)
	}
	if _, err := sim.RunUserCommand(ctx(t), alice, "Report message 0", bob); !errors.Is(err, discordsim.ErrUnknownCommand) {
		t.Errorf("a message command used as a user command: err = %v, want ErrUnknownCommand", err)
	}
	if _, err := sim.RunMessageCommand(ctx(t), alice, "Report message 0", other, "1"); !errors.Is(err, discordsim.ErrInvalidOption) {
		t.Errorf("an unknown message: err = %v, want ErrInvalidOption", err)
	}
}
