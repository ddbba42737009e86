package automod

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/embodied-community/embodied/internal/moderation"
	"github.com/embodied-community/embodied/internal/modrules"
)

// Limits are Discord's documented AutoMod limits (Resources, "Auto
// Moderation": trigger types and trigger metadata field limits).
type Limits struct {
	// KeywordRules is the most KEYWORD rules a guild may have, the bot's
	// and everyone else's together.
	KeywordRules int
	// Keywords and KeywordLen bound keyword_filter (entries, characters).
	Keywords, KeywordLen int
	// Regexes and RegexLen bound regex_patterns.
	Regexes, RegexLen int
	// Allow and AllowLen bound a KEYWORD rule's allow_list.
	Allow, AllowLen int
	// ExemptRoles bounds exempt_roles.
	ExemptRoles int
}

// DiscordLimits are the limits Discord documents.
var DiscordLimits = Limits{KeywordRules: 6, Keywords: 1000, KeywordLen: 60, Regexes: 10, RegexLen: 260, Allow: 100, AllowLen: 60,
	ExemptRoles: 20}

// NamePrefix starts the name of every rule the bot owns.
const NamePrefix = "embodied: "

// Spec is the content of a KEYWORD rule as the bot manages it: what it
// pushes and what it compares to find a rule changed in Discord.
type Spec struct {
	Name           string   `json:"name"`
	Enabled        bool     `json:"enabled"`
	Keywords       []string `json:"keywords"`
	Regexes        []string `json:"regexes"`
	Allow          []string `json:"allow"`
	ExemptRoles    []string `json:"exemptRoles"`
	ExemptChannels []string `json:"exemptChannels"`
	// Block is a BLOCK_MESSAGE action; AlertChannel, when set, a
	// SEND_ALERT_MESSAGE action into it; TimeoutSeconds, when set, a
	// TIMEOUT action (the bot never pushes one: its strikes are its
	// ladder's).
	Block          bool   `json:"block"`
	AlertChannel   string `json:"alertChannel"`
	TimeoutSeconds int    `json:"timeoutSeconds"`
}

// normalized sorts and fills the lists so that equal content compares
// equal whatever the order Discord returns.
func (s Spec) normalized() Spec {
	for _, l := range []*[]string{&s.Keywords, &s.Regexes, &s.Allow, &s.ExemptRoles, &s.ExemptChannels} {
		*l = slices.Clone(*l)
		if *l == nil {
			*l = []string{}
		}
		slices.Sort(*l)
	}
	return s
}

// Equal reports whether s and o have the same content.
func (s Spec) Equal(o Spec) bool {
	a, b := s.normalized(), o.normalized()
	return a.Name == b.Name && a.Enabled == b.Enabled && slices.Equal(a.Keywords, b.Keywords) && slices.Equal(a.Regexes, b.Regexes) &&
		slices.Equal(a.Allow, b.Allow) && slices.Equal(a.ExemptRoles, b.ExemptRoles) && slices.Equal(a.ExemptChannels, b.ExemptChannels) &&
		a.Block == b.Block && a.AlertChannel == b.AlertChannel && a.TimeoutSeconds == b.TimeoutSeconds
}

// Actions are what the bot's rules may do, from the bot's safe mode: with
// enforcement off they only alert, into the guild's mod-log channel; with
// it on, the keywords the guild refuses (a category set to refuse, or a
// critical keyword in a category left at the default — what the bot itself
// refuses) block the message and alert, the others only alert, as the bot
// flags them for review. A rule that would have no action (an alert with
// no mod-log channel) is not pushed: Discord requires one, and blocking
// would go beyond the guild's choice.
type Actions struct {
	Block        bool
	AlertChannel string
}

// For returns the actions of the bot's rules for enforcement and the
// guild's mod-log channel ("" when it has none).
func For(enforce bool, modLog string) Actions { return Actions{Block: enforce, AlertChannel: modLog} }

// group is a set of keywords and regexes pushed with the same actions.
type group struct {
	name     string
	block    bool
	keywords []string
	regexes  []string
}

// refuses reports whether the guild refuses text matching keyword k (as
// modrules.Guild.Refuses decides for a match).
func refuses(r modrules.Rules, cat moderation.Category, sev moderation.Severity) bool {
	if sev == 0 {
		sev = moderation.SeverityMedium
	}
	switch r.Setting(cat).Action {
	case modrules.ActionRefuse:
		return true
	case modrules.ActionFlag:
		return false
	}
	return sev >= moderation.SeverityCritical
}

// Plan turns a guild's rules into the KEYWORD rules the bot wants in
// Discord, within lim, given slots free KEYWORD rules. Keywords of
// disabled categories are left out (the guild does not check them).
// Whatever does not fit, or that Discord would read differently, is
// reported in unpushed, never silently dropped.
func Plan(r modrules.Rules, act Actions, slots int, lim Limits) (specs []Spec, unpushed []string) {
	block := group{name: "blocked keywords", block: true}
	alert := group{name: "keywords"}
	pick := func(cat moderation.Category, sev moderation.Severity) *group {
		if act.Block && refuses(r, cat, sev) {
			return &block
		}
		return &alert
	}
	for _, k := range r.Keywords {
		g := pick(k.Category, k.Severity)
		switch {
		case !r.Setting(k.Category).Enabled:
		case utf8.RuneCountInString(k.Pattern) > lim.KeywordLen:
			unpushed = append(unpushed, fmt.Sprintf("keyword `%s`: longer than Discord's %d characters", k.Pattern, lim.KeywordLen))
		case !slices.Contains(g.keywords, k.Pattern):
			g.keywords = append(g.keywords, k.Pattern)
		}
	}
	rx := pick(r.RegexCategory, r.RegexSeverity)
	for _, p := range r.Regexes {
		if why := DialectProblem(p); why != "" {
			unpushed = append(unpushed, fmt.Sprintf("regex `%s`: %s", p, why))
			continue
		}
		if utf8.RuneCountInString(p) > lim.RegexLen {
			unpushed = append(unpushed, fmt.Sprintf("regex `%s`: longer than Discord's %d characters", p, lim.RegexLen))
			continue
		}
		rx.regexes = append(rx.regexes, p)
	}
	var allow []string
	for _, a := range r.Allow {
		switch {
		case utf8.RuneCountInString(a) > lim.AllowLen:
			unpushed = append(unpushed, fmt.Sprintf("allow entry `%s`: longer than Discord's %d characters", a, lim.AllowLen))
		case len(allow) == lim.Allow:
			unpushed = append(unpushed, fmt.Sprintf("allow entry `%s`: over Discord's %d per rule", a, lim.Allow))
		default:
			allow = append(allow, a)
		}
	}
	exempt := r.ExemptRoles
	if len(exempt) > lim.ExemptRoles {
		unpushed = append(unpushed, fmt.Sprintf("%d exempt roles over Discord's %d per rule", len(exempt)-lim.ExemptRoles, lim.ExemptRoles))
		exempt = exempt[:lim.ExemptRoles]
	}
	free := slots
	for _, g := range []group{block, alert} {
		if len(g.keywords)+len(g.regexes) == 0 {
			continue
		}
		if !g.block && act.AlertChannel == "" {
			unpushed = append(unpushed, fmt.Sprintf("%d keywords and %d regexes not pushed: AutoMod would only alert on them, "+
				"and this server has no mod-log channel to alert in (set one with /security modlog)", len(g.keywords), len(g.regexes)))
			continue
		}
		var chunks [][]string
		for k := range slices.Chunk(g.keywords, lim.Keywords) {
			chunks = append(chunks, k)
		}
		if len(chunks) == 0 {
			chunks = [][]string{nil} // regexes alone
		}
		for i, kws := range chunks {
			if free == 0 {
				lost := 0
				for _, c := range chunks[i:] {
					lost += len(c)
				}
				unpushed = append(unpushed, fmt.Sprintf("%d keywords not pushed: the server has %d other keyword rules of Discord's %d",
					lost, lim.KeywordRules-slots, lim.KeywordRules))
				if i == 0 && len(g.regexes) > 0 {
					unpushed = append(unpushed, fmt.Sprintf("%d regexes not pushed: no keyword rule left", len(g.regexes)))
				}
				break
			}
			free--
			s := Spec{Name: ruleName(g.name, i), Enabled: true, Keywords: kws, Allow: allow, ExemptRoles: exempt, Block: g.block,
				AlertChannel: act.AlertChannel}
			if i == 0 {
				s.Regexes = g.regexes
			}
			specs = append(specs, s.normalized())
		}
	}
	return specs, unpushed
}

// ruleName is the name of the bot's i-th rule of a group.
func ruleName(group string, i int) string {
	if i == 0 {
		return NamePrefix + group
	}
	return fmt.Sprintf("%s%s %d", NamePrefix, group, i+1)
}

// owned reports whether a rule's name is one the bot gives.
func owned(name string) bool { return strings.HasPrefix(name, NamePrefix) }
