package moderation

import (
	"fmt"
	"math/bits"
	"slices"
	"strings"
	"sync"
)

// Phrase rules catch what no single word gives away: "I know where you
// live", "nobody would miss you", "I'll leak your pics". They run over the
// words of the normalised text (so leetspeak, homoglyphs, zero-width
// characters and stretched letters are already undone) as patterns of
// slots, each slot a word, a word class or a bounded gap:
//
//	@fut ADV? KILL YOU !PLAY
//
// Patterns may hold groups of alternative word sequences, "(i will|im
// gonna)", which are matched, not expanded: the set of positions a pattern
// can reach is carried through it (as bits relative to its start), and a
// group's result at a position is computed once per text. A rule is tried
// only when the built-in automaton saw one of its trigger words, patterns
// are of constant size, and the words are looked up once each: the work
// stays linear in the text.

// classBits is a set of word classes.
type classBits [2]uint64

func (c classBits) has(i int) bool { return c[i>>6]&(1<<(i&63)) != 0 }
func (c *classBits) set(i int)     { c[i>>6] |= 1 << (i & 63) }
func (c classBits) and(d classBits) bool {
	return c[0]&d[0] != 0 || c[1]&d[1] != 0
}

// maxSets bounds the number of distinct trigger sets.
const maxSets = 256

// setBits is a set of trigger sets.
type setBits [maxSets / 64]uint64

func (c *setBits) set(i int) { c[i>>6] |= 1 << (i & 63) }
func (c *setBits) or(d *setBits) {
	for i := range c {
		c[i] |= d[i]
	}
}

// within reports whether every bit of c is in d.
func (c *setBits) within(d *setBits) bool {
	for i := range c {
		if c[i]&^d[i] != 0 {
			return false
		}
	}
	return true
}

// lexEntry is what the phrase rules know about one word: its own id (for
// literal slots) and the classes it belongs to.
type lexEntry struct {
	id  int32
	cls classBits
}

// slotKind is what a pattern slot does.
type slotKind uint8

const (
	slotWord slotKind = iota // one word from a set
	slotGap                  // up to n words of anything
	slotNot                  // zero-width: the next word is not in the set
	slotEnd                  // zero-width: the text or sentence ends, or a laugh follows
)

// slot is one position of a phrase pattern.
type slot struct {
	kind slotKind
	opt  bool
	n    int     // gap length
	ids  []int32 // literal words
	cls  classBits
}

func (s *slot) matches(e lexEntry) bool {
	if s.cls.and(e.cls) {
		return true
	}
	for _, id := range s.ids {
		if id == e.id {
			return true
		}
	}
	return false
}

// veto names the context checks that cancel a phrase match.
type veto uint8

const (
	// vetoPlay: a game, a sport or kindness is near ("I'll destroy you in
	// ranked", "kill you with kindness").
	vetoPlay veto = 1 << iota
	// vetoNeg: a negation opens the clause ("don't kill yourself over
	// it", "doesn't mean you're worthless"), unless it asks "why don't
	// you".
	vetoNeg
	// vetoSelf: the speaker talks about themself ("I want to jump off a
	// bridge"): that is someone needing help, not abuse.
	vetoSelf
	// vetoSoft: the text says it is a joke or affection ("jk", "love
	// you").
	vetoSoft
	// vetoHedge: the clause is a condition or a question about the
	// listener ("if you're a loser, so what").
	vetoHedge
)

// phraseDef is a block of phrase patterns sharing a name, category,
// severity and vetoes. Patterns are comma-separated; "@name" expands a
// macro and "(a b|c|)" a group of word sequences, as in the lists.
type phraseDef struct {
	name     string
	cat      Category
	sev      Severity
	veto     veto
	patterns string
	// allow makes the rule an allow entry: whatever hit it fully covers
	// (a list word inside "I'm such an idiot") is dropped.
	allow bool
	// allowOnly limits an allow rule to clearing insults (the only value
	// used): talk about a third person may be rude, not a slur.
	allowOnly Category
}

// phraseRule is one compiled phrase definition.
type phraseRule struct {
	rule
	veto veto
}

// elem is one element of a pattern: a slot, or a group (g >= 0).
type elem struct {
	s slot
	g int32
}

// pgroup is a group of alternative element sequences.
type pgroup struct {
	alts [][]elem
}

// pattern is one top-level pattern of a rule.
type pattern struct {
	rule  int32
	elems []elem
	// need holds the trigger sets of which the text must hold one word
	// each for the pattern to match (bits index phraseMatcher.sets): it is
	// not tried otherwise.
	need setBits
	// needIdx lists need's bits, for the quick test of anyLive.
	needIdx []uint16
	src     string // as written, macros expanded
}

// anchorSet is a set of trigger words: literals and classes.
type anchorSet struct {
	ids []int32
	cls classBits
}

// phraseTryBudget bounds the patterns tried on one text. A 4,000-character
// note of chat needs under 2,000; a text built to keep every pattern alive
// ("im gonna im gonna …", 24,000 bytes) would need 180,000 and about 30
// ms. Past the budget the pass stops and the verdict is marked Overrun,
// like a guild's regexes past theirs, so the text waits for a human
// instead of slipping through.
const phraseTryBudget = 8192

// maxRuleHits is how many matches a phrase rule reports in one text: more
// change nothing in the verdict, and a text repeating a threat a thousand
// times costs no more than one that says it a few times. Allow rules have
// no cap, as each must clear what it covers.
const maxRuleHits = 4

// maxSpan bounds how many words a pattern may cover: positions are bits of
// a uint64 relative to the pattern's start.
const maxSpan = 63

// phraseMatcher holds the compiled phrase rules.
type phraseMatcher struct {
	lex     map[string]lexEntry
	classOf map[string]int
	table   lexTable // lex for the hot path
	noID    int32    // "no", which "one" joins
	nooneE  lexEntry // "noone"
	rules   []phraseRule
	groups  []pgroup
	groupOf map[string]int32 // interned by text, so a macro's group is computed once a text
	pats    []pattern
	byWord  [][]int32    // by word id: patterns whose first word may be this literal
	byClass [128][]int32 // patterns whose first word may be of this class
	// triggers are the words of the trigger sets, given to the built-in
	// automaton as hints; triggerSets[i] holds the sets triggers[i] is in.
	triggers    []string
	triggerSets []setBits
	sets        []anchorSet
	obscured    lexEntry // a word with '*' inside ("f*cking")
	special     struct{ play, neg, self, soft, why, end, love, you, hedge int }
	common      map[int32]bool // ids of words that do not trigger the pass
	commonIn    classBits      // classes holding a common word
}

// phraseScratch is the per-call working memory of the phrase pass.
type phraseScratch struct {
	toks  []ptok
	key   []byte
	tried []int32 // start+1 of the last try per pattern
	done  []int32 // start+1 of the last accepted match per rule
	hits  []int32 // matches so far per rule
	tries int     // patterns tried on this text
	// overrun is set when the pass gave up at phraseTryBudget.
	overrun bool
	memo    memoTable // (group, position, at start) → ends
	// allowed collects the allow rules' hits; the caller moves them on.
	allowed []found
	seen    setBits // the trigger sets in the text
}

// ptok is a word of the normalised text.
type ptok struct {
	start, end int32 // in normalised bytes
	e          lexEntry
	brk        bool // a sentence break (. ! ? ;) comes before it
	pause      bool // any punctuation comes before it
}

var (
	phraseOnce sync.Once
	phrases    *phraseMatcher
)

// builtinPhrases compiles the built-in phrase rules once per process.
func builtinPhrases() *phraseMatcher {
	phraseOnce.Do(func() {
		m, err := compilePhrases(phraseClasses, phraseMacros, phraseDefs)
		if err != nil {
			panic(err) // the rules are constant; a test covers this
		}
		phrases = m
	})
	return phrases
}

// inflect returns a verb's forms: "kill+" → kill, kills, killed, killing,
// killin. Over-generation ("stabing") is harmless.
func inflect(w string) []string {
	if !strings.HasSuffix(w, "+") {
		return []string{w}
	}
	b := strings.TrimSuffix(w, "+")
	out := []string{b, b + "s", b + "es", b + "ed", b + "d", b + "ing", b + "in"}
	if n := len(b); n >= 3 && strings.IndexByte("aeiou", b[n-2]) >= 0 && strings.IndexByte("aeiouwy", b[n-1]) < 0 {
		out = append(out, b+b[n-1:]+"ed", b+b[n-1:]+"ing", b+b[n-1:]+"in")
	}
	if strings.HasSuffix(b, "e") {
		out = append(out, b[:len(b)-1]+"ing", b[:len(b)-1]+"in")
	}
	return out
}

// wordKey is the lexicon's form of a word: apostrophes dropped, so
// "you're" and "youre" are one word.
func wordKey(w string) string { return strings.ReplaceAll(w, "'", "") }

// compilePhrases builds the lexicon and the patterns. classes maps a class
// name (upper case) to its words, "!" marking the common ones that do not
// trigger the pass; "@name" expands a macro.
func compilePhrases(classes map[string]string, macros map[string]string, defs []phraseDef) (*phraseMatcher, error) {
	m := &phraseMatcher{lex: map[string]lexEntry{}, classOf: map[string]int{},
		groupOf: map[string]int32{}, common: map[int32]bool{}}
	nextID := int32(0)
	entry := func(w string) lexEntry {
		e, ok := m.lex[w]
		if !ok {
			e = lexEntry{id: nextID}
			nextID++
			m.lex[w] = e
		}
		return e
	}
	names := make([]string, 0, len(classes))
	for n := range classes {
		names = append(names, n)
	}
	slices.Sort(names)
	if len(names) > 128 {
		return nil, fmt.Errorf("%d word classes: at most 128", len(names))
	}
	for i, n := range names {
		m.classOf[n] = i
		for _, w := range strings.Split(classes[n], ",") {
			w = strings.TrimSpace(w)
			if w == "" {
				continue
			}
			isCommon := strings.HasPrefix(w, "!")
			w = strings.TrimPrefix(w, "!")
			if strings.ContainsAny(w, " /()?~$") {
				return nil, fmt.Errorf("class %s: %q is not one word", n, w)
			}
			for _, f := range inflect(w) {
				f = wordKey(f)
				e := entry(f)
				e.cls.set(i)
				m.lex[f] = e
				if isCommon {
					m.common[e.id] = true
				}
			}
		}
	}
	for _, e := range m.lex {
		if m.common[e.id] {
			m.commonIn[0] |= e.cls[0]
			m.commonIn[1] |= e.cls[1]
		}
	}
	for _, sp := range []struct {
		name string
		dst  *int
	}{{"PLAY", &m.special.play}, {"NEG", &m.special.neg}, {"SELF", &m.special.self}, {"SOFT", &m.special.soft},
		{"END", &m.special.end}, {"YOU", &m.special.you}, {"LOVE", &m.special.love}, {"HEDGE", &m.special.hedge}} {
		i, ok := m.classOf[sp.name]
		if !ok {
			return nil, fmt.Errorf("class %s missing", sp.name)
		}
		*sp.dst = i
	}
	m.special.why = int(entry("why").id)
	m.noID = entry("no").id
	m.nooneE = entry("noone")
	m.obscured.id = -1
	if i, ok := m.classOf["OBSCURED"]; ok {
		m.obscured.cls.set(i)
	}
	var errs []string
	setOf := map[string]int{}
	for _, d := range defs {
		ri := int32(len(m.rules))
		m.rules = append(m.rules, phraseRule{rule: rule{term: d.name, cat: d.cat, sev: d.sev, allow: d.allow, allowOnly: d.allowOnly}, veto: d.veto})
		for _, p := range splitTop(linesAsCommas(expandMacros(d.patterns, macros))) {
			p = strings.Join(strings.Fields(p), " ")
			if p == "" {
				continue
			}
			pr := patternParser{m: m, entry: entry, src: p}
			elems, err := pr.seq()
			if err == nil && pr.pos < len(pr.toks) {
				err = fmt.Errorf("unexpected %q", pr.toks[pr.pos])
			}
			if err == nil {
				err = m.check(elems)
			}
			if err != nil {
				errs = append(errs, fmt.Sprintf("%s: %q: %v", d.name, p, err))
				continue
			}
			var need setBits
			var needIdx []uint16
			for _, e := range elems {
				a, ok := m.anchorOf(e)
				if !ok {
					continue
				}
				key := fmt.Sprint(a.ids, a.cls)
				si, ok := setOf[key]
				if !ok {
					si = len(m.sets)
					setOf[key] = si
					m.sets = append(m.sets, a)
				}
				if si >= maxSets {
					errs = append(errs, fmt.Sprintf("%s: %q: more than %d trigger sets", d.name, p, maxSets))
					continue
				}
				need.set(si)
				needIdx = append(needIdx, uint16(si))
			}
			if need == (setBits{}) {
				errs = append(errs, fmt.Sprintf("%s: %q: no required slot made only of trigger words", d.name, p))
				continue
			}
			pi := int32(len(m.pats))
			m.pats = append(m.pats, pattern{rule: ri, elems: elems, need: need, needIdx: needIdx, src: p})
			var ids []int32
			var cls classBits
			m.first(elems, &ids, &cls)
			for _, id := range ids {
				for int(id) >= len(m.byWord) {
					m.byWord = append(m.byWord, nil)
				}
				if !containsID(m.byWord[id], pi) {
					m.byWord[id] = append(m.byWord[id], pi)
				}
			}
			for c := 0; c < 128; c++ {
				if cls.has(c) {
					m.byClass[c] = append(m.byClass[c], pi)
				}
			}
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("compile phrase rules: %s", strings.Join(errs, "; "))
	}
	for w, e := range m.lex {
		if w == "" || m.common[e.id] {
			continue
		}
		var in setBits
		for si, a := range m.sets {
			if a.cls.and(e.cls) || containsID(a.ids, e.id) {
				in.set(si)
			}
		}
		if in != (setBits{}) {
			m.triggers = append(m.triggers, w)
		}
	}
	m.table = newLexTable(m.lex)
	slices.Sort(m.triggers)
	for _, w := range m.triggers {
		e := m.lex[w]
		var in setBits
		for si, a := range m.sets {
			if a.cls.and(e.cls) || containsID(a.ids, e.id) {
				in.set(si)
			}
		}
		m.triggerSets = append(m.triggerSets, in)
	}
	return m, nil
}

// linesAsCommas ends a pattern at a line break outside parentheses too, so
// a missing comma cannot glue two patterns together.
func linesAsCommas(s string) string {
	b := []byte(s)
	depth := 0
	for i, c := range b {
		switch c {
		case '(':
			depth++
		case ')':
			depth--
		case '\n':
			if depth == 0 {
				b[i] = ','
			}
		}
	}
	return string(b)
}

// expandMacros replaces each "@name" by its text, repeatedly, so macros
// may use macros.
func expandMacros(s string, macros map[string]string) string {
	for range 4 {
		if !strings.Contains(s, "@") {
			return s
		}
		var b strings.Builder
		for i := 0; i < len(s); i++ {
			if s[i] != '@' {
				b.WriteByte(s[i])
				continue
			}
			j := i + 1
			for j < len(s) && (s[j] >= 'a' && s[j] <= 'z' || s[j] == '_') {
				j++
			}
			b.WriteString(macros[s[i+1:j]])
			i = j - 1
		}
		s = b.String()
	}
	return s
}

// patternParser reads one pattern: space-separated slots, each "word",
// "CLASS" or "a/B/c" with an optional "?" suffix, "~n" (a gap of up to n
// words), "!a/B" (not followed by) or "$" (end); and groups "(a b|c|)" of
// alternative sequences, which may nest.
type patternParser struct {
	m     *phraseMatcher
	entry func(string) lexEntry
	src   string
	toks  []string
	pos   int
}

func (p *patternParser) lexPattern() {
	r := strings.NewReplacer("(", " ( ", ")", " ) ", "|", " | ")
	p.toks = strings.Fields(r.Replace(p.src))
}

func (p *patternParser) seq() ([]elem, error) {
	if p.toks == nil {
		p.lexPattern()
	}
	var out []elem
	for p.pos < len(p.toks) {
		t := p.toks[p.pos]
		switch t {
		case ")", "|":
			return out, nil
		case "(":
			p.pos++
			var g pgroup
			start := p.pos
			for {
				alt, err := p.seq()
				if err != nil {
					return nil, err
				}
				g.alts = append(g.alts, alt)
				if p.pos >= len(p.toks) {
					return nil, fmt.Errorf("unclosed group")
				}
				if p.toks[p.pos] == ")" {
					break
				}
				p.pos++ // "|"
			}
			key := strings.Join(p.toks[start:p.pos], " ")
			p.pos++
			gi, ok := p.m.groupOf[key]
			if !ok {
				gi = int32(len(p.m.groups))
				p.m.groups = append(p.m.groups, g)
				p.m.groupOf[key] = gi
			}
			out = append(out, elem{g: gi})
		default:
			s, err := p.m.parseSlot(t, p.entry)
			if err != nil {
				return nil, err
			}
			out = append(out, elem{s: s, g: -1})
			p.pos++
		}
	}
	return out, nil
}

// parseSlot reads one slot.
func (m *phraseMatcher) parseSlot(f string, entry func(string) lexEntry) (slot, error) {
	var s slot
	src := f
	switch {
	case f == "$":
		s.kind = slotEnd
		return s, nil
	case strings.HasPrefix(f, "~"):
		s.kind = slotGap
		if _, err := fmt.Sscanf(f[1:], "%d", &s.n); err != nil || s.n < 1 || s.n > 12 {
			return s, fmt.Errorf("bad gap %q", f)
		}
		return s, nil
	case strings.HasPrefix(f, "!"):
		s.kind = slotNot
		f = f[1:]
	case strings.HasSuffix(f, "?"):
		s.opt = true
		f = strings.TrimSuffix(f, "?")
	}
	for _, alt := range strings.Split(f, "/") {
		if alt == "" {
			return s, fmt.Errorf("empty alternative in %q", src)
		}
		if alt == strings.ToUpper(alt) && alt != strings.ToLower(alt) {
			i, ok := m.classOf[alt]
			if !ok {
				return s, fmt.Errorf("unknown class %s", alt)
			}
			s.cls.set(i)
			continue
		}
		s.ids = append(s.ids, entry(wordKey(alt)).id)
	}
	return s, nil
}

// check refuses patterns that could match nothing at their start or span
// more than maxSpan words.
func (m *phraseMatcher) check(elems []elem) error {
	if len(elems) == 0 || m.nullable(elems[:1]) {
		return fmt.Errorf("must start with a required word or group")
	}
	if m.span(elems) > maxSpan {
		return fmt.Errorf("may span more than %d words", maxSpan)
	}
	return nil
}

// nullable reports whether elems can match no word at all.
func (m *phraseMatcher) nullable(elems []elem) bool {
	for _, e := range elems {
		if e.g < 0 {
			if e.s.kind == slotWord && !e.s.opt {
				return false
			}
			continue
		}
		ok := false
		for _, a := range m.groups[e.g].alts {
			if m.nullable(a) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// span is the most words elems can cover.
func (m *phraseMatcher) span(elems []elem) int {
	n := 0
	for _, e := range elems {
		switch {
		case e.g >= 0:
			w := 0
			for _, a := range m.groups[e.g].alts {
				w = max(w, m.span(a))
			}
			n += w
		case e.s.kind == slotWord:
			n++
		case e.s.kind == slotGap:
			n += e.s.n
		}
	}
	return n
}

// anchors records the trigger words that must occur for elems to match and
// reports whether there are any: a required slot made only of uncommon
// words, or a group each of whose alternatives has such a slot.
func (m *phraseMatcher) anchors(elems []elem, ids map[int32]bool, cls *classBits) bool {
	for _, e := range elems {
		if e.g < 0 {
			s := &e.s
			if s.kind != slotWord || s.opt || s.cls.and(m.commonIn) {
				continue
			}
			ok := true
			for _, id := range s.ids {
				ok = ok && !m.common[id]
			}
			if ok {
				for _, id := range s.ids {
					ids[id] = true
				}
				cls[0] |= s.cls[0]
				cls[1] |= s.cls[1]
				return true
			}
			continue
		}
		gids, gcls, ok := map[int32]bool{}, classBits{}, true
		for _, a := range m.groups[e.g].alts {
			ok = ok && m.anchors(a, gids, &gcls)
		}
		if ok {
			for id := range gids {
				ids[id] = true
			}
			cls[0] |= gcls[0]
			cls[1] |= gcls[1]
			return true
		}
	}
	return false
}

// anchorOf returns the trigger words one of which must occur for e to
// match, if there is such a set.
func (m *phraseMatcher) anchorOf(e elem) (anchorSet, bool) {
	ids := map[int32]bool{}
	var a anchorSet
	if !m.anchors([]elem{e}, ids, &a.cls) {
		return a, false
	}
	for id := range ids {
		a.ids = append(a.ids, id)
	}
	slices.Sort(a.ids)
	return a, true
}

// first collects the words a match of elems may start with.
func (m *phraseMatcher) first(elems []elem, ids *[]int32, cls *classBits) {
	for _, e := range elems {
		if e.g < 0 {
			if e.s.kind != slotWord {
				continue
			}
			*ids = append(*ids, e.s.ids...)
			cls[0] |= e.s.cls[0]
			cls[1] |= e.s.cls[1]
			if !e.s.opt {
				return
			}
			continue
		}
		for _, a := range m.groups[e.g].alts {
			m.first(a, ids, cls)
		}
		if !m.nullable([]elem{e}) {
			return
		}
	}
}

func containsID(ids []int32, id int32) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// tokenize splits normalised text into words and looks each up.
func (m *phraseMatcher) tokenize(out []byte, ps *phraseScratch) {
	ps.toks = ps.toks[:0]
	brk, pause := false, false
	for i := 0; i < len(out); {
		b := out[i]
		if !isTokenByte(b) {
			switch b {
			case '.', '!', '?', ';':
				brk, pause = true, true
			case ',', ':', '(', ')', '"', '-':
				pause = true
			}
			i++
			continue
		}
		j := i
		star := false
		ps.key = ps.key[:0]
		for j < len(out) && (isTokenByte(out[j]) || out[j] == '\'' && j+1 < len(out) && isTokenByte(out[j+1])) {
			switch out[j] {
			case '\'':
			case '*':
				star = true
			default:
				ps.key = append(ps.key, out[j])
			}
			j++
		}
		// "no one" is one word, "noone", so that it can anchor a rule.
		if n := len(ps.toks); n > 0 && !brk && !pause && string(ps.key) == "one" && ps.toks[n-1].e.id == m.noID {
			ps.toks[n-1].end = int32(j)
			ps.toks[n-1].e = m.nooneE
			i = j
			continue
		}
		t := ptok{start: int32(i), end: int32(j), brk: brk, pause: pause, e: lexEntry{id: -1}}
		if star {
			if len(ps.key) >= 2 {
				t.e = m.obscured
			}
		} else if e, ok := m.table.get(ps.key); ok {
			t.e = e
		}
		ps.toks = append(ps.toks, t)
		brk, pause = false, false
		i = j
	}
}

func isTokenByte(b byte) bool { return isLetter(b) || b >= '0' && b <= '9' || b == '*' }

// anyLive reports whether some pattern has all its trigger sets in seen.
func (m *phraseMatcher) anyLive(seen *setBits) bool {
next:
	for i := range m.pats {
		for _, b := range m.pats[i].needIdx {
			if seen[b>>6]&(1<<(b&63)) == 0 {
				continue next
			}
		}
		return true
	}
	return false
}

// run appends the phrase rules' hits, and their allow entries' hits to
// ps.allowed, in normalised coordinates. seen holds the trigger sets the
// automaton saw: only the patterns they complete are tried.
func (m *phraseMatcher) run(out []byte, seen *setBits, ps *phraseScratch, disabled *[numCategories]bool, fs []found) []found {
	m.tokenize(out, ps)
	if len(ps.tried) < len(m.pats) {
		ps.tried = make([]int32, len(m.pats))
		ps.done = make([]int32, len(m.rules))
		ps.hits = make([]int32, len(m.rules))
	}
	clear(ps.tried)
	clear(ps.done)
	clear(ps.hits)
	ps.tries = 0
	ps.overrun = false
	ps.memo.reset()
	ps.seen = *seen
	toks := ps.toks
	for ti := range toks {
		if ps.tries > phraseTryBudget {
			ps.overrun = true
			break
		}
		e := toks[ti].e
		if e.id < 0 && e.cls == (classBits{}) {
			continue
		}
		var byWord []int32
		if int(e.id) < len(m.byWord) && e.id >= 0 {
			byWord = m.byWord[e.id]
		}
		for _, pi := range byWord {
			fs = m.try(pi, toks, ti, ps, disabled, fs)
		}
		for w := 0; w < 2; w++ {
			for c := e.cls[w]; c != 0; c &= c - 1 {
				for _, pi := range m.byClass[w*64+bits.TrailingZeros64(c)] {
					fs = m.try(pi, toks, ti, ps, disabled, fs)
				}
			}
		}
	}
	return fs
}

// try matches pattern pi at toks[ti].
func (m *phraseMatcher) try(pi int32, toks []ptok, ti int, ps *phraseScratch, disabled *[numCategories]bool, fs []found) []found {
	if ps.tried[pi] == int32(ti+1) {
		return fs
	}
	ps.tried[pi] = int32(ti + 1)
	ps.tries++
	p := &m.pats[pi]
	if !p.need.within(&ps.seen) {
		return fs
	}
	r := &m.rules[p.rule]
	if ps.done[p.rule] == int32(ti+1) || !r.allow && (ps.hits[p.rule] >= maxRuleHits || disabled[categoryIndex[r.cat]]) {
		return fs
	}
	ends := m.seq(p.elems, toks, ti, 1, ti, ps)
	ends &^= 1 // a match covers at least one word
	if ends == 0 {
		return fs
	}
	end := ti + 63 - bits.LeadingZeros64(ends)
	if m.vetoed(r.veto, toks, ti, end) {
		return fs
	}
	ps.done[p.rule] = int32(ti + 1)
	ps.hits[p.rule]++
	f := found{r: &r.rule, start: toks[ti].start, end: toks[end-1].end}
	if r.allow {
		ps.allowed = append(ps.allowed, f)
		return fs
	}
	return append(fs, f)
}

// seq carries the positions at (bits relative to base) through elems and
// returns the positions where a match can end. start is where the whole
// pattern began: only its first word may follow a sentence break.
func (m *phraseMatcher) seq(elems []elem, toks []ptok, base int, at uint64, start int, ps *phraseScratch) uint64 {
	for k := range elems {
		if at == 0 {
			return 0
		}
		e := &elems[k]
		if e.g >= 0 {
			var next uint64
			for a := at; a != 0; a &= a - 1 {
				off := bits.TrailingZeros64(a)
				next |= m.group(e.g, toks, base+off, start, ps) << off
			}
			at = next
			continue
		}
		at = m.step(&e.s, toks, base, at, start)
	}
	return at
}

// group returns the ends (relative to pos) of group g matched at pos,
// computed once per text.
func (m *phraseMatcher) group(g int32, toks []ptok, pos, start int, ps *phraseScratch) uint64 {
	key := int64(g)<<33 | int64(pos)<<1
	if pos == start {
		key |= 1
	}
	if v, ok := ps.memo.get(key); ok {
		return v
	}
	var ends uint64
	for _, a := range m.groups[g].alts {
		ends |= m.seq(a, toks, pos, 1, start, ps)
	}
	ps.memo.put(key, ends)
	return ends
}

// step moves the positions at (relative to base) over one slot.
func (m *phraseMatcher) step(s *slot, toks []ptok, base int, at uint64, start int) uint64 {
	var next uint64
	for a := at; a != 0; a &= a - 1 {
		off := bits.TrailingZeros64(a)
		i := base + off
		switch s.kind {
		case slotWord:
			if s.opt {
				next |= 1 << off
			}
			if off < maxSpan && i < len(toks) && (i == start || !toks[i].brk) && s.matches(toks[i].e) {
				next |= 1 << (off + 1)
			}
		case slotGap:
			for g := 0; g <= s.n && i+g <= len(toks) && off+g <= maxSpan; g++ {
				next |= 1 << (off + g)
			}
		case slotNot:
			if i >= len(toks) || toks[i].brk || !s.matches(toks[i].e) {
				next |= 1 << off
			}
		case slotEnd:
			if i >= len(toks) || toks[i].pause || toks[i].e.cls.has(m.special.end) {
				next |= 1 << off
			}
		}
	}
	return next
}

// Context windows of the vetoes, in words.
const (
	playWindow = 8
	negWindow  = 5
	selfWindow = 5
)

// vetoed reports whether the context cancels a match of toks[start:end].
func (m *phraseMatcher) vetoed(v veto, toks []ptok, start, end int) bool {
	if v == 0 {
		return false
	}
	sp := &m.special
	if v&vetoPlay != 0 {
		for i := max(0, start-playWindow); i < min(len(toks), end+playWindow); i++ {
			if (i < start || i >= end) && toks[i].e.cls.has(sp.play) {
				return true
			}
		}
	}
	// The clause before the match, back to the last punctuation.
	for i := start - 1; i >= 0 && start-i <= max(negWindow, selfWindow); i-- {
		c := toks[i].e.cls
		if v&vetoNeg != 0 && start-i <= negWindow && c.has(sp.neg) && (i == 0 || toks[i-1].e.id != int32(sp.why)) {
			return true
		}
		if v&vetoSelf != 0 && start-i <= selfWindow && c.has(sp.self) {
			return true
		}
		if v&vetoHedge != 0 && start-i <= negWindow && c.has(sp.hedge) {
			return true
		}
		if toks[i].pause {
			break
		}
	}
	if v&vetoSoft != 0 {
		for i, t := range toks {
			if i >= start && i < end {
				continue // the match's own words ("nobody will ever love you")
			}
			if t.e.cls.has(sp.soft) || t.e.cls.has(sp.love) && i+1 < len(toks) && toks[i+1].e.cls.has(sp.you) {
				return true
			}
		}
	}
	return false
}

// memoTable is an open-addressing hash table from group matches to their
// ends, emptied in constant time by bumping a generation.
type memoTable struct {
	gen   uint32
	n     int
	slots []memoSlot
}

type memoSlot struct {
	gen  uint32
	key  int64
	ends uint64
}

func (t *memoTable) reset() {
	t.gen++
	t.n = 0
	if t.gen == 0 { // wrapped: old entries would look current
		clear(t.slots)
		t.gen = 1
	}
}

func (t *memoTable) index(key int64) int {
	h := uint64(key) * 0x9E3779B97F4A7C15
	return int(h >> 32)
}

func (t *memoTable) get(key int64) (uint64, bool) {
	if len(t.slots) == 0 {
		return 0, false
	}
	mask := len(t.slots) - 1
	for i := t.index(key) & mask; ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.gen != t.gen {
			return 0, false
		}
		if s.key == key {
			return s.ends, true
		}
	}
}

func (t *memoTable) put(key int64, ends uint64) {
	if 2*(t.n+1) > len(t.slots) {
		t.grow()
	}
	mask := len(t.slots) - 1
	for i := t.index(key) & mask; ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.gen != t.gen {
			*s = memoSlot{gen: t.gen, key: key, ends: ends}
			t.n++
			return
		}
		if s.key == key {
			s.ends = ends
			return
		}
	}
}

func (t *memoTable) grow() {
	old := t.slots
	t.slots = make([]memoSlot, max(64, 2*len(old)))
	t.n = 0
	for _, s := range old {
		if s.gen == t.gen {
			t.put(s.key, s.ends)
		}
	}
}

// lexTable is the lexicon as an open-addressing hash table over FNV-1a:
// a word of chat is looked up without converting it to a string.
type lexTable struct {
	slots  []lexSlot
	maxLen int
}

type lexSlot struct {
	key string
	e   lexEntry
}

func fnv(b []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range b {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return h
}

func newLexTable(lex map[string]lexEntry) lexTable {
	n := 1
	for n < 2*len(lex) {
		n <<= 1
	}
	t := lexTable{slots: make([]lexSlot, n)}
	for w, e := range lex {
		if w == "" {
			continue
		}
		t.maxLen = max(t.maxLen, len(w))
		for i := int(fnv([]byte(w))) & (n - 1); ; i = (i + 1) & (n - 1) {
			if t.slots[i].key == "" {
				t.slots[i] = lexSlot{key: w, e: e}
				break
			}
		}
	}
	return t
}

func (t *lexTable) get(w []byte) (lexEntry, bool) {
	if len(w) == 0 || len(w) > t.maxLen {
		return lexEntry{}, false
	}
	mask := len(t.slots) - 1
	for i := int(fnv(w)) & mask; ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.key == "" {
			return lexEntry{}, false
		}
		if s.key == string(w) {
			return s.e, true
		}
	}
}
