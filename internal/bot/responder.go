package bot

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/embodied-community/embodied/internal/middleware"
)

// AutoDeferAfter is when an interaction not yet answered is deferred, well
// inside Discord's 3-second limit.
const AutoDeferAfter = 2 * time.Second

type ackState int

const (
	unanswered ackState = iota
	deferred
	answered
)

// responder answers one interaction through discordgo. Exactly one initial
// response is ever sent: an explicit one, or a deferral by the timer.
type responder struct {
	s         *discordgo.Session
	ic        *discordgo.Interaction
	component bool
	ephemeral bool

	mu    sync.Mutex
	state ackState
	timer *time.Timer
	err   error // a failed automatic deferral
}

func newResponder(s *discordgo.Session, ic *discordgo.Interaction, ephemeral bool) *responder {
	r := &responder{s: s, ic: ic, component: ic.Type == discordgo.InteractionMessageComponent, ephemeral: ephemeral}
	r.timer = time.AfterFunc(AutoDeferAfter, func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		if r.state == unanswered {
			r.err = r.deferLocked(r.ephemeral)
		}
	})
	return r
}

func (r *responder) stop() { r.timer.Stop() }

func flags(ephemeral bool) discordgo.MessageFlags {
	if ephemeral {
		return discordgo.MessageFlagsEphemeral
	}
	return 0
}

func (r *responder) deferLocked(ephemeral bool) error {
	resp := &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource,
		Data: &discordgo.InteractionResponseData{Flags: flags(ephemeral)}}
	if r.component {
		resp = &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredMessageUpdate}
	}
	if err := r.s.InteractionRespond(r.ic, resp); err != nil {
		return err
	}
	r.state = deferred
	return nil
}

// Defer acknowledges the interaction now.
func (r *responder) Defer(_ context.Context, ephemeral bool) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.state != unanswered {
		return nil
	}
	return r.deferLocked(ephemeral)
}

// Respond sends the initial response, edits the deferred one, or follows up.
func (r *responder) Respond(ctx context.Context, m middleware.Response) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch r.state {
	case unanswered:
		typ := discordgo.InteractionResponseChannelMessageWithSource
		if r.component && m.Update {
			typ = discordgo.InteractionResponseUpdateMessage
		}
		err := r.s.InteractionRespond(r.ic, &discordgo.InteractionResponse{Type: typ, Data: &discordgo.InteractionResponseData{
			Content: m.Content, Embeds: m.Embeds, Components: m.Components, Files: m.Files, Flags: flags(m.Ephemeral),
			AllowedMentions: &discordgo.MessageAllowedMentions{},
		}}, discordgo.WithContext(ctx))
		if err != nil {
			return err
		}
		r.state = answered
		return nil
	case deferred:
		if r.component && !m.Update {
			return r.followupLocked(ctx, m)
		}
		return r.editLocked(ctx, m)
	default:
		return r.followupLocked(ctx, m)
	}
}

// Edit replaces the original response; before any response it responds.
func (r *responder) Edit(ctx context.Context, m middleware.Response) error {
	r.mu.Lock()
	if r.state == unanswered {
		r.mu.Unlock()
		return r.Respond(ctx, m)
	}
	defer r.mu.Unlock()
	return r.editLocked(ctx, m)
}

func (r *responder) editLocked(ctx context.Context, m middleware.Response) error {
	edit := &discordgo.WebhookEdit{Content: &m.Content, Embeds: &m.Embeds, Files: m.Files,
		AllowedMentions: &discordgo.MessageAllowedMentions{}}
	if m.Embeds == nil {
		edit.Embeds = &[]*discordgo.MessageEmbed{}
	}
	comps := m.Components
	if comps == nil {
		comps = []discordgo.MessageComponent{}
	}
	edit.Components = &comps
	if _, err := r.s.InteractionResponseEdit(r.ic, edit, discordgo.WithContext(ctx)); err != nil {
		return err
	}
	r.state = answered
	return nil
}

// Followup sends a further message.
func (r *responder) Followup(ctx context.Context, m middleware.Response) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.state == unanswered {
		return errors.New("follow-up before the initial response")
	}
	return r.followupLocked(ctx, m)
}

func (r *responder) followupLocked(ctx context.Context, m middleware.Response) error {
	_, err := r.s.FollowupMessageCreate(r.ic, true, &discordgo.WebhookParams{
		Content: m.Content, Embeds: m.Embeds, Components: m.Components, Files: m.Files, Flags: flags(m.Ephemeral),
		AllowedMentions: &discordgo.MessageAllowedMentions{},
	}, discordgo.WithContext(ctx))
	return err
}
