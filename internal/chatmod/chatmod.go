// Package chatmod is message moderation (SECOPS_MODERATE_MESSAGES): it
// checks what members post and edit in a guild's channels with the guild's
// rules and the moderation engine, and does what the guild chose for the
// category matched: flag the message for review (the default), delete and
// flag it, or delete it, flag it and give its author a strike through the
// warning system (so safe mode and the ladder apply). The bot is the actor
// of every action, and every action is audited.
//
// Discord stays at the edge: the gateway handler (internal/bot) hands the
// Service plain Events, and the one Discord call it makes, deleting a
// message, goes through the narrow Deleter (internal/discordact).
package chatmod

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/embodied-community/embodied/internal/audit"
	"github.com/embodied-community/embodied/internal/logging"
	"github.com/embodied-community/embodied/internal/middleware/moderator"
	"github.com/embodied-community/embodied/internal/moderation"
	"github.com/embodied-community/embodied/internal/modrules"
	"github.com/embodied-community/embodied/internal/store"
	"github.com/embodied-community/embodied/internal/strike"
)

// Content types of message flags (content_flags.content_type).
const (
	ContentMessage     = "message"
	ContentMessageEdit = "message_edit"
)

// Event is a message posted or edited in a guild channel, as plain values.
type Event struct {
	GuildID   string
	ChannelID string
	MessageID string
	AuthorID  string
	// AuthorBot is set for bots and webhooks, which are not moderated.
	AuthorBot bool
	// Roles are the author's roles in the guild.
	Roles   []string
	Content string
	// Edited is set for an edit (MESSAGE_UPDATE), which is checked anew.
	Edited bool
}

// Rules gives a guild's compiled rules (*modrules.Service).
type Rules interface {
	Checker(ctx context.Context, guildID string) *modrules.Guild
}

// Flags stores flags in the review queue (*store.Store).
type Flags interface {
	AddFlag(ctx context.Context, f store.ContentFlag) error
}

// Deleter deletes a message in one Discord call, with an audit-log reason
// (discordact.Discord).
type Deleter interface {
	DeleteMessage(ctx context.Context, channelID, messageID, reason string) error
}

// Striker gives strikes (*strike.Service).
type Striker interface {
	Warn(ctx context.Context, req strike.WarnRequest) (strike.WarnResult, error)
}

// Auditor records what the moderator did (*audit.Writer).
type Auditor interface {
	Audit(e audit.Entry)
}

var (
	_ Rules   = (*modrules.Service)(nil)
	_ Flags   = (*store.Store)(nil)
	_ Striker = (*strike.Service)(nil)
	_ Auditor = (*audit.Writer)(nil)
)

// Options configures a Service.
type Options struct {
	// Bot returns the bot's user id and name, the actor of every action
	// (known once the gateway is ready).
	Bot    func() (id, name string)
	Logger *slog.Logger
	// OnFlag is called for every flag (metrics).
	OnFlag func(category string)
	// OnDecision is called once a message is decided: skipped, found
	// clean, or deleted as chosen and flagged (before any strike).
	OnDecision func(Event, Decision)
}

// Service moderates messages.
type Service struct {
	rules   Rules
	flags   Flags
	deleter Deleter
	strikes Striker
	audit   Auditor
	opts    Options
	log     *slog.Logger
}

// New returns a Service. strikes may be nil (the strike action then
// deletes and flags). It tags opts.Logger with its component,
// MessageModerator.
func New(rules Rules, flags Flags, deleter Deleter, strikes Striker, auditor Auditor, opts Options) *Service {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Bot == nil {
		opts.Bot = func() (string, string) { return "", "" }
	}
	return &Service{rules: rules, flags: flags, deleter: deleter, strikes: strikes, audit: auditor, opts: opts,
		log: logging.Component(opts.Logger, "MessageModerator")}
}

// Skip says why a message was not checked.
type Skip string

// Reasons a message is not checked.
const (
	SkipNone    Skip = ""
	SkipBot     Skip = "bot"
	SkipEmpty   Skip = "empty"
	SkipChannel Skip = "exempt channel"
	SkipRole    Skip = "exempt role"
)

// Decision is what became of a message.
type Decision struct {
	Skip    Skip
	Verdict moderation.Verdict
	// Action is the guild's choice for the verdict (flagged messages).
	Action modrules.MessageAction
	// Deleted: Discord deleted the message.
	Deleted bool
	// Strike is the warning given (strike action), nil otherwise.
	Strike *strike.WarnResult
}

// Handle checks one message and carries out the guild's choice. The message
// is deleted first (one Discord call), then flagged with whether it was
// deleted, then its author struck; a deletion or strike that fails leaves
// the flag for a human and is logged and audited, and only the flag's
// failure is returned.
func (s *Service) Handle(ctx context.Context, ev Event) (Decision, error) {
	d, err := s.decide(ctx, ev)
	if err != nil {
		return d, err
	}
	if s.opts.OnDecision != nil {
		s.opts.OnDecision(ev, d)
	}
	if d.Action == modrules.MessageStrike && s.strikes != nil {
		botID, botName := s.opts.Bot()
		d.Strike = s.strike(ctx, ev, botID, botName, d.Verdict)
	}
	return d, nil
}

// decide checks the message, deletes it when the guild chose so, and flags
// it.
func (s *Service) decide(ctx context.Context, ev Event) (Decision, error) {
	if ev.AuthorBot {
		return Decision{Skip: SkipBot}, nil
	}
	if strings.TrimSpace(ev.Content) == "" {
		return Decision{Skip: SkipEmpty}, nil
	}
	g := s.rules.Checker(ctx, ev.GuildID)
	switch {
	case g.ChannelExempt(ev.ChannelID):
		return Decision{Skip: SkipChannel}, nil
	case g.Exempt(ev.Roles):
		return Decision{Skip: SkipRole}, nil
	}
	d := Decision{Verdict: g.Check(ev.Content)}
	if !d.Verdict.Flagged {
		return d, nil
	}
	d.Action = g.MessageAction(d.Verdict)
	v := d.Verdict
	botID, _ := s.opts.Bot()
	reason := fmt.Sprintf("Message moderation: %s (%s, %s)", v.Reason, v.Category, v.Severity)
	if d.Action != modrules.MessageFlag {
		d.Deleted = s.delete(ctx, ev, botID, reason)
	}
	contentType := ContentMessage
	if ev.Edited {
		contentType = ContentMessageEdit
	}
	category := string(v.Category)
	err := s.flags.AddFlag(ctx, store.ContentFlag{GuildID: ev.GuildID, UserID: ev.AuthorID, ContentType: contentType,
		FlagReason: v.Reason, Category: &category, Severity: v.Severity.String(), Excerpt: moderator.Excerpt(ev.Content, v),
		MatchedTerm: moderator.MatchedTerm(ev.Content, v), ChannelID: &ev.ChannelID, MessageID: &ev.MessageID, MessageDeleted: d.Deleted})
	if err != nil {
		return d, fmt.Errorf("flag message %s: %w", ev.MessageID, err)
	}
	s.log.Info("Content flagged", "userId", ev.AuthorID, "guildId", ev.GuildID, "channelId", ev.ChannelID, "messageId", ev.MessageID,
		"contentType", contentType, "flagReason", v.Reason, "category", category, "severity", v.Severity.String(),
		"action", string(d.Action), "deleted", d.Deleted)
	if s.opts.OnFlag != nil {
		s.opts.OnFlag(category)
	}
	s.audit.Audit(audit.Entry{GuildID: ev.GuildID, ActionType: "message-flag", ActorID: botID, TargetID: ev.AuthorID, Reason: reason,
		Details: map[string]any{"channelId": ev.ChannelID, "messageId": ev.MessageID, "contentType": contentType, "category": category,
			"severity": v.Severity.String(), "messageAction": string(d.Action), "messageDeleted": d.Deleted}})
	return d, nil
}

// delete removes the message and audits the outcome; it reports whether
// Discord deleted it.
func (s *Service) delete(ctx context.Context, ev Event, botID, reason string) bool {
	err := s.deleter.DeleteMessage(ctx, ev.ChannelID, ev.MessageID, reason)
	details := map[string]any{"channelId": ev.ChannelID, "messageId": ev.MessageID, "ok": err == nil}
	if err != nil {
		s.log.Warn("Could not delete a flagged message; it stays flagged for review", "guildId", ev.GuildID,
			"channelId", ev.ChannelID, "messageId", ev.MessageID, "error", err)
		details["error"] = err.Error()
	}
	s.audit.Audit(audit.Entry{GuildID: ev.GuildID, ActionType: "message-delete", ActorID: botID, TargetID: ev.AuthorID, Reason: reason,
		Details: details})
	return err == nil
}

// strike gives the author a strike for the message, once per message (a
// redelivered event is recognised by the message id, which the reason also
// names: the warning system takes the same reason from the same moderator
// moments apart for a double submit).
func (s *Service) strike(ctx context.Context, ev Event, botID, botName string, v moderation.Verdict) *strike.WarnResult {
	reason := fmt.Sprintf("Message %s in <#%s> flagged: %s (%s)", ev.MessageID, ev.ChannelID, v.Reason, v.Category)
	res, err := s.strikes.Warn(ctx, strike.WarnRequest{GuildID: ev.GuildID, InteractionID: "message:" + ev.MessageID,
		ModeratorID: botID, ModeratorName: botName, UserID: ev.AuthorID, Reason: reason, Severity: strike.Severity(v.Severity.String()),
		Audit: audit.Entry{Details: map[string]any{"source": "message moderation", "channelId": ev.ChannelID, "messageId": ev.MessageID}}})
	if err != nil {
		// A refusal (an administrator, someone above the bot) or a failure:
		// the flag waits for a human, and the record says why.
		s.log.Warn("No strike for a flagged message", "userId", ev.AuthorID, "guildId", ev.GuildID, "messageId", ev.MessageID, "error", err)
		s.audit.Audit(audit.Entry{GuildID: ev.GuildID, ActionType: "message-strike", ActorID: botID, TargetID: ev.AuthorID, Reason: reason,
			Details: map[string]any{"channelId": ev.ChannelID, "messageId": ev.MessageID, "ok": false, "error": err.Error()}})
		return nil
	}
	return &res
}
