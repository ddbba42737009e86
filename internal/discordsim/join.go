package discordsim

// Members joining, and the guild's verification level, as Discord
// documents them:
//
//   - a user's creation time is the timestamp of its snowflake id,
//     (id >> 22) + 1420070400000 ms (Reference, "Snowflakes"): a UserSpec
//     with AccountAge gets an id minted at now − AccountAge, so that an
//     account's age is read as on Discord;
//   - GUILD_MEMBER_ADD (Gateway Events, "Guild Member Add") is a guild
//     member with an extra guild_id and its joined_at; it needs the
//     privileged GUILD_MEMBERS intent (gateway.go's forIntents);
//   - the guild's verification_level (0 NONE … 4 VERY_HIGH) is in
//     GUILD_CREATE and GET /guilds/{guild.id}; PATCH /guilds/{guild.id}
//     (Resources, "Guild", Modify Guild) needs MANAGE_GUILD (403, 50013),
//     changes it, answers the guild, dispatches GUILD_UPDATE and records
//     an audit entry with the X-Audit-Log-Reason.

import (
	"fmt"
	"net/http"
	"time"

	"github.com/bwmarrin/discordgo"
)

// idAtLocked returns a unique snowflake whose timestamp is t.
func (s *Server) idAtLocked(t time.Time) string {
	n := s.ids.Add(1)
	ms := t.UnixMilli() - discordEpoch
	return fmt.Sprint(ms<<22 | int64(n&0x3fffff))
}

// VerificationLevel is the guild's verification_level.
func (g *Guild) VerificationLevel() int {
	g.s.mu.Lock()
	defer g.s.mu.Unlock()
	return g.verification
}

// SetVerificationLevel changes the level as the owner would, in the
// client (no GUILD_UPDATE: for a test's starting point).
func (g *Guild) SetVerificationLevel(level int) {
	g.s.mu.Lock()
	defer g.s.mu.Unlock()
	g.verification = level
}

// manageGuild returns the request's guild when the bot holds MANAGE_GUILD
// there; it answers 404 or 403 otherwise.
func (s *Server) manageGuild(c *reqCtx, what string) *Guild {
	g := s.guildOr404(c)
	if g == nil {
		return nil
	}
	s.mu.Lock()
	ok := g.permsLocked(s.opts.ApplicationID)&discordgo.PermissionManageGuild != 0
	s.mu.Unlock()
	if !ok {
		s.missingPermissions(c, what+" needs MANAGE_GUILD")
		return nil
	}
	return g
}

// modifyGuild is PATCH /guilds/{guild.id}; of its fields only
// verification_level is kept.
func (s *Server) modifyGuild(c *reqCtx) {
	g := s.manageGuild(c, "modify guild")
	if g == nil {
		return
	}
	var body struct {
		VerificationLevel *int `json:"verification_level"`
	}
	if !c.decode(&body) {
		return
	}
	if v := body.VerificationLevel; v != nil {
		if *v < 0 || *v > 4 {
			c.formError(Violation{Rule: "verification_level", Message: fmt.Sprintf("verification_level %d is not 0–4", *v)})
			return
		}
		s.mu.Lock()
		if g.verification != *v {
			g.verification = *v
			s.auditLocked(g, AuditEntry{Action: "guild-update", TargetID: g.ID, Reason: c.auditReason()})
		}
		s.mu.Unlock()
	}
	p := s.guildPayload(g)
	delete(p, "members")
	delete(p, "channels")
	s.gw.dispatch(s, s.shardFor(g.ID), "GUILD_UPDATE", p)
	c.json(http.StatusOK, p)
}
