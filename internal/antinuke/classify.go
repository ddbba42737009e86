package antinuke

import "strconv"

// Discord permission bits (discord.com/developers/docs/topics/permissions) that let a
// member destroy or take over a guild.
const (
	PermKickMembers     int64 = 1 << 1
	PermBanMembers      int64 = 1 << 2
	PermAdministrator   int64 = 1 << 3
	PermManageChannels  int64 = 1 << 4
	PermManageGuild     int64 = 1 << 5
	PermMentionEveryone int64 = 1 << 17
	PermManageRoles     int64 = 1 << 28
	PermManageWebhooks  int64 = 1 << 29
	PermModerateMembers int64 = 1 << 40
)

// Dangerous is every permission whose grant anti-nuke counts and whose roles
// containment removes.
const Dangerous = PermAdministrator | PermManageGuild | PermManageRoles | PermManageChannels |
	PermBanMembers | PermKickMembers | PermManageWebhooks | PermModerateMembers | PermMentionEveryone

// Discord's audit log action types that anti-nuke reads.
const (
	auditChannelDelete    = 12
	auditMemberKick       = 20
	auditMemberBanAdd     = 22
	auditMemberRoleUpdate = 25
	auditBotAdd           = 28
	auditRoleUpdate       = 31
	auditRoleDelete       = 32
	auditWebhookCreate    = 50
)

// Entry is the part of an audit log entry that classification reads.
type Entry struct {
	ActionType int
	// OldPermissions and NewPermissions are a ROLE_UPDATE's "permissions" change
	// (decimal strings in Discord's payload; "" when absent).
	OldPermissions, NewPermissions string
	// AddedRolePermissions is the union of the permissions of the roles a
	// MEMBER_ROLE_UPDATE adds ("$add"), looked up by the edge.
	AddedRolePermissions int64
}

// Classify returns the destructive kind of an audit log entry, or false for an
// entry anti-nuke does not count.
func Classify(e Entry) (Kind, bool) {
	switch e.ActionType {
	case auditChannelDelete:
		return ChannelDelete, true
	case auditRoleDelete:
		return RoleDelete, true
	case auditMemberKick, auditMemberBanAdd:
		return MemberRemove, true
	case auditWebhookCreate:
		return WebhookCreate, true
	case auditBotAdd:
		return BotAdd, true
	case auditMemberRoleUpdate:
		return DangerousGrant, e.AddedRolePermissions&Dangerous != 0
	case auditRoleUpdate:
		oldP, _ := strconv.ParseInt(e.OldPermissions, 10, 64)
		newP, err := strconv.ParseInt(e.NewPermissions, 10, 64)
		return DangerousGrant, err == nil && newP&^oldP&Dangerous != 0
	}
	return "", false
}
