package automod

import (
	"fmt"
	"strings"
)

// DialectProblem says how Discord would read regex p differently from the
// bot, or "" when both read it alike. The bot checks regexes with Go's RE2
// syntax (regexp/syntax); Discord runs AutoMod regexes with Rust's regex
// crate ("Only Rust flavored regex is supported", Discord's Auto Moderation
// trigger metadata). The differences that change what a pattern matches,
// from the regex crate's syntax documentation (docs.rs/regex, "Syntax",
// "Perl character classes (Unicode friendly)", "Character classes" and
// "Escape sequences", and its UNICODE.md) against Go's regexp/syntax
// documentation:
//
//   - \d \D \s \S \w \W and the word boundaries \b \B are Unicode-aware in
//     Rust (\d matches "२", \w matches "é"), ASCII-only in Go;
//   - \< and \> are start- and end-of-word assertions in Rust (regex 1.10),
//     an escaped literal "<" or ">" in Go;
//   - \Q…\E quotes a literal in Go and is an error in Rust;
//   - \1 to \7 followed by octal digits is an octal escape in Go; Rust
//     refuses octal unless it is switched on, reading it as a backreference;
//   - inside a bracket class, && (intersection), -- (difference), ~~
//     (symmetric difference) and a nested [ … ] are set operations in Rust,
//     plain characters in Go;
//   - x{,n} is a repetition of at most n in Rust (regex 1.10), the literal
//     text "{,n}" in Go.
//
// Case-insensitive matching ((?i): simple case folding in both), ., ^, $
// and the flags Go accepts (i, m, s, U) mean the same in both.
func DialectProblem(p string) string {
	inClass := false
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c == '\\' && i+1 < len(p) {
			next := p[i+1]
			i++
			switch {
			case strings.IndexByte(`dDsSwW`, next) >= 0:
				return fmt.Sprintf(`\%c is Unicode-aware on Discord (Rust) but ASCII-only here (Go)`, next)
			case !inClass && (next == 'b' || next == 'B'):
				return fmt.Sprintf(`\%c is a Unicode word boundary on Discord (Rust) but an ASCII one here (Go)`, next)
			case next == '<' || next == '>':
				return fmt.Sprintf(`\%c is a word-boundary assertion on Discord (Rust) but a literal %q here (Go)`, next, next)
			case next == 'Q':
				return `\Q…\E quoting is not supported on Discord (Rust)`
			case next >= '0' && next <= '7':
				return fmt.Sprintf(`\%c is an octal escape here (Go) but a backreference, refused, on Discord (Rust)`, next)
			}
			continue
		}
		switch {
		case inClass && c == ']':
			inClass = false
		case inClass && c == '[' && !strings.HasPrefix(p[i:], "[:"):
			return "a nested [...] class is a set operation on Discord (Rust) but plain characters here (Go)"
		case inClass && i+1 < len(p) && (c == '&' || c == '-' || c == '~') && p[i+1] == c:
			return fmt.Sprintf("%c%c inside a class is a set operation on Discord (Rust) but plain characters here (Go)", c, c)
		case !inClass && c == '[':
			inClass = true
			// A leading ] or ^] is a literal in both.
			if strings.HasPrefix(p[i+1:], "^]") {
				i += 2
			} else if strings.HasPrefix(p[i+1:], "]") || strings.HasPrefix(p[i+1:], "^") {
				i++
			}
		case !inClass && strings.HasPrefix(p[i:], "{,"):
			return "{,n} is a repetition on Discord (Rust) but literal text here (Go)"
		}
	}
	return ""
}
