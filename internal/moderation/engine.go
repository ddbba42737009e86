package moderation

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// MaxInputBytes caps how much of a text is scanned. Discord allows 4000
// characters in a modal text input and 6000 in an embed; at up to four
// bytes a character that is 24000 bytes. Longer input is truncated (on a
// rune boundary) before scanning, so one call never does more than a
// bounded, linear amount of work.
const MaxInputBytes = 6000 * 4

// Limits on per-guild rules, modelled on Discord AutoMod's own.
const (
	MaxKeywords    = 1000
	MaxKeywordLen  = 60
	MaxAllow       = 100
	MaxRegexes     = 10
	MaxRegexLen    = 260
	minKeywordBody = 2
)

// Keyword is a custom blocked term in AutoMod syntax: "cat" matches the
// word, "cat*" words starting with it, "*cat" words ending with it and
// "*cat*" any text containing it. Matching is on normalised text, so
// "c@t" and "ｃａｔ" match "cat" too.
type Keyword struct {
	Pattern  string
	Category Category // empty means CategoryProfanity
	Severity Severity // zero means SeverityMedium
}

// Rules is a guild's configuration, compiled by New into an Engine. Callers
// compile once per change and cache the Engine; Check is cheap.
type Rules struct {
	// Keywords are blocked in addition to the built-in lists.
	Keywords []Keyword
	// Allow lists terms in AutoMod syntax that suppress a hit they fully
	// cover: allowing "scunthorpe" clears the "cunt" inside it, allowing
	// "class" does not clear "class act of a bitch".
	Allow []string
	// Disabled turns categories off, built-in and custom alike.
	Disabled []Category
	// Regexes are Go (RE2, linear-time) expressions matched against the
	// original text, at most MaxRegexes within the bounds CheckRegex
	// enforces.
	Regexes []string
	// DropBadRegexes leaves out the regexes CheckRegex refuses, listed by
	// Engine.Dropped, instead of failing: for rules stored before today's
	// bounds, which the guild keeps with those regexes disabled.
	DropBadRegexes bool
	// RegexBudget is the time the regexes may take on one text (0:
	// DefaultRegexBudget); past it the verdict is marked Overrun.
	RegexBudget time.Duration
	// Now is the budget's clock (default time.Now).
	Now func() time.Time
	// RegexCategory and RegexSeverity label regex matches (defaults:
	// profanity, medium).
	RegexCategory Category
	RegexSeverity Severity
	// NoBuiltin drops the built-in word lists, leaving PII and spam
	// detection and the rules above.
	NoBuiltin bool
}

// rule is one compiled list entry or keyword.
type rule struct {
	term        string // as written, reported in Match.Term
	cat         Category
	sev         Severity
	left, right bool // word boundary required before / after
	allow       bool
	allowOnly   Category // for an allow rule: the one category it clears ("": all)
	hint        hintSet  // marks text worth a closer look, reports nothing
	needStretch bool     // variant that only counts over a collapsed run
	pset        int32    // for a phrase hint: 1 + index of the word's trigger sets
}

// matcher is an automaton plus the rules behind each pattern.
type matcher struct {
	ac      *automaton
	rulesOf [][]int32
	rules   []rule
}

// Engine checks text against compiled rules. It is safe for concurrent
// use.
type Engine struct {
	base     *matcher       // built-in lists, shared by all engines
	phrases  *phraseMatcher // built-in phrase rules, with base
	custom   *matcher       // guild keywords and allow list, nil if none
	disabled [numCategories]bool
	regexes  []guildRegex
	dropped  []DroppedRegex
	rxCat    Category
	rxSev    Severity
	budget   time.Duration
	now      func() time.Time // the budget's clock (tests replace it)
	pool     sync.Pool
}

const numCategories = 9

var categoryIndex = map[Category]int{
	CategoryProfanity: 0, CategorySexual: 1, CategorySlur: 2, CategoryInsult: 3,
	CategoryThreat: 4, CategoryPII: 5, CategorySpam: 6, CategorySelfHarm: 7, CategorySextortion: 8,
}

var (
	builtinOnce    sync.Once
	builtinMatcher *matcher
	defaultOnce    sync.Once
	defaultEngine  *Engine
)

func builtin() *matcher {
	builtinOnce.Do(func() {
		var c compiler
		for _, l := range builtinLists {
			for _, e := range expandList(l.entries) {
				c.add(rule{term: e, cat: l.cat, sev: l.sev})
			}
		}
		for _, e := range expandList(builtinAllow) {
			c.add(rule{term: e, allow: true})
		}
		for _, e := range emailHints {
			c.add(rule{term: e, hint: hintEmail})
		}
		for _, e := range handleHints {
			c.add(rule{term: e, hint: hintHandle})
		}
		for i, w := range builtinPhrases().triggers {
			c.add(rule{term: w, hint: hintPhrase, pset: int32(i + 1)})
			if w == "noone" { // the phrase pass reads "no one" as one word
				c.add(rule{term: "no one", hint: hintPhrase, pset: int32(i + 1)})
			}
		}
		builtinMatcher = c.build()
	})
	return builtinMatcher
}

// Default returns the engine with the built-in lists only. It is compiled
// once and shared.
func Default() *Engine {
	defaultOnce.Do(func() {
		e, err := New(Rules{})
		if err != nil {
			panic(err) // the built-in lists are constant; a test covers this
		}
		defaultEngine = e
	})
	return defaultEngine
}

// New compiles rules into an engine. The built-in lists are compiled once
// per process and shared; only the guild's keywords and allow list get an
// automaton of their own, so an engine per guild stays small. All problems
// with the rules are reported at once.
func New(r Rules) (*Engine, error) {
	e := &Engine{rxCat: r.RegexCategory, rxSev: r.RegexSeverity, budget: r.RegexBudget, now: time.Now}
	if e.budget <= 0 {
		e.budget = DefaultRegexBudget
	}
	if r.Now != nil {
		e.now = r.Now
	}
	if e.rxCat == "" {
		e.rxCat = CategoryProfanity
	}
	if e.rxSev == 0 {
		e.rxSev = SeverityMedium
	}
	var errs []error
	if !r.NoBuiltin {
		e.base = builtin()
		e.phrases = builtinPhrases()
	}
	for _, c := range r.Disabled {
		i, ok := categoryIndex[c]
		if !ok {
			errs = append(errs, fmt.Errorf("disabled category %q: unknown", c))
			continue
		}
		e.disabled[i] = true
	}
	if len(r.Keywords) > MaxKeywords {
		errs = append(errs, fmt.Errorf("%d keywords: at most %d", len(r.Keywords), MaxKeywords))
	}
	if len(r.Allow) > MaxAllow {
		errs = append(errs, fmt.Errorf("%d allow entries: at most %d", len(r.Allow), MaxAllow))
	}
	var c compiler
	for _, k := range r.Keywords {
		if err := checkKeyword(k.Pattern); err != nil {
			errs = append(errs, fmt.Errorf("keyword %q: %w", k.Pattern, err))
			continue
		}
		cat, sev := k.Category, k.Severity
		if cat == "" {
			cat = CategoryProfanity
		}
		if !cat.Valid() {
			errs = append(errs, fmt.Errorf("keyword %q: unknown category %q", k.Pattern, cat))
			continue
		}
		if sev == 0 {
			sev = SeverityMedium
		}
		if sev < SeverityLow || sev > SeverityCritical {
			errs = append(errs, fmt.Errorf("keyword %q: severity %d out of range", k.Pattern, int(sev)))
			continue
		}
		c.add(rule{term: k.Pattern, cat: cat, sev: sev})
	}
	for _, a := range r.Allow {
		if err := checkKeyword(a); err != nil {
			errs = append(errs, fmt.Errorf("allow entry %q: %w", a, err))
			continue
		}
		c.add(rule{term: a, allow: true})
	}
	var rxErrs []error
	for _, s := range r.Regexes {
		rx, err := compileRegex(s)
		switch {
		case err != nil && r.DropBadRegexes:
			e.dropped = append(e.dropped, DroppedRegex{Pattern: s, Err: err})
		case err != nil:
			rxErrs = append(rxErrs, err)
		default:
			e.regexes = append(e.regexes, rx)
		}
	}
	if n := len(r.Regexes) - len(e.dropped); n > MaxRegexes {
		errs = append(errs, fmt.Errorf("%d regexes: at most %d", n, MaxRegexes))
	}
	errs = append(errs, rxErrs...)
	if len(errs) > 0 {
		return nil, fmt.Errorf("compile moderation rules: %w", errors.Join(errs...))
	}
	if len(c.rules) > 0 {
		e.custom = c.build()
	}
	e.pool.New = func() any { return new(scratch) }
	return e, nil
}

// checkKeyword validates a keyword or allow entry.
func checkKeyword(p string) error {
	if len(p) > MaxKeywordLen {
		return fmt.Errorf("longer than %d bytes", MaxKeywordLen)
	}
	body := strings.Trim(p, "*")
	if strings.Contains(body, "*") {
		return errors.New("'*' is allowed only at the start or end")
	}
	if len(strings.TrimSpace(Normalize(body))) < minKeywordBody {
		return fmt.Errorf("shorter than %d characters once normalised", minKeywordBody)
	}
	return nil
}

// compiler collects rules and their pattern variants.
type compiler struct {
	rules   []rule
	index   map[string]int32
	pats    []string
	rulesOf [][]int32
}

// add registers a rule in AutoMod syntax with the variants that let one
// automaton see through obfuscation the normaliser cannot undo:
//   - each vowel replaced by '*' ("f*ck"),
//   - every 'l' as 'i' (the normaliser reads the ambiguous '1' as 'i'),
//   - doubled letters squeezed, valid only across a collapsed run
//     ("asssss" normalises to "as", stretched).
func (c *compiler) add(r rule) {
	r.left = !strings.HasPrefix(r.term, "*")
	r.right = !strings.HasSuffix(r.term, "*")
	var n normalized
	n.run(truncate(strings.Trim(r.term, "*")))
	p := strings.TrimSpace(string(n.out))
	if len(n.stretched) > 0 {
		// "xxx" normalises to a stretched "x": it must not match a lone x.
		r.needStretch = true
	}
	if p == "" {
		return
	}
	c.addPattern(p, r)
	if strings.Contains(p, "l") {
		c.addPattern(strings.ReplaceAll(p, "l", "i"), r)
	}
	if !r.allow && r.hint == 0 && len(p) >= 3 && !strings.Contains(p, " ") {
		for i := 0; i < len(p); i++ {
			if strings.IndexByte("aeiou", p[i]) >= 0 {
				c.addPattern(p[:i]+"*"+p[i+1:], r)
			}
		}
	}
	if sq := squeeze(p); sq != p {
		s := r
		s.needStretch = true
		c.addPattern(sq, s)
	}
}

// squeeze collapses doubled letters: "asshole" → "ashole".
func squeeze(p string) string {
	b := []byte(p)
	w := 0
	for i, x := range b {
		if i > 0 && x == b[i-1] && x-'a' < 26 {
			continue
		}
		b[w] = x
		w++
	}
	return string(b[:w])
}

func (c *compiler) addPattern(p string, r rule) {
	if c.index == nil {
		c.index = map[string]int32{}
	}
	id, ok := c.index[p]
	if !ok {
		id = int32(len(c.pats))
		c.index[p] = id
		c.pats = append(c.pats, p)
		c.rulesOf = append(c.rulesOf, nil)
	}
	c.rules = append(c.rules, r)
	c.rulesOf[id] = append(c.rulesOf[id], int32(len(c.rules)-1))
}

func (c *compiler) build() *matcher {
	return &matcher{ac: newAutomaton(c.pats), rulesOf: c.rulesOf, rules: c.rules}
}

// scratch is the per-call working memory, pooled to keep Check free of
// allocations on clean text.
type scratch struct {
	n       normalized
	hints   hintSet // detectors the scan found worth running
	psets   setBits // the phrase rules' trigger sets the scan saw
	hits    []hit
	found   []found
	allowed []found
	phrase  phraseScratch
}

// found is a rule hit in normalised coordinates.
type found struct {
	r          *rule
	start, end int32
}

// Check scans text and returns its verdict. Text longer than
// MaxInputBytes is truncated first. The guild's regexes run within the
// engine's budget; a verdict whose regexes did not all finish in time is
// marked Overrun (and may still hold the matches found so far).
func (e *Engine) Check(text string) Verdict {
	text = truncate(text)
	sc := e.pool.Get().(*scratch)
	defer e.pool.Put(sc)
	sc.n.run(text)
	sc.found = sc.found[:0]
	sc.allowed = sc.allowed[:0]
	sc.hints = 0
	sc.psets = setBits{}
	sc.phrase.overrun = false
	if e.base == nil {
		// Without the built-in automaton there are no hint patterns.
		sc.hints = hintHandle
		if mayHideEmail(sc.n.out) {
			sc.hints |= hintEmail
		}
	}
	if e.base != nil {
		e.collect(sc, e.base)
		if pm := e.phrases; sc.hints&hintPhrase != 0 && pm.anyLive(&sc.psets) {
			sc.phrase.allowed = sc.allowed
			sc.found = pm.run(sc.n.out, &sc.psets, &sc.phrase, &e.disabled, sc.found)
			sc.allowed, sc.phrase.allowed = sc.phrase.allowed, nil
		}
	}
	if e.custom != nil {
		e.collect(sc, e.custom)
	}
	var ms []Match
	if len(sc.found) > 0 {
		ms = e.resolve(sc)
	}
	if !e.disabled[categoryIndex[CategoryPII]] || !e.disabled[categoryIndex[CategorySpam]] {
		ms = e.scanRaw(text, sc.hints, ms)
	}
	overrun := sc.phrase.overrun
	// A category turned off silences its regexes too.
	if len(e.regexes) > 0 && !e.disabled[categoryIndex[e.rxCat]] {
		var rxOverrun bool
		ms, rxOverrun = e.matchRegexes(text, ms)
		overrun = overrun || rxOverrun
	}
	if len(ms) > 1 {
		slices.SortStableFunc(ms, func(a, b Match) int {
			if a.Start != b.Start {
				return a.Start - b.Start
			}
			return b.End - a.End
		})
	}
	v := verdictOf(ms)
	v.Overrun = overrun
	return v
}

// collect runs one matcher and keeps the hits whose boundary and stretch
// conditions hold.
func (e *Engine) collect(sc *scratch, m *matcher) {
	out := sc.n.out
	sc.hits = m.ac.scan(out, sc.hits[:0])
	for _, h := range sc.hits {
		for _, ri := range m.rulesOf[h.pat] {
			r := &m.rules[ri]
			if r.left && wordBefore(out, int(h.start)) || r.right && wordAfter(out, int(h.end)) {
				continue
			}
			if r.needStretch && !sc.n.stretchedIn(h.start, h.end) {
				continue
			}
			if r.hint != 0 {
				sc.hints |= r.hint
				if r.pset > 0 {
					sc.psets.or(&e.phrases.triggerSets[r.pset-1])
				}
				continue
			}
			if r.allow {
				sc.allowed = append(sc.allowed, found{r, h.start, h.end})
				continue
			}
			if e.disabled[categoryIndex[r.cat]] {
				continue
			}
			sc.found = append(sc.found, found{r, h.start, h.end})
		}
	}
}

// resolve drops allowed hits and hits inside a more severe (or equal) one,
// and maps the rest to original byte ranges. After sorting it is one sweep:
// hits come by start, longest first, so a hit is covered by an earlier one
// exactly when some earlier end reaches past its own.
func (e *Engine) resolve(sc *scratch) []Match {
	byStart := func(a, b found) int {
		if a.start != b.start {
			return int(a.start - b.start)
		}
		if a.end != b.end {
			return int(b.end - a.end)
		}
		return int(b.r.sev - a.r.sev)
	}
	fs := sc.found
	slices.SortFunc(fs, byStart)
	allowed := sc.allowed
	slices.SortFunc(allowed, byStart)
	var ms []Match
	// maxEnd[s] is the furthest end of a kept hit of severity s or more.
	var maxEnd [SeverityCritical + 1]int32
	// allowEnd reaches as far as the allow hits that clear everything,
	// insultEnd as far as those that clear insults only.
	allowEnd, insultEnd, ai := int32(-1), int32(-1), 0
	n := &sc.n
	for _, f := range fs {
		for ai < len(allowed) && allowed[ai].start <= f.start {
			if allowed[ai].r.allowOnly == "" {
				allowEnd = max(allowEnd, allowed[ai].end)
			} else {
				insultEnd = max(insultEnd, allowed[ai].end)
			}
			ai++
		}
		if allowEnd >= f.end || f.r.cat == CategoryInsult && insultEnd >= f.end || maxEnd[f.r.sev] >= f.end {
			continue
		}
		for s := SeverityLow; s <= f.r.sev; s++ {
			maxEnd[s] = max(maxEnd[s], f.end)
		}
		ms = append(ms, Match{
			Category: f.r.cat,
			Severity: f.r.sev,
			Term:     f.r.term,
			Start:    int(n.span[f.start].s),
			End:      int(n.span[f.end-1].e),
		})
	}
	return ms
}

// wordBefore reports whether a word continues before out[i]. A '*' is a
// letter only between letters ("f*ck"); at a word's edge it is markdown.
func wordBefore(out []byte, i int) bool {
	if i == 0 {
		return false
	}
	b := out[i-1]
	if b == '*' {
		return i >= 2 && isLetter(out[i-2])
	}
	return isLetter(b)
}

// wordAfter reports whether a word continues at out[i].
func wordAfter(out []byte, i int) bool {
	if i >= len(out) {
		return false
	}
	b := out[i]
	if b == '*' {
		return i+1 < len(out) && isLetter(out[i+1])
	}
	return isLetter(b)
}
