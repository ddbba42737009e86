package bot

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/discordhttp"
	"github.com/embodied-community/embodied/internal/discordsim"
	"github.com/embodied-community/embodied/internal/middleware"
)

// TestAutoDeferralKeepsVisibility drives a real discordgo Session against the
// emulator: a handler slower than AutoDeferAfter gets the policy's deferral,
// and its reply must not be seen by more people than it asked for.
func TestAutoDeferralKeepsVisibility(t *testing.T) {
	t.Parallel()
	type msg struct {
		Content   string
		Ephemeral bool
		Deleted   bool
	}
	cases := []struct {
		name             string
		policyEphemeral  bool
		reply            func(ctx context.Context, r *responder) error
		followups        int
		want             []msg // ix.Messages(): the deferred original, then follow-ups
		ephemeral        bool
		deferralFlags    discordgo.MessageFlags
		visibleToChannel string // the one non-ephemeral, non-deleted content; "" for none
	}{
		{
			name: "ephemeral refusal after a public deferral", reply: func(ctx context.Context, r *responder) error {
				if err := r.Respond(ctx, middleware.Response{Content: "❌ Not now.", Ephemeral: true}); err != nil {
					return err
				}
				// Later edits change the ephemeral follow-up, not the deleted original.
				return r.Edit(ctx, middleware.Response{Content: "❌ Not now, really."})
			},
			followups: 1,
			want:      []msg{{Deleted: true}, {Content: "❌ Not now, really.", Ephemeral: true}},
			ephemeral: true,
		},
		{
			name: "ephemeral edit after a public deferral", reply: func(ctx context.Context, r *responder) error {
				return r.Edit(ctx, middleware.Response{Content: "Something went wrong (ref 1).", Ephemeral: true})
			},
			followups: 1,
			want:      []msg{{Deleted: true}, {Content: "Something went wrong (ref 1).", Ephemeral: true}},
			ephemeral: true,
		},
		{
			name: "ephemeral follow-up after a public deferral", reply: func(ctx context.Context, r *responder) error {
				return r.Followup(ctx, middleware.Response{Content: "❌ Not now.", Ephemeral: true})
			},
			followups: 1,
			want:      []msg{{Deleted: true}, {Content: "❌ Not now.", Ephemeral: true}},
			ephemeral: true,
		},
		{
			name: "public reply after a public deferral", reply: func(ctx context.Context, r *responder) error {
				return r.Respond(ctx, middleware.Response{Content: "Done."})
			},
			want:             []msg{{Content: "Done."}},
			visibleToChannel: "Done.",
		},
		{
			name: "public reply after an ephemeral deferral stays ephemeral", policyEphemeral: true, reply: func(ctx context.Context, r *responder) error {
				return r.Respond(ctx, middleware.Response{Content: "Done."})
			},
			want:          []msg{{Content: "Done.", Ephemeral: true}},
			ephemeral:     true,
			deferralFlags: discordgo.MessageFlagsEphemeral,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			sim := discordsim.NewTest(t, discordsim.Options{})
			member := sim.SeedSandbox().MemberByName("alice")
			done := make(chan error, 1)
			startSimSession(t, sim, func(s *discordgo.Session, i *discordgo.InteractionCreate) {
				r := newResponder(s, i.Interaction, c.policyEphemeral, initial{})
				defer r.stop()
				if err := waitDeferred(r); err != nil {
					done <- err
					return
				}
				done <- c.reply(ctx, r)
			})

			ix, err := sim.Run(ctx, member, "/slow", discordsim.WaitFollowups(c.followups))
			if err != nil {
				t.Fatal(err)
			}
			if err := <-done; err != nil {
				t.Fatalf("responder: %v", err)
			}
			if resp := ix.Response(); resp.Type != discordgo.InteractionResponseDeferredChannelMessageWithSource || resp.Flags != c.deferralFlags {
				t.Errorf("initial response: type %d flags %d", resp.Type, resp.Flags)
			}
			var got []msg
			visible := ""
			for _, m := range ix.Messages() {
				got = append(got, msg{Content: m.Content, Ephemeral: m.Ephemeral(), Deleted: m.Deleted})
				if !m.Deleted && !m.Ephemeral() {
					visible += m.Content
				}
			}
			if diff := cmp.Diff(c.want, got); diff != "" {
				t.Errorf("messages mismatch (-want +got):\n%s", diff)
			}
			if visible != c.visibleToChannel {
				t.Errorf("the channel sees %q, want %q", visible, c.visibleToChannel)
			}
			if ix.Ephemeral() != c.ephemeral {
				t.Errorf("Ephemeral() = %v, want %v", ix.Ephemeral(), c.ephemeral)
			}
			if v := sim.Violations(); len(v) > 0 {
				t.Errorf("violations: %v", v)
			}
		})
	}
}

// waitDeferred waits for the automatic deferral.
func waitDeferred(r *responder) error {
	deadline := time.Now().Add(AutoDeferAfter + 2*time.Second)
	for time.Now().Before(deadline) {
		r.mu.Lock()
		state, err := r.state, r.err
		r.mu.Unlock()
		if err != nil {
			return err
		}
		if state == deferred {
			return nil
		}
		time.Sleep(10 * time.Millisecond)
	}
	return errors.New("no automatic deferral")
}

// startSimSession connects a discordgo Session to sim with one command, /slow.
func startSimSession(t *testing.T, sim *discordsim.Server, handle func(*discordgo.Session, *discordgo.InteractionCreate)) {
	t.Helper()
	s, err := discordhttp.NewSession(sim.Token(), sim.URL(), nil)
	if err != nil {
		t.Fatal(err)
	}
	s.AddHandler(handle)
	if _, err := s.ApplicationCommandBulkOverwrite(sim.ApplicationID(), "", []*discordgo.ApplicationCommand{
		{Name: "slow", Description: "Answers after the automatic deferral"},
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
}
