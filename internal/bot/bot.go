package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/embodied-community/embodied/internal/audit"
	"github.com/embodied-community/embodied/internal/logging"
	"github.com/embodied-community/embodied/internal/middleware"
	"github.com/embodied-community/embodied/internal/middleware/permission"
	"github.com/embodied-community/embodied/internal/textcut"
)

// DefaultAttachmentLimit is Discord's upload limit when the interaction does
// not say otherwise.
const DefaultAttachmentLimit = 10 << 20

// Messages shown for interactions refused before the middleware.
const (
	MsgGuildOnly  = permission.GuildOnlyMessage // refused by the permission guard, after the rate limiter
	MsgForged     = middleware.MsgForged
	MsgOtherGuild = "❌ This button belongs to another server."
)

// EventSink records security events.
type EventSink = middleware.EventSink

// Options configures a Bot.
type Options struct {
	Logger *slog.Logger
	// Handler serves every interaction that reaches the pipeline: the whole
	// chain, built with one middleware.Chain around middleware.Dispatch.
	// Nil means Dispatch behind Recover alone.
	Handler middleware.Handler
	Events  EventSink
	// GuildID scopes command registration to one guild (dev, staging).
	GuildID string
	// HideAdminCommands sets default_member_permissions on staff commands.
	HideAdminCommands bool
	// OnInteraction observes every interaction (metrics).
	OnInteraction func(command, outcome string, d time.Duration)
	Now           func() time.Time
	// AddHandler adds the interaction handler to the gateway: to every
	// shard's session when the process runs several. Nil means the
	// Session's own AddHandler.
	AddHandler AddHandler
}

// AddHandler adds a discordgo event handler and returns the function
// removing it again, as Session.AddHandler does.
type AddHandler func(handler any) func()

// Bot routes interactions from the gateway through the pipeline.
type Bot struct {
	s      *discordgo.Session
	reg    *Registry
	signer *Signer
	opts   Options
	log    *slog.Logger
	chain  middleware.Handler

	ctx      context.Context
	cancel   context.CancelFunc
	mu       sync.Mutex // guards stopped and inflight.Add against Stop
	stopped  bool
	inflight sync.WaitGroup
	seen     sync.Map // interaction ids already handled: a redelivery is a no-op
	remove   func()
}

// New returns a Bot over session s.
func New(s *discordgo.Session, reg *Registry, signer *Signer, opts Options) *Bot {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	b := &Bot{s: s, reg: reg, signer: signer, opts: opts, log: logging.Component(opts.Logger, "Bot")}
	b.chain = opts.Handler
	if b.chain == nil {
		b.chain = middleware.Chain(middleware.Dispatch, middleware.Recover(opts.Logger, opts.Events))
	}
	b.ctx, b.cancel = context.WithCancel(context.Background())
	return b
}

// Signer returns the component id signer.
func (b *Bot) Signer() *Signer { return b.signer }

// Register bulk-overwrites the application's commands, guild-scoped when
// configured.
func (b *Bot) Register(ctx context.Context) error {
	appID := b.s.State.User.ID
	if r := b.s.State.Ready; r.Application != nil && r.Application.ID != "" {
		appID = r.Application.ID
	}
	cmds := b.reg.ApplicationCommands(b.opts.HideAdminCommands)
	if _, err := b.s.ApplicationCommandBulkOverwrite(appID, b.opts.GuildID, cmds, discordgo.WithContext(ctx)); err != nil {
		return fmt.Errorf("register %d commands: %w", len(cmds), err)
	}
	scope := "global"
	if b.opts.GuildID != "" {
		scope = "guild " + b.opts.GuildID
	}
	b.log.Info("Commands registered", "count", len(cmds), "scope", scope)
	return nil
}

// Start begins handling interactions.
func (b *Bot) Start() {
	add := b.opts.AddHandler
	if add == nil {
		add = b.s.AddHandler
	}
	b.remove = add(func(s *discordgo.Session, e *discordgo.Event) {
		if e.Type != "INTERACTION_CREATE" {
			return
		}
		// Count the interaction in before Stop can start waiting, or drop
		// it: after Stop the pool is closing.
		b.mu.Lock()
		if b.stopped {
			b.mu.Unlock()
			b.log.Warn("Interaction arrived during shutdown; not handled")
			return
		}
		b.inflight.Add(1)
		b.mu.Unlock()
		defer b.inflight.Done()
		b.handleEvent(b.ctx, e)
	})
}

// Stop stops taking interactions and waits up to ctx for those in flight.
func (b *Bot) Stop(ctx context.Context) error {
	b.mu.Lock()
	b.stopped = true
	b.mu.Unlock()
	if b.remove != nil {
		b.remove()
	}
	done := make(chan struct{})
	go func() { b.inflight.Wait(); close(done) }()
	select {
	case <-done:
		b.cancel()
		return nil
	case <-ctx.Done():
		b.cancel()
		return fmt.Errorf("interactions still running at shutdown: %w", ctx.Err())
	}
}

// handleEvent handles an INTERACTION_CREATE that discordgo has already
// decoded into e.Struct: decoding e.RawData again would double the JSON
// work of every interaction. A payload discordgo could not decode (no id)
// goes the HandleRaw way, which reports it.
func (b *Bot) handleEvent(ctx context.Context, e *discordgo.Event) {
	if ic, ok := e.Struct.(*discordgo.InteractionCreate); ok && ic.Interaction != nil && ic.ID != "" {
		b.handleDecoded(ctx, ic.Interaction, e.RawData)
		return
	}
	b.HandleRaw(ctx, e.RawData)
}

// HandleRaw handles one INTERACTION_CREATE payload.
func (b *Bot) HandleRaw(ctx context.Context, raw json.RawMessage) {
	var ic discordgo.Interaction
	if err := json.Unmarshal(raw, &ic); err != nil {
		b.log.Error("Undecodable interaction", "error", err)
		return
	}
	b.handleDecoded(ctx, &ic, raw)
}

// handleDecoded handles a decoded interaction; raw is its payload, for the
// fields discordgo does not decode.
func (b *Bot) handleDecoded(ctx context.Context, ic *discordgo.Interaction, raw json.RawMessage) {
	if _, dup := b.seen.LoadOrStore(ic.ID, b.opts.Now()); dup {
		// Discord delivers an interaction once; a second delivery is a
		// replay. Nothing runs twice and nothing is answered twice.
		userID := ""
		if ic.Member != nil && ic.Member.User != nil {
			userID = ic.Member.User.ID
		} else if ic.User != nil {
			userID = ic.User.ID
		}
		b.log.Warn("Duplicate interaction ignored", "interactionId", ic.ID, "userId", userID)
		if b.opts.Events != nil {
			b.opts.Events.Security(audit.SecurityEvent{EventType: "replayed_interaction", Severity: audit.Medium,
				GuildID: ic.GuildID, ActorID: userID, Attempted: "interaction " + ic.ID + " delivered again"})
		}
		return
	}
	// The upload limit is the one field discordgo does not decode; a replay
	// above never pays for reading it.
	var extra struct {
		AttachmentSizeLimit int64 `json:"attachment_size_limit"`
	}
	_ = json.Unmarshal(raw, &extra)
	b.handle(ctx, ic, extra.AttachmentSizeLimit)
}

// ForgetBefore drops remembered interaction ids older than t (their tokens
// have expired, Discord will not redeliver them).
func (b *Bot) ForgetBefore(t time.Time) {
	b.seen.Range(func(k, v any) bool {
		if v.(time.Time).Before(t) {
			b.seen.Delete(k)
		}
		return true
	})
}

func (b *Bot) handle(ctx context.Context, ic *discordgo.Interaction, sizeLimit int64) {
	start := b.opts.Now()
	in := newInteraction(ic, sizeLimit, start)
	// Each layer adds its component and the keys it reports.
	in.Log = b.opts.Logger
	refusal, ephemeral, ok := b.route(ic, in)
	if !ok {
		return
	}
	// A guild-only command in a DM is refused by the permission guard,
	// after the rate limiter: a DM flood writes few security events.
	r := newResponder(b.s, ic, ephemeral, initialFrom(ctx))
	r.signer = b.signer
	defer r.stop()
	in.Reply = r
	outcome := b.run(WithMembers(ctx, ic), in, refusal)
	if r.err != nil {
		outcome = "error"
		b.log.Error("Automatic deferral failed", "userId", in.User.ID, "commandName", in.Command, "error", r.err)
	}
	if b.opts.OnInteraction != nil {
		name := in.Command
		if name == "" {
			name = "component"
		}
		b.opts.OnInteraction(name, outcome, b.opts.Now().Sub(start))
	}
}

// newInteraction translates what every kind of interaction carries: ids,
// the caller and their permissions, the upload limit.
func newInteraction(ic *discordgo.Interaction, sizeLimit int64, received time.Time) *middleware.Interaction {
	in := &middleware.Interaction{
		ID: ic.ID, Token: ic.Token, GuildID: ic.GuildID, ChannelID: ic.ChannelID,
		AppPermissions: ic.AppPermissions, Locale: string(ic.Locale), Received: received,
		AttachmentSizeLimit: sizeLimit, Resolved: map[string]middleware.User{}, Options: map[string]any{},
	}
	if in.AttachmentSizeLimit <= 0 {
		in.AttachmentSizeLimit = DefaultAttachmentLimit
	}
	switch {
	case ic.Member != nil && ic.Member.User != nil:
		in.User = middleware.User{ID: ic.Member.User.ID, Username: ic.Member.User.Username, Bot: ic.Member.User.Bot,
			Member: &middleware.Membership{Roles: ic.Member.Roles, Permissions: ic.Member.Permissions}}
		in.Permissions = ic.Member.Permissions
	case ic.User != nil:
		in.User = middleware.User{ID: ic.User.ID, Username: ic.User.Username, Bot: ic.User.Bot}
	}
	return in
}

// route reads the interaction's data and resolves its declaration, once:
// it returns the refusal for an unknown command or an invalid component
// ("" to run the pipeline), whether the reply is ephemeral, and false for
// interaction types the bot ignores.
func (b *Bot) route(ic *discordgo.Interaction, in *middleware.Interaction) (refusal string, ephemeral, ok bool) {
	switch ic.Type {
	case discordgo.InteractionApplicationCommand:
		in.Kind = middleware.KindCommand
		data := ic.ApplicationCommandData()
		resolve(data.Resolved, in.Resolved)
		var spec *middleware.Spec
		var found bool
		switch data.CommandType {
		case discordgo.UserApplicationCommand, discordgo.MessageApplicationCommand:
			typ := contextTarget(data, in)
			in.Command = data.Name
			spec, found = b.reg.Menu(typ, data.Name)
		default:
			in.Command = commandPath(data)
			flatten(data.Options, in.Options)
			spec, found = b.reg.Spec(in.Command)
		}
		if !found {
			return middleware.MsgUnknown, false, true
		}
		in.Spec, in.Policy = spec, spec.Policy
		return "", spec.Policy.Ephemeral, true
	case discordgo.InteractionMessageComponent:
		in.Kind = middleware.KindComponent
		data := ic.MessageComponentData()
		in.CustomID, in.Values = data.CustomID, data.Values
	case discordgo.InteractionModalSubmit:
		in.Kind = middleware.KindModal
		data := ic.ModalSubmitData()
		in.CustomID = data.CustomID
		in.ModalValues = modalValues(data.Components)
	default:
		return "", false, false
	}
	if refusal := b.component(in); refusal != "" {
		return refusal, false, true
	}
	return "", in.Policy.Ephemeral, true
}

// run answers a refused interaction, or runs it through the pipeline; it
// returns the outcome the metrics count.
func (b *Bot) run(ctx context.Context, in *middleware.Interaction, refusal string) string {
	if refusal != "" {
		if err := in.Reply.Respond(ctx, middleware.Response{Content: refusal, Ephemeral: true}); err != nil {
			b.log.Warn("Could not send a refusal", "userId", in.User.ID, "error", err)
		}
		return "refused"
	}
	outcome := "ok"
	err := b.chain(ctx, in)
	if in.Outcome != "" {
		outcome = string(in.Outcome)
	}
	if err != nil {
		outcome = "error"
		b.log.Error("Interaction failed", "userId", in.User.ID, "commandName", in.Command, "error", err)
	}
	return outcome
}

// component verifies a component's signed id and prepares its policy; it
// returns a refusal message, or "" to proceed.
func (b *Bot) component(in *middleware.Interaction) string {
	action, guildID, args, err := b.signer.Verify(in.CustomID)
	if err != nil {
		b.security(in, "forged_component", audit.High, "component "+textcut.Bytes(in.CustomID, 120))
		return MsgForged
	}
	if guildID != in.GuildID {
		b.security(in, "cross_guild_component", audit.High, "component for guild "+guildID)
		return MsgOtherGuild
	}
	c, ok := b.reg.components[action]
	if !ok {
		return middleware.MsgUnknown
	}
	in.Command = "component " + action
	in.Component, in.Policy = c, c.Policy
	in.Values = append(args, in.Values...)
	return ""
}

func (b *Bot) security(in *middleware.Interaction, eventType string, sev audit.Severity, attempted string) {
	b.log.Warn("Security event", "eventType", eventType, "userId", in.User.ID, "guildId", in.GuildID, "attempted", attempted)
	if b.opts.Events != nil {
		b.opts.Events.Security(audit.SecurityEvent{EventType: eventType, Severity: sev, GuildID: in.GuildID,
			ActorID: in.User.ID, Attempted: attempted})
	}
}

// commandPath joins the command and its subcommand group and subcommand.
func commandPath(d discordgo.ApplicationCommandInteractionData) string {
	path := d.Name
	opts := d.Options
	for len(opts) == 1 && (opts[0].Type == discordgo.ApplicationCommandOptionSubCommand ||
		opts[0].Type == discordgo.ApplicationCommandOptionSubCommandGroup) {
		path += " " + opts[0].Name
		opts = opts[0].Options
	}
	return path
}

// flatten puts the leaf options into out with Go types: string, int64,
// bool, or a user id string.
func flatten(opts []*discordgo.ApplicationCommandInteractionDataOption, out map[string]any) {
	for _, o := range opts {
		switch o.Type {
		case discordgo.ApplicationCommandOptionSubCommand, discordgo.ApplicationCommandOptionSubCommandGroup:
			flatten(o.Options, out)
		case discordgo.ApplicationCommandOptionInteger:
			if f, ok := o.Value.(float64); ok {
				out[o.Name] = int64(f)
			} else {
				out[o.Name] = o.Value
			}
		default:
			out[o.Name] = o.Value
		}
	}
}

// contextTarget reads what a context-menu command was used on into in
// (TargetID, and TargetMessage for a message) and returns the command's type.
func contextTarget(d discordgo.ApplicationCommandInteractionData, in *middleware.Interaction) middleware.CommandType {
	in.TargetID = d.TargetID
	if d.CommandType == discordgo.UserApplicationCommand {
		return middleware.UserCommand
	}
	if d.Resolved != nil {
		if m := d.Resolved.Messages[d.TargetID]; m != nil {
			tm := &middleware.Message{ID: m.ID, ChannelID: m.ChannelID, Content: m.Content, Webhook: m.WebhookID != ""}
			if tm.ChannelID == "" {
				tm.ChannelID = in.ChannelID
			}
			if m.Author != nil {
				tm.Author = middleware.User{ID: m.Author.ID, Username: m.Author.Username, Bot: m.Author.Bot}
			}
			in.TargetMessage = tm
		}
	}
	return middleware.MessageCommand
}

func resolve(r *discordgo.ApplicationCommandInteractionDataResolved, out map[string]middleware.User) {
	if r == nil {
		return
	}
	for id, u := range r.Users {
		mu := middleware.User{ID: id, Username: u.Username, Bot: u.Bot}
		if m, ok := r.Members[id]; ok && m != nil {
			mu.Member = &middleware.Membership{Roles: m.Roles, Permissions: m.Permissions}
		}
		out[id] = mu
	}
}

func modalValues(rows []discordgo.MessageComponent) map[string]string {
	out := map[string]string{}
	for _, row := range rows {
		ar, ok := row.(*discordgo.ActionsRow)
		if !ok {
			continue
		}
		for _, c := range ar.Components {
			if ti, ok := c.(*discordgo.TextInput); ok {
				out[ti.CustomID] = ti.Value
			}
		}
	}
	return out
}
