// Package discordact carries out the warning system's effects on Discord:
// it implements strike.Directory and strike.Effects over a discordgo
// Session, translating Discord's error codes into the strike package's
// errors. Member and role lookups use REST (GET guild, GET guild member) so
// that hierarchy and permission checks see Discord's current state, never a
// stale cache. It also words the members' DMs and renders mod-log posts:
// their lines, with members as mentions, and the signed Confirm ban button.
package discordact

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/embodied-community/embodied/internal/bot"
	"github.com/embodied-community/embodied/internal/strike"
)

// Discord error codes the warning system distinguishes.
const (
	codeUnknownMember      = 10007
	codeUnknownUser        = 10013
	codeUnknownBan         = 10026
	codeCannotDM           = 50007
	codeMissingPermissions = 50013
)

// Discord implements strike.Directory and strike.Effects.
type Discord struct {
	s      *discordgo.Session
	signer *bot.Signer
}

// New returns a Discord acting through s; signer signs the Confirm ban
// buttons of mod-log posts.
func New(s *discordgo.Session, signer *bot.Signer) *Discord { return &Discord{s: s, signer: signer} }

// ConfirmBanID returns the Confirm ban button's custom id, signed for c's
// guild and bound to its member, case and strike count.
func (d *Discord) ConfirmBanID(c strike.BanConfirmation) (string, error) {
	return d.signer.Sign(strike.ConfirmBanAction, c.GuildID, c.Args()...)
}

var (
	_ strike.Directory = (*Discord)(nil)
	_ strike.Effects   = (*Discord)(nil)
)

// classify maps a discordgo REST error to the strike package's errors,
// keeping Discord's message.
func classify(what string, err error) error {
	if err == nil {
		return nil
	}
	var re *discordgo.RESTError
	if errors.As(err, &re) {
		code := 0
		if re.Message != nil {
			code = re.Message.Code
		}
		switch {
		case code == codeCannotDM:
			return fmt.Errorf("%s: %w", what, strike.ErrDMClosed)
		case code == codeMissingPermissions || re.Response != nil && re.Response.StatusCode == http.StatusForbidden:
			return fmt.Errorf("%s: %w (Discord %d)", what, strike.ErrForbidden, code)
		case code == codeUnknownMember || code == codeUnknownBan || code == codeUnknownUser:
			return fmt.Errorf("%s: %w (Discord %d)", what, strike.ErrUnknown, code)
		}
	}
	return fmt.Errorf("%s: %w", what, err)
}

// Guild returns the guild's name and owner, and the bot's id.
func (d *Discord) Guild(ctx context.Context, guildID string) (strike.Guild, error) {
	g, err := d.s.Guild(guildID, discordgo.WithContext(ctx))
	if err != nil {
		return strike.Guild{}, classify("get guild "+guildID, err)
	}
	return strike.Guild{ID: g.ID, Name: g.Name, OwnerID: g.OwnerID, BotID: d.s.State.User.ID}, nil
}

// Member returns whether the user is a bot or an Administrator and the
// position of their highest role.
func (d *Discord) Member(ctx context.Context, guildID, userID string) (strike.Member, error) {
	m, err := d.s.GuildMember(guildID, userID, discordgo.WithContext(ctx))
	if err != nil {
		err = classify("get member "+userID, err)
		if errors.Is(err, strike.ErrUnknown) {
			return strike.Member{}, fmt.Errorf("%w: %w", strike.ErrNotMember, err)
		}
		return strike.Member{}, err
	}
	roles, err := d.s.GuildRoles(guildID, discordgo.WithContext(ctx))
	if err != nil {
		return strike.Member{}, classify("get roles of guild "+guildID, err)
	}
	out := strike.Member{UserID: userID, Bot: m.User != nil && m.User.Bot}
	var perms int64
	for _, r := range roles {
		if r.ID == guildID { // @everyone
			perms |= r.Permissions
			continue
		}
		for _, id := range m.Roles {
			if id == r.ID {
				perms |= r.Permissions
				out.TopPosition = max(out.TopPosition, r.Position)
			}
		}
	}
	// Discord's computation: Administrator implies every permission.
	out.Administrator = perms&discordgo.PermissionAdministrator != 0
	out.BanMembers = out.Administrator || perms&discordgo.PermissionBanMembers != 0
	out.ModerateMembers = out.Administrator || perms&discordgo.PermissionModerateMembers != 0
	return out, nil
}

// SendDM opens the member's DM channel and sends the DM, worded.
func (d *Discord) SendDM(ctx context.Context, dm strike.DM) error {
	ch, err := d.s.UserChannelCreate(dm.UserID, discordgo.WithContext(ctx))
	if err != nil {
		return classify("open DM with "+dm.UserID, err)
	}
	_, err = d.s.ChannelMessageSendComplex(ch.ID, &discordgo.MessageSend{Content: DMText(dm),
		AllowedMentions: &discordgo.MessageAllowedMentions{}}, discordgo.WithContext(ctx))
	return classify("DM "+dm.UserID, err)
}

// Timeout sets communication_disabled_until.
func (d *Discord) Timeout(ctx context.Context, guildID, userID string, until time.Time, auditReason string) error {
	u := until.UTC()
	err := d.s.GuildMemberTimeout(guildID, userID, &u, discordgo.WithContext(ctx), discordgo.WithAuditLogReason(auditReason))
	return classify("time out "+userID, err)
}

// Untimeout clears communication_disabled_until.
func (d *Discord) Untimeout(ctx context.Context, guildID, userID, auditReason string) error {
	err := d.s.GuildMemberTimeout(guildID, userID, nil, discordgo.WithContext(ctx), discordgo.WithAuditLogReason(auditReason))
	return classify("lift the timeout of "+userID, err)
}

// Ban bans the user without deleting their messages.
func (d *Discord) Ban(ctx context.Context, guildID, userID, auditReason string) error {
	body := map[string]int{"delete_message_seconds": 0}
	_, err := d.s.RequestWithBucketID(http.MethodPut, discordgo.EndpointGuildBan(guildID, userID), body,
		discordgo.EndpointGuildBan(guildID, ""), discordgo.WithContext(ctx), discordgo.WithAuditLogReason(auditReason))
	return classify("ban "+userID, err)
}

// Unban lifts the user's ban.
func (d *Discord) Unban(ctx context.Context, guildID, userID, auditReason string) error {
	err := d.s.GuildBanDelete(guildID, userID, discordgo.WithContext(ctx), discordgo.WithAuditLogReason(auditReason))
	return classify("unban "+userID, err)
}

// PostModLog posts the entry as an embed, worded.
func (d *Discord) PostModLog(ctx context.Context, e strike.LogEntry) error {
	color := 0xFEE75C
	if e.Severe {
		color = 0xED4245
	}
	title, lines := modLogText(e)
	msg := &discordgo.MessageSend{
		Embeds:          []*discordgo.MessageEmbed{{Title: title, Description: modLogDescription(lines), Color: color}},
		AllowedMentions: &discordgo.MessageAllowedMentions{},
	}
	if e.ConfirmBan != nil {
		id, err := d.ConfirmBanID(*e.ConfirmBan)
		if err != nil {
			return fmt.Errorf("post to mod log %s: %w", e.ChannelID, err)
		}
		msg.Components = []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{
			discordgo.Button{Label: "Confirm ban", Style: discordgo.DangerButton, CustomID: id}}}}
	}
	_, err := d.s.ChannelMessageSendComplex(e.ChannelID, msg, discordgo.WithContext(ctx))
	return classify("post to mod log "+e.ChannelID, err)
}
