package discordact

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/bwmarrin/discordgo"

	"github.com/embodied-community/embodied/internal/automod"
)

var _ automod.Discord = (*Discord)(nil)

// AutoModRules lists a guild's AutoMod rules. When the gateway's state
// shows the bot without MANAGE_GUILD it asks nothing: Discord would answer
// 403, which counts towards the invalid request limit.
func (d *Discord) AutoModRules(ctx context.Context, guildID string) ([]automod.Rule, error) {
	if d.lacksManageGuild(guildID) {
		return nil, fmt.Errorf("list the automod rules of %s (gateway state): %w", guildID, automod.ErrForbidden)
	}
	rules, err := d.s.AutoModerationRules(guildID, discordgo.WithContext(ctx))
	if err != nil {
		return nil, autoModError("list the automod rules of "+guildID, err)
	}
	out := make([]automod.Rule, 0, len(rules))
	for _, r := range rules {
		out = append(out, fromAutoModRule(r))
	}
	return out, nil
}

// CreateAutoModRule creates a KEYWORD rule with s's content.
func (d *Discord) CreateAutoModRule(ctx context.Context, guildID string, s automod.Spec, auditReason string) (automod.Rule, error) {
	r, err := d.s.AutoModerationRuleCreate(guildID, toAutoModRule(s), discordgo.WithContext(ctx), discordgo.WithAuditLogReason(auditReason))
	if err != nil {
		return automod.Rule{}, autoModError("create automod rule "+s.Name, err)
	}
	return fromAutoModRule(r), nil
}

// EditAutoModRule replaces a rule's content with s's.
func (d *Discord) EditAutoModRule(ctx context.Context, guildID, ruleID string, s automod.Spec, auditReason string) (automod.Rule, error) {
	body := toAutoModRule(s)
	body.TriggerType = 0 // PATCH cannot change it; omitted
	r, err := d.s.AutoModerationRuleEdit(guildID, ruleID, body, discordgo.WithContext(ctx), discordgo.WithAuditLogReason(auditReason))
	if err != nil {
		return automod.Rule{}, autoModError("edit automod rule "+ruleID, err)
	}
	return fromAutoModRule(r), nil
}

// DeleteAutoModRule deletes a rule.
func (d *Discord) DeleteAutoModRule(ctx context.Context, guildID, ruleID, auditReason string) error {
	err := d.s.AutoModerationRuleDelete(guildID, ruleID, discordgo.WithContext(ctx), discordgo.WithAuditLogReason(auditReason))
	return autoModError("delete automod rule "+ruleID, err)
}

// lacksManageGuild reports whether the gateway's state shows the bot
// without MANAGE_GUILD (nor Administrator, nor ownership) in the guild;
// false when the state does not hold the guild or the bot's member.
func (d *Discord) lacksManageGuild(guildID string) bool {
	g, ok := d.stateGuild(guildID)
	bot := d.botID()
	if !ok || bot == "" || g.OwnerID == bot {
		return false
	}
	m, ok := d.stateMember(guildID, bot)
	if !ok {
		return false
	}
	var perms int64
	for _, r := range g.Roles {
		if r.ID == guildID || slices.Contains(m.Roles, r.ID) {
			perms |= r.Permissions
		}
	}
	return perms&(discordgo.PermissionAdministrator|discordgo.PermissionManageGuild) == 0
}

// autoModError maps Discord's missing-permission answer to
// automod.ErrForbidden.
func autoModError(what string, err error) error {
	if err == nil {
		return nil
	}
	var re *discordgo.RESTError
	if errors.As(err, &re) && (discordCode(err) == codeMissingPermissions || re.Response != nil && re.Response.StatusCode == http.StatusForbidden) {
		return fmt.Errorf("%s: %w", what, automod.ErrForbidden)
	}
	return fmt.Errorf("%s: %w", what, err)
}

func toAutoModRule(s automod.Spec) *discordgo.AutoModerationRule {
	enabled := s.Enabled
	exemptRoles, exemptChannels := nonNil(s.ExemptRoles), nonNil(s.ExemptChannels)
	allow := nonNil(s.Allow)
	r := &discordgo.AutoModerationRule{Name: s.Name, EventType: discordgo.AutoModerationEventMessageSend,
		TriggerType: discordgo.AutoModerationEventTriggerKeyword, Enabled: &enabled, ExemptRoles: &exemptRoles, ExemptChannels: &exemptChannels,
		TriggerMetadata: &discordgo.AutoModerationTriggerMetadata{KeywordFilter: s.Keywords, RegexPatterns: s.Regexes, AllowList: &allow}}
	if s.Block {
		r.Actions = append(r.Actions, discordgo.AutoModerationAction{Type: discordgo.AutoModerationRuleActionBlockMessage})
	}
	if s.AlertChannel != "" {
		r.Actions = append(r.Actions, discordgo.AutoModerationAction{Type: discordgo.AutoModerationRuleActionSendAlertMessage,
			Metadata: &discordgo.AutoModerationActionMetadata{ChannelID: s.AlertChannel}})
	}
	if s.TimeoutSeconds > 0 {
		r.Actions = append(r.Actions, discordgo.AutoModerationAction{Type: discordgo.AutoModerationRuleActionTimeout,
			Metadata: &discordgo.AutoModerationActionMetadata{Duration: s.TimeoutSeconds}})
	}
	return r
}

func fromAutoModRule(r *discordgo.AutoModerationRule) automod.Rule {
	out := automod.Rule{ID: r.ID, CreatorID: r.CreatorID, TriggerType: int(r.TriggerType), Spec: automod.Spec{Name: r.Name}}
	sp := &out.Spec
	sp.Enabled = r.Enabled != nil && *r.Enabled
	if m := r.TriggerMetadata; m != nil {
		sp.Keywords, sp.Regexes = m.KeywordFilter, m.RegexPatterns
		if m.AllowList != nil {
			sp.Allow = *m.AllowList
		}
	}
	if r.ExemptRoles != nil {
		sp.ExemptRoles = *r.ExemptRoles
	}
	if r.ExemptChannels != nil {
		sp.ExemptChannels = *r.ExemptChannels
	}
	for _, a := range r.Actions {
		switch a.Type {
		case discordgo.AutoModerationRuleActionBlockMessage:
			sp.Block = true
		case discordgo.AutoModerationRuleActionSendAlertMessage:
			if a.Metadata != nil {
				sp.AlertChannel = a.Metadata.ChannelID
			}
		case discordgo.AutoModerationRuleActionTimeout:
			if a.Metadata != nil {
				sp.TimeoutSeconds = a.Metadata.Duration
			}
		}
	}
	return out
}

func nonNil(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

// BotID is the bot's user id, from the gateway's READY.
func (d *Discord) BotID() string { return d.botID() }
