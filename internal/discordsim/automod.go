package discordsim

// Auto Moderation as Discord documents it (Resources, "Auto Moderation";
// Gateway Events, "Auto Moderation Rule Create/Update/Delete" and "Auto
// Moderation Action Execution"):
//
//   - routes GET/POST /guilds/{guild_id}/auto-moderation/rules and
//     GET/PATCH/DELETE .../rules/{rule_id}; the bot needs MANAGE_GUILD
//     (403, 50013), a rule of another guild is 404, 10066 Unknown Auto
//     Moderation Rule; changes are audit-logged with X-Audit-Log-Reason
//   - per-guild maxima by trigger type: KEYWORD 6, SPAM, KEYWORD_PRESET,
//     MENTION_SPAM and MEMBER_PROFILE 1 each (400, 50035
//     AUTO_MODERATION_MAX_RULES_OF_TYPE_EXCEEDED); the field limits
//     (keyword_filter 1000 × 60, regex_patterns 10 × 260, allow_list 100 × 60
//     for KEYWORD and 1000 × 60 for KEYWORD_PRESET, name 100, exempt roles
//     20, exempt channels 50, 1–5 actions) come from the OpenAPI schema;
//     what it cannot say is checked here: a custom_message of at most 150
//     characters, an alert channel of the guild, TIMEOUT only on KEYWORD
//     and MENTION_SPAM rules with duration_seconds at most 2419200 (4 weeks)
//     and the bot holding MODERATE_MEMBERS, regexes that compile, a
//     trigger_type that PATCH cannot change
//   - events AUTO_MODERATION_RULE_CREATE/_UPDATE/_DELETE (intent
//     AUTO_MODERATION_CONFIGURATION, 1 << 20) and
//     AUTO_MODERATION_ACTION_EXECUTION (AUTO_MODERATION_EXECUTION, 1 << 21),
//     whose content and matched_content are empty without MESSAGE_CONTENT
//     (1 << 15)
//   - Say runs the guild's enabled KEYWORD rules first (keyword matching
//     strategies: `cat` whole word, `cat*` prefix, `*cat` suffix, `*cat*`
//     anywhere, case-insensitive; allow_list words exempt; regexes, which
//     Discord runs in Rust's regex dialect, with Go's as the nearest; exempt
//     roles and channels; members with MANAGE_GUILD or ADMINISTRATOR are
//     never checked) and carries out each matching rule's actions: BLOCK_MESSAGE
//     (the message is not posted), SEND_ALERT_MESSAGE (an AUTO_MODERATION_ACTION
//     system message, type 24, in the alert channel), TIMEOUT; one execution
//     event per action.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"
)

// CodeUnknownAutoModRule is Discord's 10066 Unknown auto moderation rule.
const CodeUnknownAutoModRule = 10066

// Gateway intents of Auto Moderation (the execution event's content also
// needs intentMessageContent, gateway.go).
const (
	intentAutoModConfiguration   = 1 << 20
	intentAutoModExecution       = 1 << 21
	maxAutoModTimeoutSeconds     = 2419200
	maxAutoModCustomMessageRunes = 150
)

// Auto Moderation trigger and action types.
const (
	TriggerKeyword       = 1
	TriggerSpam          = 3
	TriggerKeywordPreset = 4
	TriggerMentionSpam   = 5
	TriggerMemberProfile = 6

	ActionBlockMessage = 1
	ActionSendAlert    = 2
	ActionTimeout      = 3
)

// autoModMaxPerGuild is the documented maximum of rules per trigger type.
var autoModMaxPerGuild = map[int]int{TriggerKeyword: 6, TriggerSpam: 1, TriggerKeywordPreset: 1, TriggerMentionSpam: 1, TriggerMemberProfile: 1}

// AutoModRule is an Auto Moderation rule as Discord returns it.
type AutoModRule struct {
	ID              string          `json:"id"`
	GuildID         string          `json:"guild_id"`
	Name            string          `json:"name"`
	CreatorID       string          `json:"creator_id"`
	EventType       int             `json:"event_type"`
	TriggerType     int             `json:"trigger_type"`
	TriggerMetadata AutoModTrigger  `json:"trigger_metadata"`
	Actions         []AutoModAction `json:"actions"`
	Enabled         bool            `json:"enabled"`
	ExemptRoles     []string        `json:"exempt_roles"`
	ExemptChannels  []string        `json:"exempt_channels"`
}

// AutoModTrigger is a rule's trigger_metadata.
type AutoModTrigger struct {
	KeywordFilter                []string `json:"keyword_filter"`
	RegexPatterns                []string `json:"regex_patterns"`
	AllowList                    []string `json:"allow_list"`
	Presets                      []int    `json:"presets,omitempty"`
	MentionTotalLimit            *int     `json:"mention_total_limit,omitempty"`
	MentionRaidProtectionEnabled *bool    `json:"mention_raid_protection_enabled,omitempty"`
}

// AutoModAction is one of a rule's actions.
type AutoModAction struct {
	Type     int                   `json:"type"`
	Metadata AutoModActionMetadata `json:"metadata"`
}

// AutoModActionMetadata is an action's metadata.
type AutoModActionMetadata struct {
	ChannelID       string `json:"channel_id,omitempty"`
	DurationSeconds int    `json:"duration_seconds,omitempty"`
	CustomMessage   string `json:"custom_message,omitempty"`
}

// autoModState is the emulator's AutoMod rules, per guild, in creation
// order (guarded by Server.mu), and the Say calls AutoMod let through.
type autoModState struct {
	rules  map[string][]*AutoModRule
	letIn  map[string]int
	blocks []AutoModBlock
}

// AutoModBlock is a message AutoMod kept from being posted.
type AutoModBlock struct {
	GuildID, ChannelID, UserID, Content, RuleID string
}

func cloneRule(r *AutoModRule) *AutoModRule {
	c := *r
	c.TriggerMetadata.KeywordFilter = slices.Clone(r.TriggerMetadata.KeywordFilter)
	c.TriggerMetadata.RegexPatterns = slices.Clone(r.TriggerMetadata.RegexPatterns)
	c.TriggerMetadata.AllowList = slices.Clone(r.TriggerMetadata.AllowList)
	c.Actions = slices.Clone(r.Actions)
	c.ExemptRoles = slices.Clone(r.ExemptRoles)
	c.ExemptChannels = slices.Clone(r.ExemptChannels)
	return &c
}

// normalizeRule gives absent lists Discord's empty arrays.
func normalizeRule(r *AutoModRule) {
	for _, l := range []*[]string{&r.TriggerMetadata.KeywordFilter, &r.TriggerMetadata.RegexPatterns, &r.TriggerMetadata.AllowList, &r.ExemptRoles, &r.ExemptChannels} {
		if *l == nil {
			*l = []string{}
		}
	}
	if r.Actions == nil {
		r.Actions = []AutoModAction{}
	}
}

// AutoModRules returns copies of a guild's AutoMod rules in creation order.
func (s *Server) AutoModRules(guildID string) []AutoModRule {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []AutoModRule
	for _, r := range s.automod.rules[guildID] {
		out = append(out, *cloneRule(r))
	}
	return out
}

// AutoModBlocks returns the messages AutoMod blocked, oldest first.
func (s *Server) AutoModBlocks() []AutoModBlock {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.automod.blocks)
}

// CreateAutoModRule creates a rule as an admin does in Discord's client
// (Server Settings → AutoMod), creator admin; the bot gets
// AUTO_MODERATION_RULE_CREATE. No limit is checked: tests use it to fill a
// guild up to Discord's maxima.
func (s *Server) CreateAutoModRule(admin *Member, r AutoModRule) AutoModRule {
	s.mu.Lock()
	r.ID, r.GuildID, r.CreatorID = s.newID(), admin.GuildID, admin.ID()
	if r.EventType == 0 {
		r.EventType = 1
	}
	normalizeRule(&r)
	if s.automod.rules == nil {
		s.automod.rules = map[string][]*AutoModRule{}
	}
	s.automod.rules[r.GuildID] = append(s.automod.rules[r.GuildID], cloneRule(&r))
	s.mu.Unlock()
	s.gw.dispatch(s, s.shardFor(r.GuildID), "AUTO_MODERATION_RULE_CREATE", &r)
	return r
}

// EditAutoModRule changes a rule as an admin does by hand in Discord's
// client; the bot gets AUTO_MODERATION_RULE_UPDATE.
func (s *Server) EditAutoModRule(guildID, ruleID string, edit func(*AutoModRule)) {
	s.mu.Lock()
	r := s.autoModRuleLocked(guildID, ruleID)
	if r == nil {
		s.mu.Unlock()
		panic("discordsim: EditAutoModRule of unknown rule " + ruleID)
	}
	edit(r)
	normalizeRule(r)
	out := cloneRule(r)
	s.mu.Unlock()
	s.gw.dispatch(s, s.shardFor(guildID), "AUTO_MODERATION_RULE_UPDATE", out)
}

func (s *Server) autoModRuleLocked(guildID, ruleID string) *AutoModRule {
	for _, r := range s.automod.rules[guildID] {
		if r.ID == ruleID {
			return r
		}
	}
	return nil
}

// autoModGuild answers the route's guild, checking the bot's MANAGE_GUILD;
// nil when it answered an error.
func (s *Server) autoModGuild(c *reqCtx) *Guild {
	g := s.guildOr404(c)
	if g == nil {
		return nil
	}
	s.mu.Lock()
	ok := g.permsLocked(s.opts.ApplicationID)&discordgo.PermissionManageGuild != 0
	s.mu.Unlock()
	if !ok {
		s.missingPermissions(c, "auto moderation needs MANAGE_GUILD")
		return nil
	}
	return g
}

func (s *Server) listAutoModRules(c *reqCtx) {
	if g := s.autoModGuild(c); g != nil {
		out := s.AutoModRules(g.ID)
		if out == nil {
			out = []AutoModRule{}
		}
		c.json(http.StatusOK, out)
	}
}

func (s *Server) getAutoModRule(c *reqCtx) {
	g := s.autoModGuild(c)
	if g == nil {
		return
	}
	s.mu.Lock()
	r := s.autoModRuleLocked(g.ID, c.params["rule_id"])
	var out *AutoModRule
	if r != nil {
		out = cloneRule(r)
	}
	s.mu.Unlock()
	if out == nil {
		c.fail(http.StatusNotFound, CodeUnknownAutoModRule, "Unknown auto moderation rule")
		return
	}
	c.json(http.StatusOK, out)
}

func (s *Server) createAutoModRule(c *reqCtx) {
	g := s.autoModGuild(c)
	if g == nil {
		return
	}
	var body struct {
		AutoModRule
		Enabled *bool `json:"enabled"`
	}
	if !c.decode(&body) {
		return
	}
	r := body.AutoModRule
	r.Enabled = body.Enabled == nil || *body.Enabled // Discord's default: enabled
	s.mu.Lock()
	n := 0
	for _, x := range s.automod.rules[g.ID] {
		if x.TriggerType == r.TriggerType {
			n++
		}
	}
	if limit, ok := autoModMaxPerGuild[r.TriggerType]; ok && n >= limit {
		s.mu.Unlock()
		c.autoModError("", "AUTO_MODERATION_MAX_RULES_OF_TYPE_EXCEEDED", fmt.Sprintf("Maximum number of rules with trigger type %d is %d", r.TriggerType, limit))
		return
	}
	if bad := s.checkAutoModRuleLocked(g, &r); bad != nil {
		s.mu.Unlock()
		c.refuseRule(bad)
		return
	}
	r.ID, r.GuildID, r.CreatorID = s.newID(), g.ID, s.opts.ApplicationID
	normalizeRule(&r)
	if s.automod.rules == nil {
		s.automod.rules = map[string][]*AutoModRule{}
	}
	s.automod.rules[g.ID] = append(s.automod.rules[g.ID], cloneRule(&r))
	s.auditLocked(g, AuditEntry{Action: "automod-rule-create", TargetID: r.ID, Reason: c.auditReason(), At: s.clock.Now()})
	s.mu.Unlock()
	s.gw.dispatch(s, s.shardFor(g.ID), "AUTO_MODERATION_RULE_CREATE", &r)
	c.json(http.StatusOK, &r)
}

func (s *Server) modifyAutoModRule(c *reqCtx) {
	g := s.autoModGuild(c)
	if g == nil {
		return
	}
	var patch map[string]json.RawMessage
	if !c.decode(&patch) {
		return
	}
	s.mu.Lock()
	cur := s.autoModRuleLocked(g.ID, c.params["rule_id"])
	if cur == nil {
		s.mu.Unlock()
		c.fail(http.StatusNotFound, CodeUnknownAutoModRule, "Unknown auto moderation rule")
		return
	}
	next := cloneRule(cur)
	// PATCH replaces each field it names, trigger_metadata as a whole.
	if tm, ok := patch["trigger_metadata"]; ok {
		next.TriggerMetadata = AutoModTrigger{}
		_ = json.Unmarshal(tm, &next.TriggerMetadata)
		delete(patch, "trigger_metadata")
	}
	if tt, ok := patch["trigger_type"]; ok {
		var t int
		if json.Unmarshal(tt, &t) != nil || t != cur.TriggerType {
			s.mu.Unlock()
			c.autoModError("trigger_type", "AUTO_MODERATION_TRIGGER_TYPE_IMMUTABLE", "A rule's trigger type cannot be changed")
			return
		}
	}
	rest, _ := json.Marshal(patch)
	_ = json.Unmarshal(rest, next)
	if bad := s.checkAutoModRuleLocked(g, next); bad != nil {
		s.mu.Unlock()
		c.refuseRule(bad)
		return
	}
	normalizeRule(next)
	*cur = *cloneRule(next)
	s.auditLocked(g, AuditEntry{Action: "automod-rule-update", TargetID: cur.ID, Reason: c.auditReason(), At: s.clock.Now()})
	s.mu.Unlock()
	s.gw.dispatch(s, s.shardFor(g.ID), "AUTO_MODERATION_RULE_UPDATE", next)
	c.json(http.StatusOK, next)
}

func (s *Server) deleteAutoModRule(c *reqCtx) {
	g := s.autoModGuild(c)
	if g == nil {
		return
	}
	s.mu.Lock()
	rules := s.automod.rules[g.ID]
	i := slices.IndexFunc(rules, func(r *AutoModRule) bool { return r.ID == c.params["rule_id"] })
	if i < 0 {
		s.mu.Unlock()
		c.fail(http.StatusNotFound, CodeUnknownAutoModRule, "Unknown auto moderation rule")
		return
	}
	r := rules[i]
	s.automod.rules[g.ID] = slices.Delete(rules, i, i+1)
	s.auditLocked(g, AuditEntry{Action: "automod-rule-delete", TargetID: r.ID, Reason: c.auditReason(), At: s.clock.Now()})
	s.mu.Unlock()
	s.gw.dispatch(s, s.shardFor(g.ID), "AUTO_MODERATION_RULE_DELETE", r)
	c.noContent()
}

// autoModRefusal is a rule Discord refuses: 400, 50035 with code and
// message under field, or 403, 50013 when forbidden.
type autoModRefusal struct {
	field, code, msg string
	forbidden        bool
}

func refuse(field, code, format string, args ...any) *autoModRefusal {
	return &autoModRefusal{field: field, code: code, msg: fmt.Sprintf(format, args...)}
}

// answer answers the refusal; s.mu must not be held.
func (c *reqCtx) refuseRule(r *autoModRefusal) {
	if r.forbidden {
		c.s.missingPermissions(c, r.msg)
		return
	}
	c.autoModError(r.field, r.code, r.msg)
}

// autoModError answers 400, 50035 with one error under field ("" for the
// body itself), as Discord words AutoMod refusals, and records a violation.
func (c *reqCtx) autoModError(field, code, msg string) {
	v := Violation{Route: c.routeName(), Path: c.r.URL.Path, Rule: "limit", Status: http.StatusBadRequest, Code: CodeInvalidFormBody,
		InstancePath: "/" + field, Message: msg}
	c.s.violate(v)
	errs := map[string]any{"_errors": []map[string]string{{"code": code, "message": msg}}}
	if field != "" {
		errs = map[string]any{field: errs}
	}
	raw, _ := json.Marshal(errs)
	c.json(http.StatusBadRequest, apiError{Code: CodeInvalidFormBody, Message: "Invalid Form Body", Errors: raw})
}

// checkAutoModRuleLocked applies the documented rules the schema cannot
// express, returning the first breach.
func (s *Server) checkAutoModRuleLocked(g *Guild, r *AutoModRule) *autoModRefusal {
	if _, ok := autoModMaxPerGuild[r.TriggerType]; !ok {
		return refuse("trigger_type", "BASE_TYPE_CHOICES", "Value must be one of the trigger types, not %d", r.TriggerType)
	}
	if r.TriggerType == TriggerKeyword && len(r.Actions) == 0 {
		return refuse("actions", "BASE_TYPE_REQUIRED", "This field is required")
	}
	for i, p := range r.TriggerMetadata.RegexPatterns {
		if _, err := regexp.Compile(p); err != nil {
			return refuse(fmt.Sprintf("trigger_metadata/regex_patterns/%d", i), "AUTO_MODERATION_INVALID_REGEX", "Invalid regex: %v", err)
		}
	}
	for i, a := range r.Actions {
		field := fmt.Sprintf("actions/%d/metadata", i)
		switch a.Type {
		case ActionBlockMessage:
			if utf8.RuneCountInString(a.Metadata.CustomMessage) > maxAutoModCustomMessageRunes {
				return refuse(field+"/custom_message", "BASE_TYPE_MAX_LENGTH", "Must be 150 or fewer in length.")
			}
		case ActionSendAlert:
			if ch := s.channels[a.Metadata.ChannelID]; ch == nil || ch.ch.GuildID != g.ID {
				return refuse(field+"/channel_id", "AUTO_MODERATION_INVALID_CHANNEL", "Unknown channel")
			}
		case ActionTimeout:
			switch {
			case r.TriggerType != TriggerKeyword && r.TriggerType != TriggerMentionSpam:
				return refuse(field, "AUTO_MODERATION_INVALID_ACTION", "Timeout actions are only allowed on KEYWORD and MENTION_SPAM rules")
			case a.Metadata.DurationSeconds < 1 || a.Metadata.DurationSeconds > maxAutoModTimeoutSeconds:
				return refuse(field+"/duration_seconds", "NUMBER_TYPE_MAX", "duration_seconds must be 1 to %d", maxAutoModTimeoutSeconds)
			case g.permsLocked(s.opts.ApplicationID)&discordgo.PermissionModerateMembers == 0:
				return &autoModRefusal{forbidden: true, msg: "auto moderation timeout needs MODERATE_MEMBERS"}
			}
		default:
			return refuse(field, "BASE_TYPE_CHOICES", "Unknown action type %d", a.Type)
		}
	}
	return nil
}

// autoModMatch is a rule that matched a message.
type autoModMatch struct {
	rule             *AutoModRule
	keyword, matched string
}

// autoModerate runs the guild's AutoMod before Say posts a message. It
// returns done=false when nothing matched (Say posts as usual). Otherwise
// it carries the actions out itself: a blocked message is not posted (m is
// nil); a message only alerted on is posted by Say, through a one-time
// pass, and the executions follow it with its id.
func (s *Server) autoModerate(member *Member, channelID, content string) (m *discordgo.Message, done bool) {
	s.mu.Lock()
	g := s.guildByID[member.GuildID]
	if g == nil {
		s.mu.Unlock()
		return nil, false
	}
	if channelID == "" {
		channelID = g.ChannelID
	}
	key := g.ID + "\x00" + member.ID() + "\x00" + channelID + "\x00" + content
	if s.automod.letIn[key] > 0 {
		s.automod.letIn[key]--
		s.mu.Unlock()
		return nil, false
	}
	matches := s.autoModMatchesLocked(g, member.ID(), channelID, content)
	if len(matches) == 0 {
		s.mu.Unlock()
		return nil, false
	}
	blocked := false
	for _, mt := range matches {
		blocked = blocked || slices.ContainsFunc(mt.rule.Actions, func(a AutoModAction) bool { return a.Type == ActionBlockMessage })
	}
	if blocked {
		s.automod.blocks = append(s.automod.blocks, AutoModBlock{GuildID: g.ID, ChannelID: channelID, UserID: member.ID(), Content: content, RuleID: matches[0].rule.ID})
	} else {
		if s.automod.letIn == nil {
			s.automod.letIn = map[string]int{}
		}
		s.automod.letIn[key]++
	}
	s.mu.Unlock()
	if !blocked {
		m = s.Say(member, channelID, content)
	}
	for _, mt := range matches {
		s.autoModExecute(g, member, channelID, content, m, mt)
	}
	return m, true
}

// autoModMatchesLocked returns the enabled KEYWORD rules content triggers.
func (s *Server) autoModMatchesLocked(g *Guild, userID, channelID, content string) []autoModMatch {
	ms := g.members[userID]
	if ms == nil || g.permsLocked(userID)&(discordgo.PermissionManageGuild|discordgo.PermissionAdministrator) != 0 {
		return nil
	}
	var out []autoModMatch
	for _, r := range s.automod.rules[g.ID] {
		if !r.Enabled || r.TriggerType != TriggerKeyword || slices.Contains(r.ExemptChannels, channelID) ||
			slices.ContainsFunc(ms.roles, func(id string) bool { return slices.Contains(r.ExemptRoles, id) }) {
			continue
		}
		if kw, matched, ok := MatchAutoModKeywords(r.TriggerMetadata, content); ok {
			out = append(out, autoModMatch{rule: r, keyword: kw, matched: matched})
		}
	}
	return out
}

// MatchAutoModKeywords applies a KEYWORD rule's metadata to content as
// Discord's keyword matching strategies describe, returning the keyword (or
// regex) that matched and the text it matched.
func MatchAutoModKeywords(t AutoModTrigger, content string) (keyword, matched string, ok bool) {
	lower := strings.ToLower(content)
	for _, kw := range t.KeywordFilter {
		notAllowed := func(span [2]int) bool { return !allowed(t.AllowList, lower, span) }
		if span, ok := findKeyword(lower, strings.ToLower(kw), notAllowed); ok {
			return kw, content[span[0]:span[1]], true
		}
	}
	for _, p := range t.RegexPatterns {
		re, err := regexp.Compile(p)
		if err != nil {
			continue
		}
		if loc := re.FindStringIndex(content); loc != nil && !allowed(t.AllowList, lower, [2]int{loc[0], loc[1]}) {
			return p, content[loc[0]:loc[1]], true
		}
	}
	return "", "", false
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// wordAround widens [i, j) to the whole words it touches.
func wordAround(s string, i, j int) (int, int) {
	for i > 0 {
		r, n := utf8.DecodeLastRuneInString(s[:i])
		if !isWordRune(r) {
			break
		}
		i -= n
	}
	for j < len(s) {
		r, n := utf8.DecodeRuneInString(s[j:])
		if !isWordRune(r) {
			break
		}
		j += n
	}
	return i, j
}

// findKeyword finds kw (lower case, AutoMod syntax) in lower: `*` at the
// start lets the match begin inside a word, at the end lets it end inside
// one; without, it must start or end at a word boundary. The first match
// accept takes (nil: any) is returned.
func findKeyword(lower, kw string, accept func([2]int) bool) ([2]int, bool) {
	anyStart, anyEnd := strings.HasPrefix(kw, "*"), strings.HasSuffix(kw, "*")
	bare := strings.Trim(kw, "*")
	if bare == "" {
		return [2]int{}, false
	}
	for from := 0; from <= len(lower)-len(bare); {
		k := strings.Index(lower[from:], bare)
		if k < 0 {
			break
		}
		i, j := from+k, from+k+len(bare)
		wi, wj := wordAround(lower, i, j)
		if (anyStart || wi == i) && (anyEnd || wj == j) && (accept == nil || accept([2]int{i, j})) {
			return [2]int{i, j}, true
		}
		_, n := utf8.DecodeRuneInString(lower[i:])
		from = i + n
	}
	return [2]int{}, false
}

// allowed reports whether an allow_list entry covers the words of span.
func allowed(allow []string, lower string, span [2]int) bool {
	wi, wj := wordAround(lower, span[0], span[1])
	word := lower[wi:wj]
	for _, a := range allow {
		if _, ok := findKeyword(word, strings.ToLower(a), nil); ok {
			return true
		}
	}
	return false
}

// autoModExecute carries out a matching rule's actions, one execution event
// each, in the rule's order.
func (s *Server) autoModExecute(g *Guild, member *Member, channelID, content string, posted *discordgo.Message, mt autoModMatch) {
	for _, a := range mt.rule.Actions {
		ev := map[string]any{"guild_id": g.ID, "action": a, "rule_id": mt.rule.ID, "rule_trigger_type": mt.rule.TriggerType,
			"user_id": member.ID(), "channel_id": channelID, "content": content, "matched_keyword": mt.keyword, "matched_content": mt.matched}
		if posted != nil {
			ev["message_id"] = posted.ID
		}
		switch a.Type {
		case ActionSendAlert:
			ev["alert_system_message_id"] = s.autoModAlert(g, member, a.Metadata.ChannelID, channelID, content, mt)
		case ActionTimeout:
			s.autoModTimeout(g, member, time.Duration(a.Metadata.DurationSeconds)*time.Second, mt.rule.Name)
		}
		s.gw.dispatch(s, s.shardFor(g.ID), "AUTO_MODERATION_ACTION_EXECUTION", ev)
	}
}

// autoModAlert posts the AUTO_MODERATION_ACTION system message (type 24)
// in the alert channel and returns its id.
func (s *Server) autoModAlert(g *Guild, member *Member, alertChannel, channelID, content string, mt autoModMatch) string {
	s.mu.Lock()
	ch := s.channels[alertChannel]
	if ch == nil {
		s.mu.Unlock()
		return ""
	}
	m := &discordgo.Message{ID: s.newID(), ChannelID: alertChannel, GuildID: g.ID, Type: discordgo.MessageType(24),
		Author: copyUser(s.users[member.ID()]), Timestamp: s.clock.Now().UTC(), Attachments: []*discordgo.MessageAttachment{},
		Mentions: []*discordgo.User{}, Embeds: []*discordgo.MessageEmbed{{Type: "auto_moderation_message", Description: content,
			Fields: []*discordgo.MessageEmbedField{{Name: "rule_name", Value: mt.rule.Name}, {Name: "channel_id", Value: channelID},
				{Name: "keyword", Value: mt.keyword}, {Name: "keyword_matched_content", Value: mt.matched}}}}}
	ch.messages = append(ch.messages, m)
	out := *m
	s.mu.Unlock()
	s.gw.dispatch(s, s.shardFor(g.ID), "MESSAGE_CREATE", &out)
	return out.ID
}

// autoModTimeout times the member out, audit-logged as AutoMod's.
func (s *Server) autoModTimeout(g *Guild, member *Member, d time.Duration, ruleName string) {
	s.mu.Lock()
	ms := g.members[member.ID()]
	if ms == nil {
		s.mu.Unlock()
		return
	}
	until := s.clock.Now().Add(d).UTC()
	ms.timeout = &until
	s.auditLocked(g, AuditEntry{Action: "automod-timeout", TargetID: member.ID(), Reason: ruleName, At: s.clock.Now()})
	payload := g.memberPayloadLocked(ms)
	payload.GuildID = g.ID
	s.mu.Unlock()
	s.gw.dispatch(s, s.shardFor(g.ID), "GUILD_MEMBER_UPDATE", payload)
}

// autoModForIntents gates the Auto Moderation events by intent; handled is
// false for every other event.
func autoModForIntents(intents int, f frame) (_ frame, ok, handled bool) {
	switch f.name {
	case "AUTO_MODERATION_RULE_CREATE", "AUTO_MODERATION_RULE_UPDATE", "AUTO_MODERATION_RULE_DELETE":
		return f, intents&intentAutoModConfiguration != 0, true
	case "AUTO_MODERATION_ACTION_EXECUTION":
		if intents&intentAutoModExecution == 0 {
			return f, false, true
		}
		if intents&intentMessageContent == 0 {
			var ev map[string]json.RawMessage
			if json.Unmarshal(f.D, &ev) == nil {
				ev["content"], ev["matched_content"] = json.RawMessage(`""`), json.RawMessage(`""`)
				if raw, err := json.Marshal(ev); err == nil {
					f.D = raw
				}
			}
		}
		return f, true, true
	}
	return f, false, false
}
