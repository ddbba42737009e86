package app

import (
	"github.com/bwmarrin/discordgo"

	"github.com/embodied-community/embodied/internal/automod"
	"github.com/embodied-community/embodied/internal/discordact"
	"github.com/embodied-community/embodied/internal/modrules"
)

// newAutoMod builds the Discord AutoMod sync and execution handler: a
// guild's rules are synced when it becomes available (GUILD_CREATE) and
// after every change of its rules (modrules.Options.OnChange, which calls
// SyncInBackground); AUTO_MODERATION_ACTION_EXECUTION becomes a review-queue
// entry.
func (a *App) newAutoMod(discord *discordact.Discord, rules *modrules.Service) *automod.Service {
	svc := automod.New(a.Store, discord, automod.Options{Rules: rules.Rules, Enforce: a.cfg.EnforceModeration, BotID: discord.BotID,
		Strikes: a.Strikes, Now: a.opts.Now, Logger: a.log})
	a.onGateway(func(_ *discordgo.Session, g *discordgo.GuildCreate) { svc.SyncInBackground(g.ID) })
	a.onGateway(func(_ *discordgo.Session, r *discordgo.AutoModerationRuleCreate) {
		svc.NoteRule(r.GuildID, r.ID, r.Name)
	})
	a.onGateway(func(_ *discordgo.Session, r *discordgo.AutoModerationRuleUpdate) {
		svc.NoteRule(r.GuildID, r.ID, r.Name)
	})
	a.onGateway(func(_ *discordgo.Session, r *discordgo.AutoModerationRuleDelete) { svc.NoteRule(r.GuildID, r.ID, "") })
	a.onGateway(func(_ *discordgo.Session, e *discordgo.AutoModerationActionExecution) {
		svc.HandleInBackground(automod.Execution{GuildID: e.GuildID, RuleID: e.RuleID, UserID: e.UserID, ChannelID: e.ChannelID,
			MessageID: e.MessageID, ActionType: int(e.Action.Type), Content: e.Content, MatchedKeyword: e.MatchedKeyword,
			MatchedContent: e.MatchedContent})
	})
	return svc
}
