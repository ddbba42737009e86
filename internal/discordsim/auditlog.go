package discordsim

import (
	"fmt"
	"slices"
	"time"

	"github.com/bwmarrin/discordgo"
)

// Discord's audit log action types (discord.com/developers/docs/resources/audit-log,
// "Audit Log Events"), keyed by the emulator's short action names.
const (
	AuditGuildUpdate       = 1
	AuditChannelCreate     = 10
	AuditChannelUpdate     = 11
	AuditChannelDelete     = 12
	AuditOverwriteCreate   = 13
	AuditOverwriteUpdate   = 14
	AuditOverwriteDelete   = 15
	AuditMemberKick        = 20
	AuditMemberBanAdd      = 22
	AuditMemberBanRemove   = 23
	AuditMemberUpdate      = 24
	AuditMemberRoleUpdate  = 25
	AuditBotAdd            = 28
	AuditRoleCreate        = 30
	AuditRoleUpdate        = 31
	AuditRoleDelete        = 32
	AuditWebhookCreate     = 50
	AuditMessageDelete     = 72
	AuditAutoModRuleCreate = 140
	AuditAutoModRuleUpdate = 141
	AuditAutoModRuleDelete = 142
	AuditAutoModTimeout    = 145
)

// auditActionTypes maps the emulator's action names to Discord's action types.
var auditActionTypes = map[string]int{
	"guild-update":             AuditGuildUpdate,
	"channel-overwrite-create": AuditOverwriteCreate,
	"channel-overwrite-update": AuditOverwriteUpdate,
	"channel-overwrite-delete": AuditOverwriteDelete,
	"channel-create":           AuditChannelCreate,
	"channel-delete":           AuditChannelDelete,
	"channel-positions":        AuditChannelUpdate,
	"role-positions":           AuditRoleUpdate,
	"kick":                     AuditMemberKick,
	"ban":                      AuditMemberBanAdd,
	"unban":                    AuditMemberBanRemove,
	"timeout":                  AuditMemberUpdate,
	"untimeout":                AuditMemberUpdate,
	"member-update":            AuditMemberUpdate,
	"role-add":                 AuditMemberRoleUpdate,
	"role-remove":              AuditMemberRoleUpdate,
	"bot-add":                  AuditBotAdd,
	"role-create":              AuditRoleCreate,
	"role-update":              AuditRoleUpdate,
	"role-delete":              AuditRoleDelete,
	"webhook-create":           AuditWebhookCreate,
	"message-delete":           AuditMessageDelete,
	"automod-rule-create":      AuditAutoModRuleCreate,
	"automod-rule-update":      AuditAutoModRuleUpdate,
	"automod-rule-delete":      AuditAutoModRuleDelete,
	"automod-timeout":          AuditAutoModTimeout,
}

// AuditChange is one changed key of an audit log entry, as Discord's Audit Log Change
// object: the value before and after.
type AuditChange struct {
	Key      string `json:"key"`
	OldValue any    `json:"old_value,omitempty"`
	NewValue any    `json:"new_value,omitempty"`
}

// auditEntryPayload is Discord's Audit Log Entry object with the guild_id that the
// GUILD_AUDIT_LOG_ENTRY_CREATE event adds.
type auditEntryPayload struct {
	GuildID    string            `json:"guild_id"`
	ID         string            `json:"id"`
	UserID     *string           `json:"user_id"`
	TargetID   *string           `json:"target_id"`
	ActionType int               `json:"action_type"`
	Changes    []AuditChange     `json:"changes,omitempty"`
	Options    map[string]string `json:"options,omitempty"`
	Reason     string            `json:"reason,omitempty"`
}

// auditLocked is the one place an action enters a guild's audit log: it stamps the
// entry with a snowflake of the clock's time, its actor (the bot when the caller does
// not say) and Discord's action type, keeps it, and dispatches
// GUILD_AUDIT_LOG_ENTRY_CREATE — which Discord sends only to a bot with View Audit Log
// (and the Guild Moderation intent, filtered per session in forIntents). s.mu is held.
func (s *Server) auditLocked(g *Guild, e AuditEntry) {
	if e.At.IsZero() {
		e.At = s.clock.Now()
	}
	if e.UserID == "" {
		e.UserID = s.opts.ApplicationID
	}
	if e.ActionType == 0 {
		e.ActionType = auditActionTypes[e.Action]
	}
	e.ID = s.snowflakeAt(e.At)
	g.audit = append(g.audit, e)
	if g.permsLocked(s.opts.ApplicationID)&discordgo.PermissionViewAuditLogs == 0 {
		return
	}
	s.queueAuditLocked(g, auditPayload(g.ID, e))
}

// queueAuditLocked sends p after the caller releases s.mu: the gateway's lock is
// taken before s.mu elsewhere (IDENTIFY), so no event is sent while s.mu is held.
// Sends keep the order the entries were created in.
func (s *Server) queueAuditLocked(g *Guild, p auditEntryPayload) {
	g.auditOut = append(g.auditOut, p)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		g.auditSend.Lock()
		defer g.auditSend.Unlock()
		s.mu.Lock()
		out := g.auditOut
		g.auditOut = nil
		s.mu.Unlock()
		for _, p := range out {
			s.gw.dispatch(s, s.shardFor(g.ID), "GUILD_AUDIT_LOG_ENTRY_CREATE", p)
		}
	}()
}

func auditPayload(guildID string, e AuditEntry) auditEntryPayload {
	p := auditEntryPayload{GuildID: guildID, ID: e.ID, ActionType: e.ActionType, Changes: e.Changes, Options: e.Options, Reason: e.Reason}
	if e.UserID != "" {
		u := e.UserID
		p.UserID = &u
	}
	if e.TargetID != "" {
		t := e.TargetID
		p.TargetID = &t
	}
	return p
}

// snowflakeAt returns a unique snowflake whose timestamp is t, as Discord's IDs carry
// their creation time (bots read an entry's age from its ID).
func (s *Server) snowflakeAt(t time.Time) string {
	n := s.ids.Add(1)
	return fmt.Sprint((t.UnixMilli()-discordEpoch)<<22 | (n & 0x3fffff))
}

// ReplayAuditEntry sends GUILD_AUDIT_LOG_ENTRY_CREATE again for an entry already
// in the guild's log, as a resumed or duplicated delivery would.
func (s *Server) ReplayAuditEntry(guildID, entryID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.guildByID[guildID]
	if g == nil {
		return
	}
	i := slices.IndexFunc(g.audit, func(e AuditEntry) bool { return e.ID == entryID })
	if i < 0 {
		return
	}
	s.queueAuditLocked(g, auditPayload(g.ID, g.audit[i]))
}
