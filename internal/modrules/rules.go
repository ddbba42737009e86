// Package modrules keeps each guild's content-moderation rules: AutoMod-style
// keywords, an allow list, categories switched on or off with an action each
// (flag for review or refuse), exempt roles and regexes. Rules live in
// PostgreSQL; every change is validated by compiling the whole rule set
// with the moderation engine, written with its audit record in one
// transaction, and drops the guild's compiled engine from the cache.
//
// A stored regex that breaks the engine's bounds (moderation.CheckRegex;
// rows written before the bounds existed) is disabled when the rules load:
// the rest of the guild's rules keep working, the service logs it and
// alerts the guild's admins once per process, and an admin removes it with
// regex-remove. A text the guild's regexes could not check within their
// budget is treated as the guild chose (Overrun: flag for review by
// default, refuse, or allow).
package modrules

import (
	"fmt"
	"slices"
	"strings"

	"github.com/embodied-community/embodied/internal/moderation"
)

// Action is what happens to text matching a category.
type Action string

// Actions. ActionDefault flags everything and refuses only the critical
// severity (slurs and threats at their worst).
const (
	ActionDefault Action = "default"
	ActionFlag    Action = "flag"
	ActionRefuse  Action = "refuse"
)

// Valid reports whether a is a known action.
func (a Action) Valid() bool { return a == ActionDefault || a == ActionFlag || a == ActionRefuse }

// Overrun is what happens to a text whose guild regexes did not finish
// within their time budget (moderation.DefaultRegexBudget).
type Overrun string

// Overrun choices. The empty value means OverrunFlag.
const (
	// OverrunFlag flags the text for review: it waits for a human.
	OverrunFlag Overrun = "flag"
	// OverrunRefuse refuses the text, as a refused category does.
	OverrunRefuse Overrun = "refuse"
	// OverrunAllow lets the text through with what the checks that
	// finished found.
	OverrunAllow Overrun = "allow"
)

// Valid reports whether o is a known choice.
func (o Overrun) Valid() bool { return o == OverrunFlag || o == OverrunRefuse || o == OverrunAllow }

// CategorySetting is a guild's choice for one category. Categories without
// a setting are on, with ActionDefault.
type CategorySetting struct {
	Category moderation.Category
	Enabled  bool
	Action   Action
	// Message is what a channel message matching the category gets
	// (message moderation; MessageFlag when unset).
	Message MessageAction
}

// Rules is one guild's configuration as stored.
type Rules struct {
	GuildID string
	// Version goes up with every change (0: never changed).
	Version       int64
	Keywords      []moderation.Keyword
	Allow         []string
	Categories    []CategorySetting
	ExemptRoles   []string
	Regexes       []string
	RegexCategory moderation.Category
	RegexSeverity moderation.Severity
	// Overrun is the guild's choice for texts its regexes could not check
	// within the budget ("" at version 0: OverrunFlag).
	Overrun Overrun
	// ExemptChannels are the channels whose messages message moderation
	// does not check.
	ExemptChannels []string
}

// InputError is a rule change refused because of what the admin typed; its
// message is meant for them.
type InputError struct{ Message string }

func (e *InputError) Error() string { return e.Message }

func inputf(format string, args ...any) error {
	return &InputError{Message: fmt.Sprintf(format, args...)}
}

// Setting returns the guild's setting for c.
func (r Rules) Setting(c moderation.Category) CategorySetting {
	for _, s := range r.Categories {
		if s.Category == c {
			return s
		}
	}
	return CategorySetting{Category: c, Enabled: true, Action: ActionDefault, Message: MessageFlag}
}

// Guild is a guild's compiled rules: a moderation.Checker that also knows
// which verdicts the guild refuses and which roles it exempts. It is safe
// for concurrent use.
type Guild struct {
	Version int64
	// Disabled lists the stored regexes that are not run because they
	// break the engine's bounds (rows written before the bounds existed).
	Disabled []DisabledRegex
	engine   *moderation.Engine
	actions  map[moderation.Category]Action
	exempt   []string
	rxCat    moderation.Category
	rxSev    moderation.Severity
	overrun  Overrun
	// messages and exemptChannels are the message-moderation choices
	// (message.go).
	messages       map[moderation.Category]MessageAction
	exemptChannels []string
}

// DisabledRegex is a stored regex that is not run, and why.
type DisabledRegex struct {
	Pattern string
	Reason  string
}

// disabledRegexes lists the stored regexes moderation.CheckRegex refuses.
// Stored rules were valid when written; a regex refused now breaks bounds
// added since, and is disabled rather than taking the rest of the guild's
// rules down with it (CompileStored). An admin removes it with
// regex-remove.
func (r Rules) disabledRegexes() []DisabledRegex {
	var disabled []DisabledRegex
	for _, p := range r.Regexes {
		if err := moderation.CheckRegex(p); err != nil {
			disabled = append(disabled, disabledRegex(p, err))
		}
	}
	return disabled
}

// disabledRegex is stored regex p, which CheckRegex refuses with err.
func disabledRegex(p string, err error) DisabledRegex {
	return DisabledRegex{Pattern: p, Reason: strings.TrimPrefix(err.Error(), fmt.Sprintf("regex %q: ", p))}
}

// CompileStored builds the engine of rules read from the database: regexes
// over today's bounds are left out and listed
// in the result's Disabled. Each regex is compiled once, by the engine.
func (r Rules) CompileStored() (*Guild, error) { return r.compile(true) }

// Compile builds the guild's engine. All problems are reported at once, as
// an InputError.
func (r Rules) Compile() (*Guild, error) { return r.compile(false) }

func (r Rules) compile(dropBadRegexes bool) (*Guild, error) {
	g := &Guild{Version: r.Version, actions: map[moderation.Category]Action{}, exempt: slices.Clone(r.ExemptRoles),
		rxCat: r.RegexCategory, rxSev: r.RegexSeverity, overrun: r.Overrun,
		messages: map[moderation.Category]MessageAction{}, exemptChannels: slices.Clone(r.ExemptChannels)}
	if g.overrun == "" {
		g.overrun = OverrunFlag
	}
	if !g.overrun.Valid() {
		return nil, inputf("unknown overrun choice %q: use flag, refuse or allow", g.overrun)
	}
	if g.rxCat == "" {
		g.rxCat = moderation.CategoryProfanity
	}
	if g.rxSev == 0 {
		g.rxSev = moderation.SeverityMedium
	}
	mr := moderation.Rules{Keywords: r.Keywords, Allow: r.Allow, Regexes: r.Regexes, DropBadRegexes: dropBadRegexes,
		RegexCategory: r.RegexCategory, RegexSeverity: r.RegexSeverity}
	for _, s := range r.Categories {
		if !s.Enabled {
			mr.Disabled = append(mr.Disabled, s.Category)
		}
		if !s.Action.Valid() {
			return nil, inputf("category %s: unknown action %q", s.Category, s.Action)
		}
		g.actions[s.Category] = s.Action
		if s.Message != "" {
			if !s.Message.Valid() {
				return nil, inputf("category %s: unknown message action %q", s.Category, s.Message)
			}
			g.messages[s.Category] = s.Message
		}
	}
	empty := len(mr.Keywords) == 0 && len(mr.Allow) == 0 && len(mr.Regexes) == 0 && len(mr.Disabled) == 0
	if empty {
		g.engine = moderation.Default()
		return g, nil
	}
	e, err := moderation.New(mr)
	if err != nil {
		return nil, &InputError{Message: strings.TrimPrefix(err.Error(), "compile moderation rules: ")}
	}
	g.engine = e
	for _, d := range e.Dropped() {
		g.Disabled = append(g.Disabled, disabledRegex(d.Pattern, d.Err))
	}
	return g, nil
}

// Engine is the guild's compiled engine (for moderation.RunCLI).
func (g *Guild) Engine() *moderation.Engine { return g.engine }

// Check runs the guild's engine. A text its regexes could not finish
// checking within the budget is treated as the guild chose: unless it
// allows such texts, one that nothing else flagged is flagged (reason
// moderation.ReasonRulesOverrun, labelled as the guild labels regex
// matches), and Refuses refuses it when the guild refuses overruns. Either
// way the verdict keeps Overrun set, for the metrics.
func (g *Guild) Check(text string) moderation.Verdict {
	v := g.engine.Check(text)
	if v.Overrun && !v.Flagged && g.overrun != OverrunAllow {
		v.Flagged, v.Reason, v.Category, v.Severity = true, moderation.ReasonRulesOverrun, g.rxCat, g.rxSev
	}
	return v
}

// Refuses reports whether the guild refuses text with this verdict: a match
// in a category set to refuse, a critical match in a category left at the
// default, or an overrun when the guild refuses overruns. Categories set to
// flag are never refused.
func (g *Guild) Refuses(v moderation.Verdict) bool {
	if v.Overrun && g.overrun == OverrunRefuse {
		return true
	}
	for _, m := range v.Matches {
		switch g.actions[m.Category] {
		case ActionRefuse:
			return true
		case ActionFlag:
		default:
			if m.Severity >= moderation.SeverityCritical {
				return true
			}
		}
	}
	return false
}

// Exempt reports whether a member with these roles skips moderation.
func (g *Guild) Exempt(roles []string) bool {
	for _, r := range roles {
		if slices.Contains(g.exempt, r) {
			return true
		}
	}
	return false
}

// checkPattern validates a keyword or allow entry on its own, for a message
// that names just it.
func checkPattern(what, p string) error {
	var err error
	if what == "allow entry" {
		_, err = moderation.New(moderation.Rules{Allow: []string{p}, NoBuiltin: true})
	} else {
		_, err = moderation.New(moderation.Rules{Keywords: []moderation.Keyword{{Pattern: p}}, NoBuiltin: true})
	}
	if err != nil {
		return &InputError{Message: strings.TrimPrefix(err.Error(), "compile moderation rules: ")}
	}
	return nil
}

// normalizePattern is how patterns are stored: trimmed and lower-cased, so
// "Cat*" and "cat*" are one entry. Matching is case-insensitive anyway.
func normalizePattern(p string) string { return strings.ToLower(strings.TrimSpace(p)) }
