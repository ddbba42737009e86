package antinuke

import (
	"fmt"
	"slices"
)

// Role is a guild role as containment sees it.
type Role struct {
	ID          string
	Name        string
	Permissions int64
	Position    int
}

// Member is the actor to contain: their roles and whether they own the guild.
type Member struct {
	UserID  string
	IsOwner bool
	Roles   []Role
}

// Bot is what the bot may do in the guild: its permissions and highest role position.
type Bot struct {
	Permissions int64
	TopPosition int
}

// Plan is how to contain an actor: the dangerous roles to remove, whether to time
// them out, and, for whatever cannot be done, why (said in the alert).
type Plan struct {
	RemoveRoles []Role
	Timeout     bool
	// Kept are dangerous roles the bot cannot remove (at or above its highest role,
	// or it lacks Manage Roles).
	Kept []Role
	// Why says what the bot cannot do, or "" when the plan contains the actor fully.
	Why string
}

// Contains reports whether the plan does something.
func (p Plan) Contains() bool { return len(p.RemoveRoles) > 0 || p.Timeout }

// PlanContainment decides, as Discord's rules allow, how the bot contains m: remove
// each role carrying dangerous permissions that sits below the bot's highest role
// (Manage Roles needed); if a dangerous role stays, time the member out instead —
// possible only with Moderate Members, a member below the bot, and no Administrator
// left. The guild owner cannot be contained.
func PlanContainment(m Member, bot Bot) Plan {
	if m.IsOwner {
		return Plan{Why: "the guild owner cannot be contained by a bot"}
	}
	canManage := bot.Permissions&(PermManageRoles|PermAdministrator) != 0
	var p Plan
	top := 0
	for _, r := range m.Roles {
		top = max(top, r.Position)
		if r.Permissions&Dangerous == 0 {
			continue
		}
		if canManage && r.Position < bot.TopPosition {
			p.RemoveRoles = append(p.RemoveRoles, r)
		} else {
			p.Kept = append(p.Kept, r)
		}
	}
	if len(p.Kept) == 0 {
		return p
	}
	names := make([]string, len(p.Kept))
	for i, r := range p.Kept {
		names[i] = r.Name
	}
	keptAdmin := slices.ContainsFunc(p.Kept, func(r Role) bool { return r.Permissions&PermAdministrator != 0 })
	switch {
	case !canManage:
		p.Why = "the bot lacks Manage Roles"
	default:
		p.Why = fmt.Sprintf("roles %v are not below the bot's highest role", names)
	}
	switch {
	case bot.Permissions&(PermModerateMembers|PermAdministrator) == 0:
		p.Why += "; no timeout: the bot lacks Moderate Members"
	case top >= bot.TopPosition:
		p.Why += "; no timeout: the member's highest role is not below the bot's"
	case keptAdmin:
		p.Why += "; no timeout: Discord cannot time out an Administrator"
	default:
		p.Timeout = true
		p.Why += "; timed out instead"
	}
	return p
}
