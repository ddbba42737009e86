package modrules

import (
	"context"
	"fmt"
	"slices"

	"github.com/embodied-community/embodied/internal/moderation"
	"github.com/embodied-community/embodied/internal/store"
)

// Change is one edit of a guild's rules: applied to the loaded rules first,
// so the whole result can be compiled before anything is written.
type Change struct {
	// Summary describes the change for replies and the audit record.
	Summary string
	// Details go into the audit record.
	Details map[string]any
	apply   func(*Rules) error
	write   func(ctx context.Context, tx store.Tx, guildID string) error
}

// with writes a change with one of store.Tx's rule methods.
func with[T any](write func(store.Tx, context.Context, string, T) error, v T) func(context.Context, store.Tx, string) error {
	return func(ctx context.Context, tx store.Tx, guildID string) error { return write(tx, ctx, guildID, v) }
}

// remove deletes v from *list, or returns missing when it is not there.
func remove(list *[]string, v string, missing error) error {
	i := slices.Index(*list, v)
	if i < 0 {
		return missing
	}
	*list = slices.Delete(*list, i, i+1)
	return nil
}

// AddKeyword blocks a keyword, or changes the category and severity of one
// already blocked.
func AddKeyword(pattern string, cat moderation.Category, sev moderation.Severity) *Change {
	pattern = normalizePattern(pattern)
	if cat == "" {
		cat = moderation.CategoryProfanity
	}
	if sev == 0 {
		sev = moderation.SeverityMedium
	}
	return &Change{
		Summary: fmt.Sprintf("keyword `%s` (%s, %s)", pattern, cat, sev),
		Details: map[string]any{"pattern": pattern, "category": string(cat), "severity": sev.String()},
		apply: func(r *Rules) error {
			if err := checkPattern("keyword", pattern); err != nil {
				return err
			}
			if !cat.Valid() {
				return inputf("unknown category %q", cat)
			}
			k := moderation.Keyword{Pattern: pattern, Category: cat, Severity: sev}
			i := slices.IndexFunc(r.Keywords, func(k moderation.Keyword) bool { return k.Pattern == pattern })
			if i >= 0 {
				r.Keywords[i] = k
			} else {
				r.Keywords = append(r.Keywords, k)
			}
			return nil
		},
		write: with(store.Tx.PutModerationKeyword, store.ModerationKeyword{Pattern: pattern, Category: string(cat), Severity: sev.String()}),
	}
}

// RemoveKeyword unblocks a keyword.
func RemoveKeyword(pattern string) *Change {
	pattern = normalizePattern(pattern)
	return &Change{
		Summary: fmt.Sprintf("keyword `%s`", pattern),
		Details: map[string]any{"pattern": pattern},
		apply: func(r *Rules) error {
			n := len(r.Keywords)
			r.Keywords = slices.DeleteFunc(r.Keywords, func(k moderation.Keyword) bool { return k.Pattern == pattern })
			if len(r.Keywords) == n {
				return inputf("`%s` is not one of this server's keywords.", pattern)
			}
			return nil
		},
		write: with(store.Tx.DeleteModerationKeyword, pattern),
	}
}

// AddAllow adds an allow-list entry.
func AddAllow(term string) *Change {
	term = normalizePattern(term)
	return &Change{
		Summary: fmt.Sprintf("allowed term `%s`", term),
		Details: map[string]any{"term": term},
		apply: func(r *Rules) error {
			if err := checkPattern("allow entry", term); err != nil {
				return err
			}
			if slices.Contains(r.Allow, term) {
				return inputf("`%s` is already allowed.", term)
			}
			r.Allow = append(r.Allow, term)
			return nil
		},
		write: with(store.Tx.AddModerationAllow, term),
	}
}

// RemoveAllow removes an allow-list entry.
func RemoveAllow(term string) *Change {
	term = normalizePattern(term)
	return &Change{
		Summary: fmt.Sprintf("allowed term `%s`", term),
		Details: map[string]any{"term": term},
		apply: func(r *Rules) error {
			return remove(&r.Allow, term, inputf("`%s` is not on this server's allow list.", term))
		},
		write: with(store.Tx.DeleteModerationAllow, term),
	}
}

// SetCategory switches a category on or off and sets its action ("" keeps
// the current one).
func SetCategory(cat moderation.Category, enabled bool, action Action) *Change {
	c := &Change{Details: map[string]any{"category": string(cat), "enabled": enabled}}
	c.apply = func(r *Rules) error {
		if !cat.Valid() {
			return inputf("unknown category %q", cat)
		}
		s := r.Setting(cat)
		if action != "" {
			if !action.Valid() {
				return inputf("unknown action %q: use flag or refuse", action)
			}
			s.Action = action
		}
		s.Enabled = enabled
		r.put(s)
		c.Details["action"] = string(s.Action)
		state := "off"
		if enabled {
			state = "on, action " + string(s.Action)
		}
		c.Summary = fmt.Sprintf("category %s: %s", cat, state)
		return nil
	}
	c.write = func(ctx context.Context, tx store.Tx, guildID string) error {
		// The action is known once apply has merged the current setting.
		action, _ := c.Details["action"].(string)
		return tx.PutModerationCategory(ctx, guildID, store.ModerationCategory{Category: string(cat), Enabled: enabled, Action: action})
	}
	return c
}

// put replaces the rules' setting of s.Category with s.
func (r *Rules) put(s CategorySetting) {
	i := slices.IndexFunc(r.Categories, func(x CategorySetting) bool { return x.Category == s.Category })
	if i >= 0 {
		r.Categories[i] = s
	} else {
		r.Categories = append(r.Categories, s)
	}
}

// ExemptRole exempts members with a role from moderation.
func ExemptRole(roleID string) *Change {
	return exemptList{noun: "role", mention: "<@&%s>", key: "roleId", max: MaxExemptRoles,
		list: func(r *Rules) *[]string { return &r.ExemptRoles }}.add(roleID, store.Tx.AddModerationExemptRole)
}

// MaxExemptRoles caps a guild's exempt roles, as AutoMod does (20).
const MaxExemptRoles = 20

// UnexemptRole ends a role's exemption.
func UnexemptRole(roleID string) *Change {
	return exemptList{noun: "role", mention: "<@&%s>", key: "roleId",
		list: func(r *Rules) *[]string { return &r.ExemptRoles }}.remove(roleID, store.Tx.DeleteModerationExemptRole)
}

// exemptList is one of the rules' exemption lists (roles, channels).
type exemptList struct {
	noun, mention, key string
	max                int
	list               func(*Rules) *[]string
}

// add is the change that puts id on the list, written with write.
func (l exemptList) add(id string, write func(store.Tx, context.Context, string, string) error) *Change {
	m := fmt.Sprintf(l.mention, id)
	return &Change{
		Summary: fmt.Sprintf("exempt %s %s", l.noun, m),
		Details: map[string]any{l.key: id},
		apply: func(r *Rules) error {
			list := l.list(r)
			if slices.Contains(*list, id) {
				return inputf("%s is already exempt.", m)
			}
			if len(*list) >= l.max {
				return inputf("at most %d exempt %ss", l.max, l.noun)
			}
			*list = append(*list, id)
			return nil
		},
		write: with(write, id),
	}
}

// remove is the change that takes id off the list, written with write.
func (l exemptList) remove(id string, write func(store.Tx, context.Context, string, string) error) *Change {
	m := fmt.Sprintf(l.mention, id)
	return &Change{
		Summary: fmt.Sprintf("exempt %s %s", l.noun, m),
		Details: map[string]any{l.key: id},
		apply:   func(r *Rules) error { return remove(l.list(r), id, inputf("%s is not exempt.", m)) },
		write:   with(write, id),
	}
}

// AddRegex adds a regex: RE2 syntax within the bounds moderation.CheckRegex
// enforces (length, program size, counted repetitions).
func AddRegex(pattern string) *Change {
	return &Change{
		Summary: fmt.Sprintf("regex `%s`", pattern),
		Details: map[string]any{"pattern": pattern},
		apply: func(r *Rules) error {
			if err := moderation.CheckRegex(pattern); err != nil {
				return &InputError{Message: err.Error()}
			}
			if slices.Contains(r.Regexes, pattern) {
				return inputf("that regex is already in the rules.")
			}
			r.Regexes = append(r.Regexes, pattern)
			return nil
		},
		write: with(store.Tx.AddModerationRegex, pattern),
	}
}

// RemoveRegex removes a regex.
func RemoveRegex(pattern string) *Change {
	return &Change{
		Summary: fmt.Sprintf("regex `%s`", pattern),
		Details: map[string]any{"pattern": pattern},
		apply: func(r *Rules) error {
			return remove(&r.Regexes, pattern, inputf("that regex is not in the rules."))
		},
		write: with(store.Tx.DeleteModerationRegex, pattern),
	}
}

// LabelRegexes sets the category and severity every regex match reports.
func LabelRegexes(cat moderation.Category, sev moderation.Severity) *Change {
	return &Change{
		Summary: fmt.Sprintf("regex matches count as %s, %s", cat, sev),
		Details: map[string]any{"category": string(cat), "severity": sev.String()},
		apply: func(r *Rules) error {
			if !cat.Valid() {
				return inputf("unknown category %q", cat)
			}
			if sev < moderation.SeverityLow || sev > moderation.SeverityCritical {
				return inputf("unknown severity")
			}
			r.RegexCategory, r.RegexSeverity = cat, sev
			return nil
		},
		write: func(ctx context.Context, tx store.Tx, guildID string) error {
			return tx.SetModerationRegexLabel(ctx, guildID, string(cat), sev.String())
		},
	}
}

// SetOverrun sets what happens to a text whose regexes did not finish
// within their time budget.
func SetOverrun(o Overrun) *Change {
	return &Change{
		Summary: fmt.Sprintf("texts the regexes cannot check in time: %s", o),
		Details: map[string]any{"overrun": string(o)},
		apply: func(r *Rules) error {
			if !o.Valid() {
				return inputf("unknown choice %q: use flag, refuse or allow", o)
			}
			r.Overrun = o
			return nil
		},
		write: with(store.Tx.SetModerationOverrun, string(o)),
	}
}
