package app

import (
	"context"
	"fmt"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/embodied-community/embodied/internal/antinuke"
	"github.com/embodied-community/embodied/internal/discordact"
)

// newAntiNuke builds anti-nuke: every GUILD_AUDIT_LOG_ENTRY_CREATE (Guild Moderation
// intent; Discord sends it only with View Audit Log) is counted per actor, and a
// breach contained and alerted to the guild's owner and mod log.
func (a *App) newAntiNuke(discord *discordact.Discord, alert func(ctx context.Context, guildID, text string) error) *antinuke.Service {
	now := a.opts.Now
	if now == nil {
		now = time.Now
	}
	svc := antinuke.New(a.Store, discord, a.Audit, antinuke.Options{Enforce: a.cfg.EnforceModeration, BotID: discord.BotID,
		Trusted: a.cfg.Owners, Start: now(), Alert: alert, Now: now, Logger: a.log})
	a.onGateway(func(_ *discordgo.Session, e *discordgo.GuildAuditLogEntryCreate) {
		if e.AuditLogEntry == nil || e.ActionType == nil {
			return
		}
		svc.HandleInBackground(auditLogEntry(e))
	})
	return svc
}

// auditLogEntry translates Discord's audit log entry for anti-nuke: the
// "permissions" change of a role update and the roles a member role update adds.
func auditLogEntry(e *discordgo.GuildAuditLogEntryCreate) antinuke.AuditLogEntry {
	out := antinuke.AuditLogEntry{ID: e.ID, GuildID: e.GuildID, UserID: e.UserID, TargetID: e.TargetID, ActionType: int(*e.ActionType)}
	for _, c := range e.Changes {
		if c == nil || c.Key == nil {
			continue
		}
		switch *c.Key {
		case discordgo.AuditLogChangeKeyPermissions:
			out.OldPermissions, out.NewPermissions = valueString(c.OldValue), valueString(c.NewValue)
		case discordgo.AuditLogChangeKeyRoleAdd:
			roles, _ := c.NewValue.([]any)
			for _, r := range roles {
				if m, ok := r.(map[string]any); ok {
					out.AddedRoleIDs = append(out.AddedRoleIDs, valueString(m["id"]))
				}
			}
		}
	}
	return out
}

func valueString(v any) string {
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}
