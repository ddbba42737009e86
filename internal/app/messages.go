package app

import (
	"context"

	"github.com/bwmarrin/discordgo"

	"github.com/embodied-community/embodied/internal/chatmod"
	"github.com/embodied-community/embodied/internal/discordact"
	"github.com/embodied-community/embodied/internal/discordhttp"
	"github.com/embodied-community/embodied/internal/logging"
	"github.com/embodied-community/embodied/internal/modrules"
)

// buildMessages sets up message moderation when SECOPS_MODERATE_MESSAGES
// asks for it: the gateway intents for guild messages and their content,
// and the moderator, acting as the bot through the warning system.
func (a *App) buildMessages(rules *modrules.Service, discord *discordact.Discord) {
	a.messageIntent = &privilegedIntent{requested: a.cfg.ModerateMessages, bits: discordhttp.MessageIntents,
		refusedText: chatmod.IntentRefused, statusText: chatmod.Status, probe: a.probeMessageIntent}
	a.intents.list = append(a.intents.list, a.messageIntent)
	if !a.cfg.ModerateMessages {
		return
	}
	a.Session.Identify.Intents |= discordhttp.MessageIntents
	a.Messages = chatmod.New(rules, a.Store, discord, a.Strikes, a.Audit, chatmod.Options{
		Logger: a.log, OnFlag: a.Metrics.Flagged, OnDecision: a.opts.OnMessageDecision,
		Bot: func() (string, string) {
			st := a.Session.State
			st.RLock()
			defer st.RUnlock()
			if st.User == nil {
				return "", ""
			}
			return st.User.ID, st.User.Username
		},
	})
}

// probeMessageIntent asks the gateway for the message intents in a
// session of its own.
func (a *App) probeMessageIntent() error {
	return discordhttp.ProbeIntents(a.cfg.DiscordToken.Reveal(), a.cfg.DiscordAPIURL, discordgo.IntentsGuilds|discordhttp.MessageIntents, a.log, asShardOf(a.Session))
}

// moderateMessage runs message moderation on one gateway message.
func (a *App) moderateMessage(ctx context.Context, ev chatmod.Event) {
	if _, err := a.Messages.Handle(ctx, ev); err != nil {
		logging.Component(a.log, "MessageModerator").Error("Message moderation failed", "guildId", ev.GuildID,
			"channelId", ev.ChannelID, "messageId", ev.MessageID, "userId", ev.AuthorID, "error", err)
	}
}
