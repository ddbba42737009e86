package automod

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/embodied-community/embodied/internal/audit"
	"github.com/embodied-community/embodied/internal/moderation"
	"github.com/embodied-community/embodied/internal/store"
	"github.com/embodied-community/embodied/internal/strike"
)

// ContentType is the review-queue content type of AutoMod's flags.
const ContentType = "automod"

// dedupWindow: executions of one rule on one message arrive together (one
// event per action). A blocked message has no id, so its key is its
// member, channel and match (and its text with Message Content): without
// Message Content, the same member blocked twice by one keyword in one
// channel within this window makes one entry (and one strike).
const dedupWindow = 10 * time.Second

// maxExcerpt is content_flags.excerpt's limit.
const maxExcerpt = 500

// Execution is an AUTO_MODERATION_ACTION_EXECUTION event.
type Execution struct {
	GuildID, RuleID, UserID, ChannelID string
	// MessageID is empty when the message was blocked.
	MessageID string
	// ActionType is the action this event reports (1 block, 2 alert, 3
	// timeout).
	ActionType int
	// Content and MatchedContent are empty without the Message Content
	// intent; MatchedKeyword is always there.
	Content, MatchedKeyword, MatchedContent string
}

// HandleExecution records an AutoMod execution in the review queue, once
// per message and rule although Discord sends one event per action, with
// its audit record, and gives a strike when the guild enabled them.
// Executions of rules the bot does not own are recorded too: they are the
// guild's own AutoMod.
func (s *Service) HandleExecution(ctx context.Context, e Execution) error {
	st, err := s.db.AutoModSettings(ctx, e.GuildID)
	if err != nil {
		return err
	}
	name, owned := s.ruleName(ctx, e.GuildID, e.RuleID)
	f := store.ContentFlag{GuildID: e.GuildID, UserID: e.UserID, ContentType: ContentType, Severity: "medium",
		FlagReason: fmt.Sprintf("Discord AutoMod: rule %q matched `%s`", name, e.MatchedKeyword)}
	if e.MatchedKeyword != "" {
		f.MatchedTerm = &e.MatchedKeyword
	}
	if owned {
		if cat, sev, ok := s.keywordLabel(ctx, e.GuildID, e.MatchedKeyword); ok {
			c := string(cat)
			f.Category, f.Severity = &c, sev.String()
		}
	}
	f.Excerpt = excerpt(e, name)
	if e.ChannelID != "" {
		f.ChannelID = &e.ChannelID
	}
	if e.MessageID != "" {
		f.MessageID = &e.MessageID
	}
	entry := audit.Entry{GuildID: e.GuildID, ActionType: "automod-execution", ActorID: audit.SystemActor, TargetID: e.UserID,
		Reason: f.FlagReason, Details: map[string]any{"ruleId": e.RuleID, "ruleName": name, "ownRule": owned, "action": e.ActionType,
			"channelId": e.ChannelID, "messageId": e.MessageID, "blocked": e.MessageID == ""}}
	now := s.opts.Now()
	id, err := s.db.AddAutoModFlag(ctx, store.AutoModExecution{RuleID: e.RuleID, Key: executionKey(e), Window: dedupWindow,
		Flag: f, Audit: entry}, now)
	if errors.Is(err, store.ErrNotFound) {
		s.log.Debug("AutoMod execution already recorded", "guildId", e.GuildID, "ruleId", e.RuleID, "action", e.ActionType)
		return nil
	}
	if err != nil {
		return err
	}
	s.log.Info("AutoMod execution flagged for review", "guildId", e.GuildID, "userId", e.UserID, "ruleId", e.RuleID, "flagId", id)
	if !st.StrikeOnExecution || s.opts.Strikes == nil {
		return nil
	}
	return s.strike(ctx, e, id, f)
}

// strike gives the member a strike for flag id, through the warning system
// (the ladder and safe mode apply), with the bot as moderator.
func (s *Service) strike(ctx context.Context, e Execution, id int64, f store.ContentFlag) error {
	bot := s.opts.BotID()
	reason := fmt.Sprintf("Discord AutoMod (flag #%d): %s", id, strings.TrimPrefix(f.FlagReason, "Discord AutoMod: "))
	entry := audit.Entry{GuildID: e.GuildID, ActionType: "warn", ActorID: bot, TargetID: e.UserID, Reason: reason,
		Details: map[string]any{"flagId": id, "source": ContentType}}
	_, err := s.opts.Strikes.Warn(ctx, strike.WarnRequest{GuildID: e.GuildID, InteractionID: fmt.Sprintf("automod-flag-%d", id),
		ModeratorID: bot, ModeratorName: "AutoMod", UserID: e.UserID, Reason: reason, Severity: strike.Severity(f.Severity), Audit: entry})
	var refused *strike.RefusalError
	if errors.As(err, &refused) {
		s.log.Info("AutoMod strike not given", "guildId", e.GuildID, "userId", e.UserID, "flagId", id, "reason", refused.Error())
		return nil
	}
	if err != nil {
		return fmt.Errorf("strike for automod flag %d: %w", id, err)
	}
	return nil
}

// ruleName names rule id and says whether the bot owns it: the bot's rules
// by their recorded name, others by the name last seen (NoteRule), else by
// id.
func (s *Service) ruleName(ctx context.Context, guildID, ruleID string) (name string, owned bool) {
	records, err := s.db.AutoModRules(ctx, guildID)
	if err == nil {
		for _, r := range records {
			if r.RuleID == ruleID {
				return r.Name, true
			}
		}
	}
	s.mu.Lock()
	name = s.names[guildID+"\x00"+ruleID]
	s.mu.Unlock()
	if name == "" {
		name = "AutoMod rule " + ruleID
	}
	return name, false
}

// keywordLabel returns the category and severity the guild gave keyword.
func (s *Service) keywordLabel(ctx context.Context, guildID, keyword string) (moderation.Category, moderation.Severity, bool) {
	r, err := s.opts.Rules(ctx, guildID)
	if err != nil {
		return "", 0, false
	}
	for _, k := range r.Keywords {
		if k.Pattern == strings.ToLower(keyword) {
			cat, sev := k.Category, k.Severity
			if cat == "" {
				cat = moderation.CategoryProfanity
			}
			if sev == 0 {
				sev = moderation.SeverityMedium
			}
			return cat, sev, true
		}
	}
	return "", 0, false
}

// excerpt is the content when Discord sent it (Message Content intent),
// else the matched keyword, else the rule's name.
func excerpt(e Execution, ruleName string) string {
	text := e.Content
	switch {
	case text != "":
	case e.MatchedKeyword != "":
		text = "matched keyword: " + e.MatchedKeyword
	default:
		text = ruleName
	}
	if r := []rune(text); len(r) > maxExcerpt {
		text = string(r[:maxExcerpt])
	}
	return text
}

// executionKey names the message of e: its id, or for a blocked message a
// hash of its member, channel and match (no text is stored).
func executionKey(e Execution) string {
	if e.MessageID != "" {
		return e.MessageID
	}
	sum := sha256.Sum256([]byte(e.UserID + "\x00" + e.ChannelID + "\x00" + e.MatchedKeyword + "\x00" + e.MatchedContent + "\x00" + e.Content))
	return "blocked-" + hex.EncodeToString(sum[:16])
}
