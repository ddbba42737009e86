// Package discordact carries out the warning system's effects on Discord:
// it implements strike.Directory and strike.Effects over a discordgo
// Session, translating Discord's error codes into the strike package's
// errors. It also words the members' DMs and renders mod-log posts: their
// lines, with members as mentions, and the signed Confirm ban button.
//
// The directory asks REST nothing that Discord has already sent. Hierarchy
// and permission checks need the members' roles and the guild's roles; both
// are as fresh without a request:
//   - the member who sent the interaction and the members its options name
//     come with the interaction (bot.CarriedMember), their roles as of the
//     moment it was sent;
//   - the guild's name, owner and roles come from the gateway's state:
//     GUILD_CREATE, then GUILD_UPDATE and GUILD_ROLE_CREATE/UPDATE/DELETE,
//     which discordgo applies in gateway order, before it hands on any
//     interaction that follows them;
//   - the bot's own member comes with GUILD_CREATE, and Discord sends
//     GUILD_MEMBER_UPDATE for it without the Server Members intent.
//
// REST remains the fallback for what nothing carried: a member the
// interaction does not name (the member a Confirm ban button bans), or a
// guild whose GUILD_CREATE has not arrived. DM channels are opened once per
// member and remembered (a bounded cache; a channel Discord no longer knows
// is reopened once).
package discordact

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/bwmarrin/discordgo"
	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/embodied-community/embodied/internal/bot"
	"github.com/embodied-community/embodied/internal/jobs"
	"github.com/embodied-community/embodied/internal/strike"
)

// Discord error codes the warning system distinguishes.
const (
	codeUnknownChannel     = 10003
	codeUnknownMember      = 10007
	codeUnknownUser        = 10013
	codeUnknownBan         = 10026
	codeCannotDM           = 50007
	codeMissingPermissions = 50013
)

// dmChannelCacheSize bounds the remembered DM channels: a few hundred
// kilobytes at most, and more members than a guild warns in a long while.
const dmChannelCacheSize = 4096

// Discord implements strike.Directory and strike.Effects.
type Discord struct {
	s      *discordgo.Session
	signer *bot.Signer
	// dms maps a user id to their DM channel's id.
	dms *lru.Cache[string, string]
	// queue takes the messages Discord answered 429 or 5xx (QueueFailed).
	queue func(context.Context, jobs.Delivery) error
}

// New returns a Discord acting through s; signer signs the Confirm ban
// buttons of mod-log posts. s should be configured with UseState.
func New(s *discordgo.Session, signer *bot.Signer) *Discord {
	dms, err := lru.New[string, string](dmChannelCacheSize)
	if err != nil {
		panic(err) // only for a size ≤ 0
	}
	return &Discord{s: s, signer: signer, dms: dms}
}

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
		switch code := discordCode(err); {
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

// PostModLog posts the entry as an embed, worded, and returns the post's
// message id ("" when it was queued).
func (d *Discord) PostModLog(ctx context.Context, e strike.LogEntry) (string, error) {
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
			return "", fmt.Errorf("post to mod log %s: %w", e.ChannelID, err)
		}
		msg.Components = []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{
			discordgo.Button{Label: "Confirm ban", Style: discordgo.DangerButton, CustomID: id}}}}
	}
	m, err := d.s.ChannelMessageSendComplex(e.ChannelID, msg, discordgo.WithContext(ctx))
	if err != nil {
		return "", d.queueIfTransient(ctx, jobs.Delivery{What: "post to mod log " + e.ChannelID, ChannelID: e.ChannelID,
			GuildID: e.GuildID, WarningID: e.WarningID}, msg, classify("post to mod log "+e.ChannelID, err))
	}
	return m.ID, nil
}
