package moderation

import (
	"fmt"
	"io"
	"regexp"
	"regexp/syntax"
	"time"
	"unicode/utf8"
)

// Bounds on a guild regex. Go's regexp engine (RE2) never backtracks
// exponentially, but its work is O(n·m): n input bytes times m instructions
// of the compiled program. Counted repetitions are what make m large:
// `\w{0,1000}` compiles to about 2,000 instructions, 25 of them in one
// 251-byte pattern to 50,000, and one 4,000-character note then costs
// seconds. The bounds keep m small enough that every accepted pattern is
// linear in the input with a small constant; the per-text budget
// (DefaultRegexBudget) is the safety net on top.
const (
	// MaxRegexInsts caps the compiled program (regexp/syntax: Parse,
	// Simplify, Compile) at this many instructions.
	MaxRegexInsts = 100
	// MaxRegexRepeat caps a counted repetition: x{n}, x{n,} and x{n,m}
	// with n or m above it are refused.
	MaxRegexRepeat = 20
	// DefaultRegexBudget is the wall time a guild's regexes may take on
	// one text. Past it the verdict is marked Overrun and the guild's
	// choice applies (modrules: flag for review by default). Ten ordinary
	// regexes take well under a millisecond on a 4,000-character note on
	// an idle core; ten at the bounds would take tens of milliseconds
	// without the budget.
	DefaultRegexBudget = 1500 * time.Microsecond
)

// fastSteps is the program-size × input-length product under which a
// regex runs through regexp's own fast paths (backtracker, literal prefix)
// without budget checks: at a few nanoseconds a step that is well under
// 100 µs. Larger products stream the input through a reader that checks
// the budget.
const fastSteps = 16 << 10

// budgetStride is how many runes the budget reader hands out between two
// looks at the clock.
const budgetStride = 64

// CheckRegex validates one guild regex: RE2 syntax, at most MaxRegexLen
// bytes, a program of at most MaxRegexInsts instructions, counted
// repetitions of at most MaxRegexRepeat that do not nest, and no match of
// the empty text. The error names the limit that was hit.
func CheckRegex(s string) error {
	_, err := compileRegex(s)
	return err
}

// DroppedRegex is a regex New left out under Rules.DropBadRegexes, and
// the error CheckRegex gives for it.
type DroppedRegex struct {
	Pattern string
	Err     error
}

// Dropped lists the regexes New left out under Rules.DropBadRegexes.
func (e *Engine) Dropped() []DroppedRegex { return e.dropped }

// guildRegex is a compiled guild regex and the size of its program.
type guildRegex struct {
	rx    *regexp.Regexp
	insts int
}

func compileRegex(s string) (guildRegex, error) {
	if len(s) > MaxRegexLen {
		return guildRegex{}, fmt.Errorf("regex %.20q…: longer than %d bytes", s, MaxRegexLen)
	}
	re, err := syntax.Parse(s, syntax.Perl)
	if err != nil {
		return guildRegex{}, fmt.Errorf("regex %q: %w", s, err)
	}
	if err := checkRepeats(re, false); err != nil {
		return guildRegex{}, fmt.Errorf("regex %q: %w", s, err)
	}
	prog, err := syntax.Compile(re.Simplify())
	if err != nil {
		return guildRegex{}, fmt.Errorf("regex %q: %w", s, err)
	}
	if n := len(prog.Inst); n > MaxRegexInsts {
		return guildRegex{}, fmt.Errorf("regex %q: compiles to %d instructions, more than the limit of %d (use fewer or smaller counted repetitions)",
			s, n, MaxRegexInsts)
	}
	rx, err := regexp.Compile(s)
	if err != nil {
		return guildRegex{}, fmt.Errorf("regex %q: %w", s, err)
	}
	if rx.MatchString("") {
		return guildRegex{}, fmt.Errorf("regex %q: matches empty text", s)
	}
	return guildRegex{rx: rx, insts: len(prog.Inst)}, nil
}

// checkRepeats refuses counted repetitions above MaxRegexRepeat, and one
// inside another repetition (counted, * or +), where sizes multiply.
func checkRepeats(re *syntax.Regexp, inRepeat bool) error {
	switch re.Op {
	case syntax.OpRepeat:
		if inRepeat {
			return fmt.Errorf("counted repetition %s inside another repetition: nested repetitions are not allowed", counts(re))
		}
		if re.Min > MaxRegexRepeat || re.Max > MaxRegexRepeat {
			return fmt.Errorf("counted repetition %s above the limit of %d", counts(re), MaxRegexRepeat)
		}
		inRepeat = true
	case syntax.OpStar, syntax.OpPlus:
		inRepeat = true
	}
	for _, sub := range re.Sub {
		if err := checkRepeats(sub, inRepeat); err != nil {
			return err
		}
	}
	return nil
}

// counts writes a counted repetition's bounds as written: {n}, {n,} or
// {n,m}.
func counts(re *syntax.Regexp) string {
	switch {
	case re.Max == re.Min:
		return fmt.Sprintf("{%d}", re.Min)
	case re.Max < 0:
		return fmt.Sprintf("{%d,}", re.Min)
	}
	return fmt.Sprintf("{%d,%d}", re.Min, re.Max)
}

// matchRegexes runs the guild regexes on text within the engine's budget,
// appending their matches to ms. It reports an overrun when the budget ran
// out before every regex had finished: the budget is checked before each
// regex and, for the large ones, every budgetStride runes of the input, so
// one check never runs much past it.
func (e *Engine) matchRegexes(text string, ms []Match) ([]Match, bool) {
	deadline := e.now().Add(e.budget)
	for _, r := range e.regexes {
		if !e.now().Before(deadline) {
			return ms, true
		}
		if r.insts*len(text) <= fastSteps {
			for _, loc := range r.rx.FindAllStringIndex(text, 16) {
				ms = e.appendRegexMatch(ms, r, loc)
			}
			continue
		}
		// Streamed: the first match only (enough for a verdict), and an
		// input that ends early once the budget is spent.
		br := budgetReader{s: text, deadline: deadline, now: e.now}
		loc := r.rx.FindReaderIndex(&br)
		if br.expired {
			return ms, true
		}
		ms = e.appendRegexMatch(ms, r, loc)
	}
	return ms, false
}

func (e *Engine) appendRegexMatch(ms []Match, r guildRegex, loc []int) []Match {
	if loc == nil || loc[1] <= loc[0] {
		return ms
	}
	return append(ms, Match{Category: e.rxCat, Severity: e.rxSev, Term: r.rx.String(), Start: loc[0], End: loc[1]})
}

// budgetReader feeds a string to regexp one rune at a time and ends the
// input early when the deadline passes: the matcher then stops, which is
// how a scan that Go's regexp cannot interrupt is interrupted anyway.
type budgetReader struct {
	s        string
	pos      int
	n        int
	deadline time.Time
	now      func() time.Time
	expired  bool
}

// ReadRune implements io.RuneReader.
func (b *budgetReader) ReadRune() (rune, int, error) {
	if b.pos >= len(b.s) || b.expired {
		return 0, 0, io.EOF
	}
	b.n++
	if b.n%budgetStride == 0 && !b.now().Before(b.deadline) {
		b.expired = true
		return 0, 0, io.EOF
	}
	r, size := utf8.DecodeRuneInString(b.s[b.pos:])
	b.pos += size
	return r, size, nil
}
