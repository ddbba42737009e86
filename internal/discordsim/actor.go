package discordsim

import (
	"fmt"
	"strconv"

	"github.com/bwmarrin/discordgo"
)

// actorCheckLocked applies Discord's rules for a member (not the bot) acting in the
// client: the permission, and for a target member or role, a strictly higher top role
// (the owner may do anything).
func (g *Guild) actorCheckLocked(actor string, perm int64, targetPosition int) error {
	if actor == g.OwnerID {
		return nil
	}
	if g.permsLocked(actor)&perm == 0 {
		return fmt.Errorf("%w: %s lacks permission %d", ErrMissingPermissions, actor, perm)
	}
	if targetPosition >= 0 && g.topPositionLocked(actor) <= targetPosition {
		return fmt.Errorf("%w: %s does not outrank position %d", ErrMissingPermissions, actor, targetPosition)
	}
	return nil
}

// memberPositionLocked is the top role position of a member target, or -1 when the
// target is not a member; the owner outranks everyone.
func (g *Guild) memberPositionLocked(target string) int {
	if target == g.OwnerID {
		return 1 << 30
	}
	if g.members[target] == nil {
		return -1
	}
	return g.topPositionLocked(target)
}

// actorGuildLocked is the guild the member acts in.
func (m *Member) actorGuildLocked() *Guild { return m.s.guildByID[m.GuildID] }

// Ban bans target as the member does in Discord's client: GUILD_BAN_ADD,
// GUILD_MEMBER_REMOVE and an audit log entry (MEMBER_BAN_ADD) with the member as actor.
func (m *Member) Ban(target, reason string) error {
	s := m.s
	s.mu.Lock()
	g := m.actorGuildLocked()
	if err := g.actorCheckLocked(m.ID(), discordgo.PermissionBanMembers, g.memberPositionLocked(target)); err != nil {
		s.mu.Unlock()
		return fmt.Errorf("ban %s: %w", target, err)
	}
	now := s.clock.Now()
	g.bans[target] = BanRecord{UserID: target, Reason: reason, At: now}
	_, wasMember := g.members[target]
	delete(g.members, target)
	u := copyUser(s.users[target])
	s.auditLocked(g, AuditEntry{UserID: m.ID(), Action: "ban", TargetID: target, Reason: reason})
	s.mu.Unlock()
	s.gw.dispatch(s, s.shardFor(g.ID), "GUILD_BAN_ADD", map[string]any{"guild_id": g.ID, "user": u})
	if wasMember {
		s.gw.dispatch(s, s.shardFor(g.ID), "GUILD_MEMBER_REMOVE", map[string]any{"guild_id": g.ID, "user": u})
	}
	return nil
}

// Kick removes target as the member does in Discord's client: GUILD_MEMBER_REMOVE and
// an audit log entry (MEMBER_KICK).
func (m *Member) Kick(target, reason string) error {
	s := m.s
	s.mu.Lock()
	g := m.actorGuildLocked()
	pos := g.memberPositionLocked(target)
	if pos < 0 {
		s.mu.Unlock()
		return fmt.Errorf("kick %s: not a member", target)
	}
	if err := g.actorCheckLocked(m.ID(), discordgo.PermissionKickMembers, pos); err != nil {
		s.mu.Unlock()
		return fmt.Errorf("kick %s: %w", target, err)
	}
	delete(g.members, target)
	u := copyUser(s.users[target])
	s.auditLocked(g, AuditEntry{UserID: m.ID(), Action: "kick", TargetID: target, Reason: reason})
	s.mu.Unlock()
	s.gw.dispatch(s, s.shardFor(g.ID), "GUILD_MEMBER_REMOVE", map[string]any{"guild_id": g.ID, "user": u})
	return nil
}

// CreateWebhook creates a webhook in channelID as the member does in the channel's
// integrations settings: WEBHOOKS_UPDATE and an audit log entry (WEBHOOK_CREATE) whose
// target is the new webhook. It returns the webhook's ID.
func (m *Member) CreateWebhook(channelID, name string) (string, error) {
	s := m.s
	s.mu.Lock()
	g := m.actorGuildLocked()
	if err := g.actorCheckLocked(m.ID(), discordgo.PermissionManageWebhooks, -1); err != nil {
		s.mu.Unlock()
		return "", fmt.Errorf("create webhook: %w", err)
	}
	id := s.newID()
	s.auditLocked(g, AuditEntry{UserID: m.ID(), Action: "webhook-create", TargetID: id,
		Changes: []AuditChange{{Key: "name", NewValue: name}, {Key: "channel_id", NewValue: channelID}, {Key: "type", NewValue: 1}}})
	s.mu.Unlock()
	s.gw.dispatch(s, s.shardFor(g.ID), "WEBHOOKS_UPDATE", map[string]any{"guild_id": g.ID, "channel_id": channelID})
	return id, nil
}

// SetRolePermissions replaces a role's permissions as the member does in the role
// settings (e.g. granting Administrator): Discord requires Manage Roles, a role below
// the member's highest, and no permission the member lacks. GUILD_ROLE_UPDATE and an
// audit log entry (ROLE_UPDATE) with the "permissions" change follow.
func (m *Member) SetRolePermissions(roleID string, perms int64) error {
	s := m.s
	s.mu.Lock()
	g := m.actorGuildLocked()
	r := g.roleLocked(roleID)
	if r == nil {
		s.mu.Unlock()
		return fmt.Errorf("role %s: unknown role", roleID)
	}
	err := g.actorCheckLocked(m.ID(), discordgo.PermissionManageRoles, r.Position)
	if err == nil && perms&^g.permsLocked(m.ID()) != 0 {
		err = fmt.Errorf("%w: cannot grant permissions it lacks", ErrMissingPermissions)
	}
	if err != nil {
		s.mu.Unlock()
		return fmt.Errorf("role %s permissions: %w", roleID, err)
	}
	old := r.Permissions
	r.Permissions = perms
	payload := map[string]any{"guild_id": g.ID, "role": copyRole(r)}
	s.auditLocked(g, AuditEntry{UserID: m.ID(), Action: "role-update", TargetID: r.ID,
		Changes: []AuditChange{{Key: "permissions", OldValue: strconv.FormatInt(old, 10), NewValue: strconv.FormatInt(perms, 10)}}})
	s.mu.Unlock()
	s.gw.dispatch(s, s.shardFor(g.ID), "GUILD_ROLE_UPDATE", payload)
	return nil
}

// GiveRole adds roleID to target as the member does in the client: Manage Roles and a
// role below the member's highest. GUILD_MEMBER_UPDATE and an audit log entry
// (MEMBER_ROLE_UPDATE, change "$add") follow.
func (m *Member) GiveRole(target, roleID string) error {
	s := m.s
	s.mu.Lock()
	g := m.actorGuildLocked()
	r, ms := g.roleLocked(roleID), g.members[target]
	if r == nil || ms == nil {
		s.mu.Unlock()
		return fmt.Errorf("give role %s to %s: unknown role or member", roleID, target)
	}
	if err := g.actorCheckLocked(m.ID(), discordgo.PermissionManageRoles, r.Position); err != nil {
		s.mu.Unlock()
		return fmt.Errorf("give role %s to %s: %w", roleID, target, err)
	}
	ms.roles = append(ms.roles, r.ID)
	payload := g.memberPayloadLocked(ms)
	payload.GuildID = g.ID
	s.auditLocked(g, AuditEntry{UserID: m.ID(), Action: "role-add", TargetID: target,
		Changes: []AuditChange{{Key: "$add", NewValue: []map[string]string{{"id": r.ID, "name": r.Name}}}}})
	s.mu.Unlock()
	s.gw.dispatch(s, s.shardFor(g.ID), "GUILD_MEMBER_UPDATE", payload)
	return nil
}

// AddBot authorizes a new bot into the guild as the member does through an OAuth2
// invite (Manage Server): GUILD_MEMBER_ADD and an audit log entry (BOT_ADD).
func (m *Member) AddBot(spec UserSpec) (*Member, error) {
	s := m.s
	s.mu.Lock()
	g := m.actorGuildLocked()
	if err := g.actorCheckLocked(m.ID(), discordgo.PermissionManageGuild, -1); err != nil {
		s.mu.Unlock()
		return nil, fmt.Errorf("add bot: %w", err)
	}
	spec.Bot = true
	u := s.newUserLocked(spec)
	ms := g.addMemberLocked(u, spec)
	payload := g.memberPayloadLocked(ms)
	payload.GuildID = g.ID
	s.auditLocked(g, AuditEntry{UserID: m.ID(), Action: "bot-add", TargetID: u.ID})
	s.mu.Unlock()
	s.gw.dispatch(s, s.shardFor(g.ID), "GUILD_MEMBER_ADD", payload)
	return &Member{GuildID: g.ID, User: copyUser(u), s: s}, nil
}
