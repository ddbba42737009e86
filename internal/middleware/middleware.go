// Package middleware is the command pipeline's core, shaped like net/http:
// a Handler serves one Interaction, a Middleware wraps a Handler, and Chain
// composes them. Commands are declared here (Spec, Component), resolved once
// per interaction by the bot and carried on it; option validation
// (Validate), recovery (Recover) and the innermost handler (Dispatch) live
// here too. The SecOps layers (rate limiter, permission guard, content
// moderator, audit logger) live in sub-packages, one each. Nothing here
// imports discordgo: replies are view types the bot renders.
package middleware

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sort"
	"strings"
	"time"

	"github.com/embodied-community/embodied/internal/audit"
	"github.com/embodied-community/embodied/internal/logging"
	"github.com/embodied-community/embodied/internal/store"
	"github.com/embodied-community/embodied/internal/textcut"
	"github.com/embodied-community/embodied/internal/view"
)

// Level is who may run a command.
type Level int

// Permission levels, lowest first.
const (
	Member Level = iota
	Moderator
	Admin
	Owner
)

// String names the level.
func (l Level) String() string {
	return [...]string{"member", "moderator", "admin", "owner"}[l]
}

// Discord permission bits the guard reads from the interaction payload.
const (
	PermAdministrator   int64 = 1 << 3
	PermManageGuild     int64 = 1 << 5
	PermModerateMembers int64 = 1 << 40
	PermBanMembers      int64 = 1 << 2
)

// Limit is a per-user, per-command rate: Burst calls, refilled evenly over
// Per. The zero Limit means the default.
type Limit struct {
	Burst int
	Per   time.Duration
}

// Moderated names a free-text option the content moderator scans, and the
// content_type its flags are stored under.
type Moderated struct {
	Option      string
	ContentType string
}

// Effect says how an audited action changes the world, which decides how
// its audit record is written.
type Effect int

// Effects.
const (
	// NoAudit: not an audited action.
	NoAudit Effect = iota
	// DatabaseOnly: the handler writes the record in its own transaction
	// (store.Tx.Audit with In.AuditEntry()).
	DatabaseOnly
	// External: the action reaches outside the database (Discord, files),
	// so its intent is recorded before and its outcome after.
	External
)

// Policy is what the middleware needs to know about a command; it comes
// from the command's declaration.
type Policy struct {
	Level      Level
	Limit      Limit
	Moderated  []Moderated
	ActionType string // audit_log action_type, e.g. "adjust-xp"
	Effect     Effect
	Ephemeral  bool // replies are visible to the caller only
	GuildOnly  bool
}

// Kind of interaction.
type Kind int

// Interaction kinds.
const (
	KindCommand Kind = iota
	KindComponent
	KindModal
)

// User is a Discord user as the pipeline sees it.
type User struct {
	ID       string
	Username string
	Bot      bool
	// Member is set when the user is a member of the interaction's guild.
	Member *Membership
}

// Message is a channel message as the pipeline sees it.
type Message struct {
	ID, ChannelID, Content string
	Author                 User
	// Webhook: posted by a webhook (or an interaction response), not by a
	// member.
	Webhook bool
}

// Membership is a user's membership in the interaction's guild.
type Membership struct {
	Roles       []string
	Permissions int64
}

// Interaction is one slash command, button click or modal submit on its way
// through the pipeline.
type Interaction struct {
	ID, Token          string
	Kind               Kind
	GuildID, ChannelID string
	User               User
	Permissions        int64  // the caller's permissions in the channel
	AppPermissions     int64  // the bot's
	Command            string // "barbie add", "security warn"
	Options            map[string]any
	Resolved           map[string]User
	CustomID           string
	Values             []string
	// TargetID is the member or message a context-menu command was used
	// on; the member is in Resolved.
	TargetID string
	// TargetMessage is the message a message command was used on, as the
	// interaction carried it (with its content, Message Content intent or
	// not).
	TargetMessage       *Message
	ModalValues         map[string]string
	AttachmentSizeLimit int64
	Locale              string
	Received            time.Time

	// Spec is the command's declaration, resolved once by the bot; nil for
	// a component, whose declaration is Component.
	Spec      *Spec
	Component *Component
	// Policy is the declaration's policy.
	Policy Policy

	// What a layer hands on to later ones, each in its typed place.
	// Caller is the caller's effective level, set by the permission guard.
	Caller Level
	// Flags is what the content moderator flagged.
	Flags []Flag
	// Outcome is set by a layer that answered and stopped the pipeline;
	// the bot counts it.
	Outcome Outcome
	// details are the audit details handlers add (Detail), read by the
	// audit logger (AuditDetails).
	details map[string]any

	Log   *slog.Logger // the bot's logger, for handlers
	Reply Responder
}

// Outcome is why the pipeline stopped before the handler.
type Outcome string

// Outcomes, as the interaction metrics name them.
const (
	OutcomeRateLimited Outcome = "rate_limited"
	OutcomeDenied      Outcome = "denied"
	OutcomeRefused     Outcome = "refused"
	OutcomeFlagged     Outcome = "flagged"
)

// Detail adds key to the audit record of the interaction's action.
func (in *Interaction) Detail(key string, value any) {
	if in.details == nil {
		in.details = map[string]any{}
	}
	in.details[key] = value
}

// AuditDetails returns a copy of the details handlers added with Detail.
func (in *Interaction) AuditDetails() map[string]any {
	out := make(map[string]any, len(in.details))
	for k, v := range in.details {
		out[k] = v
	}
	return out
}

// Flag is one piece of flagged text.
type Flag struct {
	Option, ContentType, Reason, Category, Severity string
}

// String returns the option's value, or "".
func (in *Interaction) String(name string) string {
	s, _ := in.Options[name].(string)
	return s
}

// Int returns the option's value and whether it was given.
func (in *Interaction) Int(name string) (int64, bool) {
	n, ok := in.Options[name].(int64)
	return n, ok
}

// Bool returns the option's value, or def when absent.
func (in *Interaction) Bool(name string, def bool) bool {
	b, ok := in.Options[name].(bool)
	if !ok {
		return def
	}
	return b
}

// Target returns the user named by a user option.
func (in *Interaction) Target(name string) (User, bool) {
	id, ok := in.Options[name].(string)
	if !ok {
		return User{}, false
	}
	u, ok := in.Resolved[id]
	if !ok {
		u = User{ID: id}
	}
	return u, true
}

// Response is what the bot shows the caller, in plain view types that the
// bot package renders. On an update, an empty (non-nil) Embeds or
// Components clears the message's embeds or buttons, where nil leaves them
// to Discord's default.
type Response struct {
	Content    string
	Embeds     []view.Embed
	Components []view.Row
	Files      []view.File
	// Modal opens a form instead of sending a message; it can only be the
	// first response to a command or a button (not to a modal's submit).
	Modal     *view.Modal
	Ephemeral bool
	// Update edits the message a component was clicked on instead of
	// sending a new one.
	Update bool
}

// Responder answers an interaction; the bot layer implements it over
// discordgo, deferring automatically before Discord's 3-second limit.
type Responder interface {
	// Defer acknowledges now and lets Respond follow up later.
	Defer(ctx context.Context, ephemeral bool) error
	// Respond sends the initial response, or the follow-up after a deferral.
	Respond(ctx context.Context, r Response) error
	// Followup sends a further message after the first response.
	Followup(ctx context.Context, r Response) error
	// Edit replaces the first response (for progress on long work).
	Edit(ctx context.Context, r Response) error
}

// Handler serves one interaction.
type Handler func(ctx context.Context, in *Interaction) error

// Dispatch runs the interaction's declared handler: the command's, after
// acknowledging at once when its Spec says Defer (its database calls then
// wait up to DeferredDatabaseWait), or the component's. It is
// the innermost handler of the chain.
func Dispatch(ctx context.Context, in *Interaction) error {
	switch {
	case in.Spec != nil:
		if in.Spec.Defer {
			if err := in.Reply.Defer(ctx, in.Policy.Ephemeral); err != nil {
				return fmt.Errorf("defer: %w", err)
			}
			ctx = store.WithWait(ctx, DeferredDatabaseWait)
		}
		return in.Spec.Handle(ctx, in)
	case in.Component != nil:
		return in.Component.Handle(ctx, in)
	}
	return Errorf(MsgUnknown)
}

// Middleware wraps a Handler.
type Middleware func(Handler) Handler

// Chain composes middleware so that the first listed runs first.
func Chain(h Handler, mws ...Middleware) Handler {
	for i := len(mws) - 1; i >= 0; i-- {
		h = mws[i](h)
	}
	return h
}

// UserError is an error whose message is meant for the caller, as is.
// When Event is set, the refusal is also a security event: an attempt that
// legitimate use never makes (a target outside the guild, a value outside
// the limits Discord enforces, someone else's record).
type UserError struct {
	Message string
	Event   *audit.SecurityEvent
}

func (e *UserError) Error() string { return e.Message }

// Errorf returns a UserError.
func Errorf(format string, args ...any) error {
	return &UserError{Message: fmt.Sprintf(format, args...)}
}

// Refuse returns a UserError that is also recorded as a security event of
// eventType, naming targetID (may be "") and what was attempted.
func Refuse(eventType string, severity audit.Severity, targetID, format string, args ...any) error {
	return &UserError{Message: fmt.Sprintf(format, args...),
		Event: &audit.SecurityEvent{EventType: eventType, Severity: severity, TargetID: targetID}}
}

// EventSink records security events (audit.Writer).
type EventSink interface {
	Security(audit.SecurityEvent)
}

// Send sends r as the interaction's response, ephemeral when the command's
// policy says so.
func (in *Interaction) Send(ctx context.Context, r Response) error {
	r.Ephemeral = r.Ephemeral || in.Policy.Ephemeral
	return in.Reply.Respond(ctx, r)
}

// Say sends a plain text response.
func (in *Interaction) Say(ctx context.Context, format string, args ...any) error {
	return in.Send(ctx, Response{Content: fmt.Sprintf(format, args...)})
}

// Recover turns a handler's panic or unexpected error into an ephemeral
// "something went wrong (ref XXXX)" reply, with the details logged under the
// same ref; a UserError is shown as is, and an unreachable database
// (store.Unavailable) as MsgDatabaseUnavailable. Nothing reaches the gateway loop.
// It tags logger with the component Bot.
func Recover(logger *slog.Logger, events EventSink) Middleware {
	logger = logging.Component(logger, "Bot")
	return func(next Handler) Handler {
		return func(ctx context.Context, in *Interaction) (err error) {
			defer func() {
				if p := recover(); p != nil {
					err = fmt.Errorf("panic: %v\n%s", p, debug.Stack())
				}
				if err == nil {
					return
				}
				var ue *UserError
				if errors.As(err, &ue) {
					if ue.Event != nil && events != nil {
						ev := *ue.Event
						ev.GuildID, ev.ActorID = in.GuildID, in.User.ID
						ev.Attempted = in.Attempted()
						ev.Details = map[string]any{"refusal": ue.Message}
						logger.Warn("Security event", "eventType", ev.EventType, "userId", in.User.ID,
							"guildId", in.GuildID, "targetId", ev.TargetID, "attempted", ev.Attempted)
						events.Security(ev)
					}
					if rerr := in.Reply.Respond(ctx, Response{Content: ue.Message, Ephemeral: true}); rerr != nil {
						logger.Warn("Could not send an error reply", "error", rerr)
					}
					err = nil
					return
				}
				if store.Unavailable(err) {
					logger.Warn("Database unavailable: interaction answered with the outage message", "userId", in.User.ID,
						"guildId", in.GuildID, "commandName", in.Command, "customId", in.CustomID, "error", err)
					if rerr := in.Reply.Respond(ctx, Response{Content: MsgDatabaseUnavailable, Ephemeral: true}); rerr != nil {
						logger.Warn("Could not send an error reply", "error", rerr)
					}
					err = nil
					return
				}
				ref := NewRef()
				logger.Error("Interaction failed", "ref", ref, "userId", in.User.ID, "guildId", in.GuildID,
					"commandName", in.Command, "customId", in.CustomID, "error", err)
				msg := fmt.Sprintf("❌ Something went wrong (ref %s). The team can look it up in the logs.", ref)
				if rerr := in.Reply.Respond(ctx, Response{Content: msg, Ephemeral: true}); rerr != nil {
					logger.Warn("Could not send an error reply", "ref", ref, "error", rerr)
				}
				err = nil
			}()
			return next(ctx, in)
		}
	}
}

// Attempted describes what the caller tried, for security events:
// "/security audit limit=1000000000" or "component flag-dismiss|…".
func (in *Interaction) Attempted() string {
	if in.Kind != KindCommand {
		return "component " + in.CustomID
	}
	var b strings.Builder
	b.WriteString("/" + in.Command)
	keys := make([]string, 0, len(in.Options))
	for k := range in.Options {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := fmt.Sprint(in.Options[k])
		if cut := textcut.Bytes(v, 40); cut != v {
			v = cut + "…"
		}
		fmt.Fprintf(&b, " %s=%s", k, v)
	}
	return b.String()
}

// NewRef returns a short reference that ties a user-facing error to its log
// line.
func NewRef() string {
	var b [3]byte
	_, _ = rand.Read(b[:])
	return strings.ToUpper(hex.EncodeToString(b[:]))
}
