package bot

import (
	"context"
	"encoding/json"

	"github.com/bwmarrin/discordgo"

	"github.com/embodied-community/embodied/internal/discordhttp"
)

// Callback sends an interaction's initial response.
type Callback func(ctx context.Context, resp *discordgo.InteractionResponse) error

// initial is how an interaction's initial response is sent. The zero value
// sends it as for a gateway interaction: POST …/callback over REST.
type initial struct {
	send Callback
	// inline: the initial response is the HTTP response to Discord's POST
	// to the interactions endpoint, which cannot carry attachments (Discord
	// fails the interaction on a multipart answer): a response with files is
	// deferred there, and the files go over the interaction webhook.
	inline bool
}

type initialKey struct{}

// initialFrom returns the initial-response path ServeInteraction put in
// ctx, or the REST callback.
func initialFrom(ctx context.Context) initial {
	in, _ := ctx.Value(initialKey{}).(initial)
	return in
}

// respond sends the initial response resp for ic.
func (in initial) respond(ctx context.Context, s *discordgo.Session, ic *discordgo.Interaction, resp *discordgo.InteractionResponse) error {
	if in.send != nil {
		return in.send(ctx, resp)
	}
	return discordhttp.Respond(ctx, s, ic, resp)
}

// ServeInteraction handles one interaction Discord POSTed to the
// interactions endpoint (raw is the verified body) through the same router
// and middleware as a gateway interaction. Its initial response (an answer,
// a modal, or the deferral after AutoDeferAfter) is passed to answer, whose
// caller writes it as the HTTP response; follow-ups and edits go over REST.
// The handling continues in the background after answer; done is closed
// when it ends. ok is false (and nothing runs) once Stop has begun.
func (b *Bot) ServeInteraction(raw json.RawMessage, answer Callback) (done <-chan struct{}, ok bool) {
	b.mu.Lock()
	if b.stopped {
		b.mu.Unlock()
		b.log.Warn("Interaction arrived during shutdown; not handled")
		return nil, false
	}
	b.inflight.Add(1)
	b.mu.Unlock()
	ch := make(chan struct{})
	go func() {
		defer b.inflight.Done()
		defer close(ch)
		b.HandleRaw(context.WithValue(b.ctx, initialKey{}, initial{send: answer, inline: true}), raw)
	}()
	return ch, true
}
