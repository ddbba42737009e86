// Package guildsnap keeps a snapshot of each guild's roles and channels,
// updated from gateway events, so that what a compromised admin deleted in
// a burst (an incident) can be listed and recreated as it was: roles first,
// with only the permissions the bot may grant, then categories, then
// channels with their parent, their permission overwrites (a deleted role's
// pointing at its recreation) and their positions. Messages are not kept.
package guildsnap

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/embodied-community/embodied/internal/store"
)

// DefaultBurstGap is how far apart two deletions may be and still belong to
// the same incident: the latest incident is the latest deletion and every
// earlier one reached from it by steps of at most this gap.
const DefaultBurstGap = 10 * time.Minute

// Channel types the recreation orders by (Discord's values).
const (
	ChannelTypeCategory = 4
	overwriteRole       = 0
	permAdministrator   = 1 << 3
	permManageRoles     = 1 << 28
)

// ActionRecreate is the audit action type of one recreated role or channel.
const ActionRecreate = "guild_recreate"

// Role is a role's state as the snapshot keeps it.
type Role struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Permissions int64  `json:"permissions,string"`
	Color       int    `json:"color"`
	Hoist       bool   `json:"hoist"`
	Mentionable bool   `json:"mentionable"`
	Position    int    `json:"position"`
	Managed     bool   `json:"managed,omitempty"`
}

// Overwrite is a channel's permission overwrite for a role (Type 0) or a
// member (Type 1).
type Overwrite struct {
	ID    string `json:"id"`
	Type  int    `json:"type"`
	Allow int64  `json:"allow,string"`
	Deny  int64  `json:"deny,string"`
}

// Channel is a channel's state as the snapshot keeps it.
type Channel struct {
	ID         string      `json:"id"`
	Type       int         `json:"type"`
	Name       string      `json:"name"`
	Position   int         `json:"position"`
	ParentID   string      `json:"parentId,omitempty"`
	Topic      string      `json:"topic,omitempty"`
	NSFW       bool        `json:"nsfw,omitempty"`
	Slowmode   int         `json:"slowmode,omitempty"`
	Overwrites []Overwrite `json:"overwrites,omitempty"`
}

// Discord is what the recreation needs of Discord; every change carries its
// audit-log reason.
type Discord interface {
	// BotPermissions returns the bot's guild permissions and the position
	// of its highest role.
	BotPermissions(ctx context.Context, guildID string) (perms int64, top int, err error)
	CreateRole(ctx context.Context, guildID string, r Role, auditReason string) (string, error)
	MoveRoles(ctx context.Context, guildID string, positions map[string]int, auditReason string) error
	CreateChannel(ctx context.Context, guildID string, c Channel, auditReason string) (string, error)
}

// Options configure a Service.
type Options struct {
	// BurstGap defaults to DefaultBurstGap.
	BurstGap time.Duration
	Now      func() time.Time
	Logger   *slog.Logger
}

// Service keeps the snapshot and recreates an incident's deletions.
type Service struct {
	st      *store.Store
	discord Discord
	opts    Options
}

// New returns a Service.
func New(st *store.Store, discord Discord, opts Options) *Service {
	if opts.BurstGap <= 0 {
		opts.BurstGap = DefaultBurstGap
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{st: st, discord: discord, opts: opts}
}

func object(guildID, kind, id string, state any, at time.Time) store.SnapshotObject {
	raw, _ := json.Marshal(state) // plain structs: cannot fail
	return store.SnapshotObject{GuildID: guildID, Kind: kind, ObjectID: id, State: raw, UpdatedAt: at}
}

// GuildLoaded records a guild's whole structure (GUILD_CREATE); what the
// snapshot knew and the guild no longer has was deleted meanwhile.
func (s *Service) GuildLoaded(ctx context.Context, guildID string, roles []Role, channels []Channel) error {
	now := s.opts.Now()
	objs := make([]store.SnapshotObject, 0, len(roles)+len(channels))
	for _, r := range roles {
		objs = append(objs, object(guildID, store.SnapshotRole, r.ID, r, now))
	}
	for _, c := range channels {
		objs = append(objs, object(guildID, store.SnapshotChannel, c.ID, c, now))
	}
	return s.st.ReplaceSnapshot(ctx, guildID, objs, now)
}

// RoleChanged records a created or updated role.
func (s *Service) RoleChanged(ctx context.Context, guildID string, r Role) error {
	return s.st.SaveSnapshot(ctx, object(guildID, store.SnapshotRole, r.ID, r, s.opts.Now()))
}

// ChannelChanged records a created or updated channel.
func (s *Service) ChannelChanged(ctx context.Context, guildID string, c Channel) error {
	return s.st.SaveSnapshot(ctx, object(guildID, store.SnapshotChannel, c.ID, c, s.opts.Now()))
}

// RoleDeleted keeps a deleted role's last state; by is "" when unknown.
func (s *Service) RoleDeleted(ctx context.Context, guildID, roleID, by string) error {
	return s.st.MarkSnapshotDeleted(ctx, store.SnapshotObject{GuildID: guildID, Kind: store.SnapshotRole, ObjectID: roleID}, by, s.opts.Now())
}

// ChannelDeleted keeps a deleted channel's last state (c is what the
// deletion event carried); by is "" when unknown.
func (s *Service) ChannelDeleted(ctx context.Context, guildID string, c Channel, by string) error {
	return s.st.MarkSnapshotDeleted(ctx, object(guildID, store.SnapshotChannel, c.ID, c, time.Time{}), by, s.opts.Now())
}

// Deletion is a deleted role (Role set) or channel (Channel set).
type Deletion struct {
	Role        *Role
	Channel     *Channel
	DeletedAt   time.Time
	DeletedBy   string
	RecreatedID string
}

// Incident is the latest burst of deletions in a guild, roles then
// channels (categories first), each by position.
type Incident struct {
	Roles    []Deletion
	Channels []Deletion
	// Start and End are the first and last deletion.
	Start, End time.Time
}

// snapshot is a guild's snapshot decoded: the latest incident, and what
// every deleted role was recreated as.
type snapshot struct {
	incident  Incident
	recreated map[string]string // old role or channel id -> new id
	live      map[string]bool
}

func (s *Service) load(ctx context.Context, guildID string) (snapshot, error) {
	objs, err := s.st.Snapshot(ctx, guildID)
	if err != nil {
		return snapshot{}, err
	}
	sn := snapshot{recreated: map[string]string{}, live: map[string]bool{}}
	var last time.Time
	for _, o := range objs { // most recently deleted first
		if o.DeletedAt == nil {
			sn.live[o.ObjectID] = true
			continue
		}
		if string(o.State) == "{}" { // a role deleted before its creation was handled
			continue
		}
		if o.RecreatedID != nil {
			sn.recreated[o.ObjectID] = *o.RecreatedID
		}
		if !last.IsZero() && last.Sub(*o.DeletedAt) > s.opts.BurstGap {
			continue
		}
		last = *o.DeletedAt
		d := Deletion{DeletedAt: last, DeletedBy: deref(o.DeletedBy), RecreatedID: deref(o.RecreatedID)}
		if o.Kind == store.SnapshotRole {
			d.Role = new(Role)
			err = json.Unmarshal(o.State, d.Role)
			sn.incident.Roles = append(sn.incident.Roles, d)
		} else {
			d.Channel = new(Channel)
			err = json.Unmarshal(o.State, d.Channel)
			sn.incident.Channels = append(sn.incident.Channels, d)
		}
		if err != nil {
			return snapshot{}, fmt.Errorf("decode snapshot of %s %s: %w", o.Kind, o.ObjectID, err)
		}
		if sn.incident.End.IsZero() {
			sn.incident.End = last
		}
		sn.incident.Start = last
	}
	slices.SortStableFunc(sn.incident.Roles, func(a, b Deletion) int { return cmp.Compare(a.Role.Position, b.Role.Position) })
	slices.SortStableFunc(sn.incident.Channels, func(a, b Deletion) int {
		return cmp.Or(cmp.Compare(rank(a.Channel), rank(b.Channel)), cmp.Compare(a.Channel.Position, b.Channel.Position))
	})
	return sn, nil
}

// Report returns the guild's latest incident (empty when nothing was
// deleted).
func (s *Service) Report(ctx context.Context, guildID string) (Incident, error) {
	sn, err := s.load(ctx, guildID)
	return sn.incident, err
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// rank puts categories before the channels they parent.
func rank(c *Channel) int {
	if c.Type == ChannelTypeCategory {
		return 0
	}
	return 1
}
