package guildsnap

import (
	"context"
	"fmt"

	"github.com/embodied-community/embodied/internal/store"
)

// Result is what a recreation did: each line names a role or channel.
type Result struct {
	Created []string
	// Already lists what an earlier recreation made (a second click
	// creates nothing).
	Already []string
	// Limited lists what was recreated without something the bot may not
	// grant, and what could not be recreated at all.
	Limited []string
}

// Recreate recreates the latest incident's deleted roles and channels as
// they were, on actorID's request: roles first, with the permissions the
// bot may grant (Discord refuses others), then categories, then channels
// with their parent and overwrites, a deleted role's pointing at its
// recreation. Each step is an audit record, its Discord call carries
// reason. What was already recreated is not created again.
func (s *Service) Recreate(ctx context.Context, guildID, actorID, reason string) (Result, error) {
	sn, err := s.load(ctx, guildID)
	if err != nil {
		return Result{}, err
	}
	perms, top, err := s.discord.BotPermissions(ctx, guildID)
	if err != nil {
		return Result{}, fmt.Errorf("recreate in %s: %w", guildID, err)
	}
	admin := perms&permAdministrator != 0
	grantable := perms
	if admin {
		grantable = ^int64(0)
	}
	var res Result
	moves := map[string]int{}
	for _, d := range sn.incident.Roles {
		r := *d.Role
		label := "role @" + r.Name
		if d.RecreatedID != "" {
			res.Already = append(res.Already, label)
			continue
		}
		if r.Managed {
			res.Limited = append(res.Limited, label+": managed by an integration, Discord recreates it when the integration is added again")
			continue
		}
		if lack := r.Permissions &^ grantable; lack != 0 {
			r.Permissions &= grantable
			res.Limited = append(res.Limited, fmt.Sprintf("%s: without permissions %#x the bot does not hold", label, lack))
		}
		id, err := s.discord.CreateRole(ctx, guildID, r, reason)
		if err != nil {
			res.Limited = append(res.Limited, fmt.Sprintf("%s: %v", label, err))
			continue
		}
		if err := s.recorded(ctx, guildID, store.SnapshotRole, r.ID, id, actorID, reason, r.Name); err != nil {
			return res, err
		}
		sn.recreated[r.ID] = id
		res.Created = append(res.Created, label)
		if admin || r.Position < top {
			moves[id] = r.Position
		} else {
			res.Limited = append(res.Limited, label+": placed below the bot's highest role")
		}
	}
	if len(moves) > 0 {
		if err := s.discord.MoveRoles(ctx, guildID, moves, reason); err != nil {
			res.Limited = append(res.Limited, fmt.Sprintf("role positions: %v", err))
		}
	}
	for _, d := range sn.incident.Channels {
		c := *d.Channel
		label := "channel #" + c.Name
		if d.RecreatedID != "" {
			res.Already = append(res.Already, label)
			continue
		}
		c.ParentID = s.pointAt(sn, c.ParentID)
		c.Overwrites, res.Limited = s.overwrites(sn, c, grantable, admin, res.Limited)
		id, err := s.discord.CreateChannel(ctx, guildID, c, reason)
		if err != nil {
			res.Limited = append(res.Limited, fmt.Sprintf("%s: %v", label, err))
			continue
		}
		if err := s.recorded(ctx, guildID, store.SnapshotChannel, c.ID, id, actorID, reason, c.Name); err != nil {
			return res, err
		}
		sn.recreated[c.ID] = id
		res.Created = append(res.Created, label)
	}
	return res, nil
}

// pointAt is what id (a role or channel) is now: its recreation, itself if
// it still exists, or "" if it is gone.
func (s *Service) pointAt(sn snapshot, id string) string {
	if id == "" || sn.live[id] {
		return id
	}
	return sn.recreated[id]
}

// overwrites maps c's overwrites onto recreated roles, and keeps only what
// the bot may set (Discord refuses an overwrite with a permission the bot
// lacks, and MANAGE_ROLES in one without Administrator); the rest is noted
// in limited.
func (s *Service) overwrites(sn snapshot, c Channel, grantable int64, admin bool, limited []string) ([]Overwrite, []string) {
	if !admin {
		grantable &^= permManageRoles
	}
	out := make([]Overwrite, 0, len(c.Overwrites))
	for _, o := range c.Overwrites {
		if o.Type == overwriteRole && o.ID != "" && !sn.live[o.ID] {
			to := sn.recreated[o.ID]
			if to == "" {
				limited = append(limited, fmt.Sprintf("channel #%s: overwrite of deleted role %s dropped", c.Name, o.ID))
				continue
			}
			o.ID = to
		}
		if lack := (o.Allow | o.Deny) &^ grantable; lack != 0 {
			o.Allow &= grantable
			o.Deny &= grantable
			limited = append(limited, fmt.Sprintf("channel #%s: overwrite of %s without permissions %#x the bot does not hold", c.Name, o.ID, lack))
		}
		out = append(out, o)
	}
	return out, limited
}

// recorded marks oldID recreated as newID with its audit record.
func (s *Service) recorded(ctx context.Context, guildID, kind, oldID, newID, actorID, reason, name string) error {
	return s.st.MarkRecreated(ctx, guildID, kind, oldID, newID, store.AuditEntry{EventID: store.NewEventID(), GuildID: guildID,
		ActionType: ActionRecreate, ActorID: actorID, TargetID: newID, Reason: reason,
		Details: map[string]any{"kind": kind, "deletedId": oldID, "name": name}})
}
