package discordsim_test

import (
	"sync/atomic"
	"testing"

	"github.com/bwmarrin/discordgo"
	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/discordsim"
)

// TestVisibilityIsFixedAtCreation: as on Discord, an edit (PATCH) and the first
// follow-up after a deferral keep the message's ephemeral flag whatever flags
// the request carries; a follow-up after the deferred original was deleted is a
// new message with its own. Every edit is recorded in History.
func TestVisibilityIsFixedAtCreation(t *testing.T) {
	sim := discordsim.NewTest(t, discordsim.Options{})
	g := sim.SeedSandbox()
	alice := g.MemberByName("alice")

	type step func(s *discordgo.Session, i *discordgo.Interaction) error
	deferral := func(flags discordgo.MessageFlags) step {
		return func(s *discordgo.Session, i *discordgo.Interaction) error {
			return s.InteractionRespond(i, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource,
				Data: &discordgo.InteractionResponseData{Flags: flags}})
		}
	}
	reply := func(content string, flags discordgo.MessageFlags) step {
		return func(s *discordgo.Session, i *discordgo.Interaction) error {
			return s.InteractionRespond(i, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource,
				Data: &discordgo.InteractionResponseData{Content: content, Flags: flags}})
		}
	}
	// patch edits @original with explicit flags (discordgo's WebhookEdit has none).
	patch := func(content string, flags discordgo.MessageFlags) step {
		return func(s *discordgo.Session, i *discordgo.Interaction) error {
			_, err := s.RequestWithBucketID("PATCH", discordgo.EndpointWebhookMessage(i.AppID, i.Token, "@original"),
				map[string]any{"content": content, "flags": flags}, discordgo.EndpointWebhookToken("", ""))
			return err
		}
	}
	followup := func(content string, flags discordgo.MessageFlags) step {
		return func(s *discordgo.Session, i *discordgo.Interaction) error {
			_, err := s.FollowupMessageCreate(i, true, &discordgo.WebhookParams{Content: content, Flags: flags})
			return err
		}
	}
	deleteOriginal := func(s *discordgo.Session, i *discordgo.Interaction) error { return s.InteractionResponseDelete(i) }

	type msg struct {
		Content   string
		History   []string
		Ephemeral bool
		Deleted   bool
	}
	cases := []struct {
		name      string
		steps     []step
		followups int
		want      []msg // ix.Messages(): the original, then the other follow-ups
		ephemeral bool  // ix.Ephemeral()
	}{
		{"edit of a public deferral asking for ephemeral", []step{deferral(0), patch("refused", discordgo.MessageFlagsEphemeral)}, 0,
			[]msg{{Content: "refused", History: []string{""}}}, false},
		{"first follow-up after a public deferral asking for ephemeral", []step{deferral(0), followup("refused", discordgo.MessageFlagsEphemeral)}, 1,
			[]msg{{Content: "refused", History: []string{""}}}, false},
		{"first follow-up after an ephemeral deferral asking for public", []step{deferral(discordgo.MessageFlagsEphemeral), followup("shown", 0)}, 1,
			[]msg{{Content: "shown", History: []string{""}, Ephemeral: true}}, true},
		{"edits of an ephemeral reply without the flag", []step{reply("one", discordgo.MessageFlagsEphemeral), patch("two", 0), patch("three", discordgo.MessageFlagsSuppressEmbeds)}, 0,
			[]msg{{Content: "three", History: []string{"one", "two"}, Ephemeral: true}}, true},
		{"follow-up after deleting a public deferral", []step{deferral(0), deleteOriginal, followup("refused", discordgo.MessageFlagsEphemeral)}, 1,
			[]msg{{Deleted: true}, {Content: "refused", Ephemeral: true}}, true},
	}

	var current atomic.Value // []step
	done := make(chan error, 1)
	startBot(t, sim, func(s *discordgo.Session, i *discordgo.InteractionCreate) {
		for _, st := range current.Load().([]step) {
			if err := st(s, i.Interaction); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	})
	for _, c := range cases {
		current.Store(c.steps)
		ix, err := sim.Run(ctx(t), alice, "/ping", discordsim.WaitFollowups(c.followups))
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if err := <-done; err != nil {
			t.Fatalf("%s: bot: %v", c.name, err)
		}
		var got []msg
		for _, m := range ix.Messages() {
			got = append(got, msg{Content: m.Content, History: m.History, Ephemeral: m.Ephemeral(), Deleted: m.Deleted})
			if len(m.History) != m.Edits {
				t.Errorf("%s: %d edits, history %q", c.name, m.Edits, m.History)
			}
		}
		if diff := cmp.Diff(c.want, got); diff != "" {
			t.Errorf("%s: messages mismatch (-want +got):\n%s", c.name, diff)
		}
		if ix.Ephemeral() != c.ephemeral {
			t.Errorf("%s: Ephemeral() = %v", c.name, ix.Ephemeral())
		}
	}
}
