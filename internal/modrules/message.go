package modrules

import (
	"fmt"
	"slices"

	"github.com/embodied-community/embodied/internal/moderation"
	"github.com/embodied-community/embodied/internal/store"
)

// MessageAction is what a channel message matching a category gets from
// message moderation (SECOPS_MODERATE_MESSAGES).
type MessageAction string

// Message actions, mildest first.
const (
	// MessageFlag flags the message for review and leaves it in place.
	MessageFlag MessageAction = "flag"
	// MessageDelete deletes the message and flags it; the excerpt stays in
	// the review queue as evidence.
	MessageDelete MessageAction = "delete"
	// MessageStrike deletes and flags the message and gives its author a
	// strike (the warning system's ladder and safe mode apply).
	MessageStrike MessageAction = "strike"
)

// MessageActions lists the message actions, mildest first.
var MessageActions = []MessageAction{MessageFlag, MessageDelete, MessageStrike}

// Valid reports whether a is a known message action.
func (a MessageAction) Valid() bool { return slices.Contains(MessageActions, a) }

// MaxExemptChannels caps a guild's exempt channels, as AutoMod does (50).
const MaxExemptChannels = 50

// MessageAction is what a message with verdict v gets: the strongest of
// the guild's choices for the categories it matched (flag unless chosen
// otherwise).
func (g *Guild) MessageAction(v moderation.Verdict) MessageAction {
	rank := func(c moderation.Category) int {
		a, ok := g.messages[c]
		if !ok {
			return 0
		}
		return slices.Index(MessageActions, a)
	}
	best := rank(v.Category)
	for _, m := range v.Matches {
		best = max(best, rank(m.Category))
	}
	return MessageActions[max(best, 0)]
}

// ChannelExempt reports whether messages in channelID are left unchecked.
func (g *Guild) ChannelExempt(channelID string) bool {
	return slices.Contains(g.exemptChannels, channelID)
}

// SetMessageAction sets what a channel message matching cat gets.
func SetMessageAction(cat moderation.Category, a MessageAction) *Change {
	return &Change{
		Summary: fmt.Sprintf("messages in category %s: %s", cat, a),
		Details: map[string]any{"category": string(cat), "messageAction": string(a)},
		apply: func(r *Rules) error {
			if !cat.Valid() {
				return inputf("unknown category %q", cat)
			}
			if !a.Valid() {
				return inputf("unknown message action %q: use flag, delete or strike", a)
			}
			s := r.Setting(cat)
			s.Message = a
			r.put(s)
			return nil
		},
		write: with(store.Tx.PutModerationMessageAction, store.ModerationCategory{Category: string(cat), MessageAction: string(a)}),
	}
}

// channels is the rules' list of exempt channels.
var channels = exemptList{noun: "channel", mention: "<#%s>", key: "channelId", max: MaxExemptChannels,
	list: func(r *Rules) *[]string { return &r.ExemptChannels }}

// ExemptChannel stops checking the messages of a channel.
func ExemptChannel(channelID string) *Change {
	return channels.add(channelID, store.Tx.AddModerationExemptChannel)
}

// UnexemptChannel checks a channel's messages again.
func UnexemptChannel(channelID string) *Change {
	return channels.remove(channelID, store.Tx.DeleteModerationExemptChannel)
}
