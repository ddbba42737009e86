// Package antinuke detects a member destroying a guild — a compromised admin deleting
// channels and roles, banning members, creating webhooks, handing out dangerous
// permissions or adding bots — from Discord's audit log stream, and plans how to
// contain them. It counts, per guild and actor, each kind of destructive action in a
// sliding window; a count above the kind's limit is a breach. It knows nothing of
// discordgo: the edge translates GUILD_AUDIT_LOG_ENTRY_CREATE into an Action.
package antinuke

import (
	"fmt"
	"slices"
	"sync"
	"time"
)

// Kind is a kind of destructive action, counted on its own.
type Kind string

// The kinds of destructive action.
const (
	ChannelDelete  Kind = "channel-delete"
	RoleDelete     Kind = "role-delete"
	MemberRemove   Kind = "ban-kick" // bans and kicks together
	WebhookCreate  Kind = "webhook-create"
	DangerousGrant Kind = "dangerous-grant" // a role given, or a member given a role with, dangerous permissions
	BotAdd         Kind = "bot-add"
)

// Kinds lists every kind in display order.
var Kinds = []Kind{ChannelDelete, RoleDelete, MemberRemove, WebhookCreate, DangerousGrant, BotAdd}

// ParseKind returns the kind named s.
func ParseKind(s string) (Kind, error) {
	if k := Kind(s); slices.Contains(Kinds, k) {
		return k, nil
	}
	return "", fmt.Errorf("unknown anti-nuke kind %q", s)
}

// Limit is how many actions of a kind an actor may take within Window; one more is a
// breach.
type Limit struct {
	Count  int
	Window time.Duration
}

// DefaultLimits are the limits a guild has until it changes them. They let a busy
// moderator work (a few bans in a minute, a channel reorganisation over some minutes)
// but stop a script, which deletes or bans dozens in seconds.
var DefaultLimits = map[Kind]Limit{
	ChannelDelete:  {Count: 3, Window: time.Minute},
	RoleDelete:     {Count: 3, Window: time.Minute},
	MemberRemove:   {Count: 5, Window: time.Minute},
	WebhookCreate:  {Count: 3, Window: time.Minute},
	DangerousGrant: {Count: 2, Window: 5 * time.Minute},
	BotAdd:         {Count: 2, Window: 5 * time.Minute},
}

// Action is one destructive audit log entry.
type Action struct {
	EntryID  string // the audit log entry's snowflake: unique, and carries At
	GuildID  string
	ActorID  string
	TargetID string
	Kind     Kind
	At       time.Time
}

// Breach is an actor exceeding a kind's limit: the actions in the window, oldest
// first, the last being the one that broke it.
type Breach struct {
	GuildID string
	ActorID string
	Kind    Kind
	Limit   Limit
	Actions []Action
}

// Detector counts actions per guild, actor and kind. It ignores entries created
// before it started (the budget counts only what happened since the bot last
// started) and entries it has already seen (a replayed or duplicated delivery). It is
// safe for concurrent use.
type Detector struct {
	start time.Time

	mu      sync.Mutex
	windows map[windowKey][]Action
	seen    map[string]time.Time // entry ID → At, pruned past the longest window
	longest time.Duration
	latest  time.Time // the newest entry seen
}

type windowKey struct {
	guildID, actorID string
	kind             Kind
}

// NewDetector returns a detector counting entries created at or after start.
func NewDetector(start time.Time) *Detector {
	return &Detector{start: start, windows: map[windowKey][]Action{}, seen: map[string]time.Time{}}
}

// Observe counts a and reports a breach of limit. A breach empties the actor's window
// for the kind, so the next breach needs a full new run of actions.
func (d *Detector) Observe(a Action, limit Limit) (Breach, bool) {
	if a.At.Before(d.start) {
		return Breach{}, false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, dup := d.seen[a.EntryID]; dup {
		return Breach{}, false
	}
	d.longest = max(d.longest, limit.Window)
	if a.At.After(d.latest) {
		d.latest = a.At
	}
	if !a.At.After(d.latest.Add(-d.longest)) {
		return Breach{}, false // older than every window: it may be a forgotten replay
	}
	d.seen[a.EntryID] = a.At
	d.pruneSeenLocked()
	k := windowKey{a.GuildID, a.ActorID, a.Kind}
	w := append(d.windows[k], a)
	w = slices.DeleteFunc(w, func(x Action) bool { return !x.At.After(d.latest.Add(-limit.Window)) })
	if len(w) <= limit.Count {
		d.windows[k] = w
		return Breach{}, false
	}
	delete(d.windows, k)
	return Breach{GuildID: a.GuildID, ActorID: a.ActorID, Kind: a.Kind, Limit: limit, Actions: w}, true
}

// pruneSeenLocked forgets entry IDs older than any window: a replay of one of them
// could not breach a limit anyway, since its time is outside every window.
func (d *Detector) pruneSeenLocked() {
	if len(d.seen) < 1024 {
		return
	}
	for id, at := range d.seen {
		if !at.After(d.latest.Add(-d.longest)) {
			delete(d.seen, id)
		}
	}
}
