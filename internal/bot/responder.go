package bot

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/embodied-community/embodied/internal/discordhttp"
	"github.com/embodied-community/embodied/internal/middleware"
	"github.com/embodied-community/embodied/internal/view"
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

// responder answers one interaction through discordhttp's interaction
// calls, which keep no rate-limit bucket per interaction as discordgo's
// Session methods do. Exactly one initial response is ever sent: an
// explicit one, or a deferral by the timer.
type responder struct {
	s         *discordgo.Session
	ic        *discordgo.Interaction
	component bool
	ephemeral bool
	// signer signs the buttons of replies for the interaction's guild.
	signer *Signer
	// initial sends the initial response (REST callback or HTTP answer).
	initial initial

	mu    sync.Mutex
	state ackState
	// deferredEphemeral: the type-5 deferral (a command or modal) was
	// ephemeral. Discord fixes a deferred response's visibility at the
	// deferral: neither an edit of @original nor the first follow-up (which
	// becomes the original) can change it.
	deferredEphemeral bool
	// replyID is the ephemeral follow-up that replaced a deleted public
	// deferral; Edit changes it instead of @original.
	replyID string
	timer   *time.Timer
	err     error // a failed automatic deferral
}

func newResponder(s *discordgo.Session, ic *discordgo.Interaction, ephemeral bool, in initial) *responder {
	r := &responder{s: s, ic: ic, component: ic.Type == discordgo.InteractionMessageComponent, ephemeral: ephemeral, initial: in}
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
	// The automatic deferral has no caller's context; Defer's is not
	// needed for a request that cannot wait long.
	if err := r.initial.respond(context.Background(), r.s, r.ic, resp); err != nil {
		return err
	}
	r.state = deferred
	r.deferredEphemeral = !r.component && ephemeral
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
//
// After a deferral the reply keeps the deferral's visibility where Discord
// would force it: a reply to an ephemeral deferral stays ephemeral even when m
// is not, and an ephemeral reply to a public deferral is sent as an ephemeral
// follow-up after deleting the public "thinking…" message (see
// resolveDeferralLocked), so a refusal is never shown to everyone.
func (r *responder) Respond(ctx context.Context, m middleware.Response) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if m.Modal != nil {
		return r.modalLocked(ctx, m.Modal)
	}
	switch r.state {
	case unanswered:
		out, err := render(m, r.signer, r.ic.GuildID)
		if err != nil {
			return err
		}
		if len(out.files) > 0 && r.initial.inline {
			// Deferred in the HTTP answer, then delivered as after any
			// deferral, over the webhook that takes files.
			if err := r.deferLocked(m.Ephemeral); err != nil {
				return err
			}
			return r.resolveDeferredLocked(ctx, m)
		}
		typ := discordgo.InteractionResponseChannelMessageWithSource
		if r.component && m.Update {
			typ = discordgo.InteractionResponseUpdateMessage
		}
		err = r.initial.respond(ctx, r.s, r.ic, &discordgo.InteractionResponse{Type: typ, Data: &discordgo.InteractionResponseData{
			Content: m.Content, Embeds: out.embeds, Components: out.components, Files: out.files, Flags: flags(m.Ephemeral),
			AllowedMentions: &discordgo.MessageAllowedMentions{},
		}})
		if err != nil {
			return err
		}
		r.state = answered
		return nil
	case deferred:
		return r.resolveDeferredLocked(ctx, m)
	default:
		return r.followupLocked(ctx, m)
	}
}

// resolveDeferredLocked answers m after the deferral.
func (r *responder) resolveDeferredLocked(ctx context.Context, m middleware.Response) error {
	if r.component {
		// A deferred update (type 6): the clicked message is edited, or a
		// follow-up, which is a new message with its own visibility, is sent.
		if m.Update {
			return r.editLocked(ctx, m)
		}
		return r.followupLocked(ctx, m)
	}
	return r.resolveDeferralLocked(ctx, m)
}

// modalLocked opens a modal: only as the first response, and not to a
// modal's submit, as Discord allows.
func (r *responder) modalLocked(ctx context.Context, m *view.Modal) error {
	if r.state != unanswered || r.ic.Type == discordgo.InteractionModalSubmit {
		return errors.New("a modal can only be the first response to a command or a button")
	}
	data, err := renderModal(m, r.signer, r.ic.GuildID)
	if err != nil {
		return err
	}
	if err := r.initial.respond(ctx, r.s, r.ic, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseModal, Data: data}); err != nil {
		return err
	}
	r.state = answered
	return nil
}

// resolveDeferralLocked gives a type-5 deferral its reply. Editing @original
// keeps the deferral's visibility, so an ephemeral deferral answered with a
// public m stays ephemeral (a deferral cannot be made public). An ephemeral m
// after a public deferral cannot be an edit, nor the first follow-up (Discord
// would turn it into the public original): the deferred message is deleted
// first, then m is sent as an ephemeral follow-up, which later edits change.
func (r *responder) resolveDeferralLocked(ctx context.Context, m middleware.Response) error {
	if !m.Ephemeral || r.deferredEphemeral {
		return r.editLocked(ctx, m)
	}
	params, err := r.webhookParams(m)
	if err != nil {
		return err
	}
	if err := discordhttp.DeleteResponse(ctx, r.s, r.ic); err != nil {
		return err
	}
	r.state = answered
	msg, err := discordhttp.Followup(ctx, r.s, r.ic, params)
	if err != nil {
		return err
	}
	r.replyID = msg.ID
	return nil
}

// Edit replaces the original response (or the ephemeral follow-up standing in
// for a deleted public deferral); before any response it responds, and after
// a deferral it resolves it as Respond does.
func (r *responder) Edit(ctx context.Context, m middleware.Response) error {
	r.mu.Lock()
	if r.state == unanswered {
		r.mu.Unlock()
		return r.Respond(ctx, m)
	}
	defer r.mu.Unlock()
	if r.state == deferred && !r.component {
		return r.resolveDeferralLocked(ctx, m)
	}
	return r.editLocked(ctx, m)
}

func (r *responder) editLocked(ctx context.Context, m middleware.Response) error {
	out, err := render(m, r.signer, r.ic.GuildID)
	if err != nil {
		return err
	}
	edit := &discordgo.WebhookEdit{Content: &m.Content, Embeds: &out.embeds, Files: out.files,
		AllowedMentions: &discordgo.MessageAllowedMentions{}}
	if out.embeds == nil {
		edit.Embeds = &[]*discordgo.MessageEmbed{}
	}
	comps := out.components
	if comps == nil {
		comps = []discordgo.MessageComponent{}
	}
	edit.Components = &comps
	id := "@original"
	if r.replyID != "" {
		id = r.replyID
	}
	if _, err := discordhttp.EditResponse(ctx, r.s, r.ic, id, edit); err != nil {
		return err
	}
	r.state = answered
	return nil
}

// Followup sends a further message. Right after a type-5 deferral Discord
// turns the first follow-up into the original response with the deferral's
// visibility, so an ephemeral one after a public deferral resolves the
// deferral as Respond does.
func (r *responder) Followup(ctx context.Context, m middleware.Response) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case r.state == unanswered:
		return errors.New("follow-up before the initial response")
	case r.state == deferred && !r.component:
		if m.Ephemeral && !r.deferredEphemeral {
			return r.resolveDeferralLocked(ctx, m)
		}
		if err := r.followupLocked(ctx, m); err != nil {
			return err
		}
		r.state = answered // the follow-up replaced the "thinking…" message
		return nil
	}
	return r.followupLocked(ctx, m)
}

func (r *responder) webhookParams(m middleware.Response) (*discordgo.WebhookParams, error) {
	out, err := render(m, r.signer, r.ic.GuildID)
	if err != nil {
		return nil, err
	}
	return &discordgo.WebhookParams{
		Content: m.Content, Embeds: out.embeds, Components: out.components, Files: out.files, Flags: flags(m.Ephemeral),
		AllowedMentions: &discordgo.MessageAllowedMentions{},
	}, nil
}

func (r *responder) followupLocked(ctx context.Context, m middleware.Response) error {
	params, err := r.webhookParams(m)
	if err != nil {
		return err
	}
	_, err = discordhttp.Followup(ctx, r.s, r.ic, params)
	return err
}
