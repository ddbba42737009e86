package discordact

import (
	"context"
	"slices"

	"github.com/bwmarrin/discordgo"

	"github.com/embodied-community/embodied/internal/antinuke"
)

// AntiNukeMember returns userID's roles (with permissions and positions) and whether
// they own the guild, for containment.
func (d *Discord) AntiNukeMember(ctx context.Context, guildID, userID string) (antinuke.Member, error) {
	g, err := d.Guild(ctx, guildID)
	if err != nil {
		return antinuke.Member{}, err
	}
	m, err := d.member(ctx, guildID, userID)
	if err != nil {
		return antinuke.Member{}, err
	}
	roles, err := d.roles(ctx, guildID)
	if err != nil {
		return antinuke.Member{}, err
	}
	out := antinuke.Member{UserID: userID, IsOwner: g.OwnerID == userID}
	for _, r := range roles {
		if slices.Contains(m.Roles, r.ID) {
			out.Roles = append(out.Roles, antinuke.Role{ID: r.ID, Name: r.Name, Permissions: r.Permissions, Position: r.Position})
		}
	}
	return out, nil
}

// AntiNukeBot returns the bot's guild permissions and highest role position.
func (d *Discord) AntiNukeBot(ctx context.Context, guildID string) (antinuke.Bot, error) {
	botID := d.botID()
	m, err := d.member(ctx, guildID, botID)
	if err != nil {
		return antinuke.Bot{}, err
	}
	roles, err := d.roles(ctx, guildID)
	if err != nil {
		return antinuke.Bot{}, err
	}
	var b antinuke.Bot
	for _, r := range roles {
		if r.ID == guildID || slices.Contains(m.Roles, r.ID) {
			b.Permissions |= r.Permissions
			if r.ID != guildID {
				b.TopPosition = max(b.TopPosition, r.Position)
			}
		}
	}
	return b, nil
}

// RolePermissions returns the union of the permissions of the roles roleIDs.
func (d *Discord) RolePermissions(ctx context.Context, guildID string, roleIDs []string) (int64, error) {
	roles, err := d.roles(ctx, guildID)
	if err != nil {
		return 0, err
	}
	var p int64
	for _, r := range roles {
		if slices.Contains(roleIDs, r.ID) {
			p |= r.Permissions
		}
	}
	return p, nil
}

// RemoveRole takes roleID from userID.
func (d *Discord) RemoveRole(ctx context.Context, guildID, userID, roleID, auditReason string) error {
	err := d.s.GuildMemberRoleRemove(guildID, userID, roleID, discordgo.WithContext(ctx), discordgo.WithAuditLogReason(auditReason))
	return classify("remove role "+roleID+" from "+userID, err)
}
