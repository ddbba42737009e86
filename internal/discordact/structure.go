package discordact

import (
	"context"
	"fmt"
	"slices"

	"github.com/bwmarrin/discordgo"

	"github.com/embodied-community/embodied/internal/guildsnap"
)

var _ guildsnap.Discord = (*Discord)(nil)

// BotPermissions returns the bot's guild permissions as Discord computes
// them (Administrator implies every one) and its highest role's position.
func (d *Discord) BotPermissions(ctx context.Context, guildID string) (int64, int, error) {
	botID := d.botID()
	m, err := d.member(ctx, guildID, botID)
	if err != nil {
		return 0, 0, err
	}
	roles, err := d.roles(ctx, guildID)
	if err != nil {
		return 0, 0, err
	}
	var perms int64
	top := 0
	for _, r := range roles {
		if r.ID == guildID || slices.Contains(m.Roles, r.ID) {
			perms |= r.Permissions
		}
		if slices.Contains(m.Roles, r.ID) {
			top = max(top, r.Position)
		}
	}
	if perms&discordgo.PermissionAdministrator != 0 {
		perms = discordgo.PermissionAll
	}
	return perms, top, nil
}

// CreateRole creates a role as r describes it (its position is set by
// MoveRoles).
func (d *Discord) CreateRole(ctx context.Context, guildID string, r guildsnap.Role, auditReason string) (string, error) {
	created, err := d.s.GuildRoleCreate(guildID, &discordgo.RoleParams{Name: r.Name, Color: &r.Color, Hoist: &r.Hoist,
		Permissions: &r.Permissions, Mentionable: &r.Mentionable}, discordgo.WithContext(ctx), discordgo.WithAuditLogReason(auditReason))
	if err != nil {
		return "", classify("create role "+r.Name, err)
	}
	return created.ID, nil
}

// MoveRoles sets the roles' positions (Modify Guild Role Positions).
func (d *Discord) MoveRoles(ctx context.Context, guildID string, positions map[string]int, auditReason string) error {
	type move struct {
		ID       string `json:"id"`
		Position int    `json:"position"`
	}
	body := make([]move, 0, len(positions))
	for id, p := range positions {
		body = append(body, move{ID: id, Position: p})
	}
	slices.SortFunc(body, func(a, b move) int { return a.Position - b.Position })
	ep := discordgo.EndpointGuildRoles(guildID)
	if _, err := d.s.RequestWithBucketID("PATCH", ep, body, ep, discordgo.WithContext(ctx), discordgo.WithAuditLogReason(auditReason)); err != nil {
		return classify(fmt.Sprintf("move %d roles", len(body)), err)
	}
	return nil
}

// CreateChannel creates a channel as c describes it.
func (d *Discord) CreateChannel(ctx context.Context, guildID string, c guildsnap.Channel, auditReason string) (string, error) {
	ows := make([]*discordgo.PermissionOverwrite, len(c.Overwrites))
	for i, o := range c.Overwrites {
		ows[i] = &discordgo.PermissionOverwrite{ID: o.ID, Type: discordgo.PermissionOverwriteType(o.Type), Allow: o.Allow, Deny: o.Deny}
	}
	created, err := d.s.GuildChannelCreateComplex(guildID, discordgo.GuildChannelCreateData{Name: c.Name, Type: discordgo.ChannelType(c.Type),
		Topic: c.Topic, RateLimitPerUser: c.Slowmode, Position: c.Position, PermissionOverwrites: ows, ParentID: c.ParentID, NSFW: c.NSFW},
		discordgo.WithContext(ctx), discordgo.WithAuditLogReason(auditReason))
	if err != nil {
		return "", classify("create channel "+c.Name, err)
	}
	return created.ID, nil
}
