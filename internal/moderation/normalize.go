package moderation

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// unit is one byte of normalised text and the original byte range
// [s, e) it came from. A rune that expands (a ligature, a multi-byte
// letter) yields several units with the same range.
type unit struct {
	b    byte
	s, e int32
}

// normalized is normalised text with a map back to the original: out[i]
// came from original bytes span[i]. stretched lists, in increasing order,
// the positions where a run of three or more equal letters was collapsed.
type normalized struct {
	out       []byte
	span      []span
	stretched []int32

	units  []unit
	tokens []token
}

// span is a byte range [s, e) in the original text.
type span struct{ s, e int32 }

// stretchedIn reports whether a collapsed run lies in out[lo:hi].
func (n *normalized) stretchedIn(lo, hi int32) bool {
	i, _ := slices.BinarySearch(n.stretched, lo)
	return i < len(n.stretched) && n.stretched[i] < hi
}

// token is a maximal run of word units in units[lo:hi]. single marks a
// one-letter token, a candidate for joining spaced-out letters.
type token struct {
	lo, hi int
	single bool
}

// Normalize returns the canonical form the engine matches against: folded
// to lower-case ASCII where a look-alike exists, with zero-width and
// combining characters removed, leetspeak decoded inside words, runs of
// three or more equal letters collapsed, and spaced-out single letters
// joined. Normalize is idempotent.
func Normalize(text string) string {
	var n normalized
	n.run(truncate(text))
	return string(n.out)
}

// truncate cuts text to MaxInputBytes on a rune boundary.
func truncate(text string) string {
	if len(text) <= MaxInputBytes {
		return text
	}
	i := MaxInputBytes
	for i > 0 && !utf8.RuneStart(text[i]) {
		i--
	}
	return text[:i]
}

func (n *normalized) reset() {
	n.out = n.out[:0]
	n.span = n.span[:0]
	n.stretched = n.stretched[:0]
	n.units = n.units[:0]
	n.tokens = n.tokens[:0]
}

func (n *normalized) run(text string) {
	n.reset()
	n.decode(text)
	n.leet()
	n.emit()
}

// asciiFold maps every ASCII byte to its normalised form: letters to lower
// case, control characters and whitespace to a space.
var asciiFold = func() (t [128]byte) {
	for i := range t {
		c := byte(i)
		switch {
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		case c < ' ' || c == 0x7f:
			c = ' '
		}
		t[i] = c
	}
	return t
}()

// decode folds the input rune by rune into units.
func (n *normalized) decode(text string) {
	for i := 0; i < len(text); {
		c := text[i]
		if c < utf8.RuneSelf {
			n.units = append(n.units, unit{asciiFold[c], int32(i), int32(i + 1)})
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		n.foldRune(r, int32(i), int32(i+size))
		i += size
	}
}

// ignorable reports runes that are dropped: zero-width characters, soft
// hyphens, bidi and other format controls, variation selectors and
// combining marks.
func ignorable(r rune) bool {
	switch {
	case r == 0xAD, r == 0x34F, r == 0x180E, r == 0x115F, r == 0x1160, r == 0x3164, r == 0xFFA0:
		return true
	case r >= 0x200B && r <= 0x200F, r >= 0x202A && r <= 0x202E, r >= 0x2060 && r <= 0x206F:
		return true
	case r == 0xFEFF, r >= 0xFE00 && r <= 0xFE0F, r >= 0xE0000 && r <= 0xE01EF:
		return true
	}
	return unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf)
}

// foldRune appends the units for one non-ASCII rune at [s, e).
func (n *normalized) foldRune(r rune, s, e int32) {
	if ignorable(r) {
		// Keep the dropped rune inside the range of what it decorated, so a
		// match ends after its combining marks.
		if k := len(n.units) - 1; k >= 0 && n.units[k].e == s {
			for j := k; j >= 0 && n.units[j].e == s; j-- {
				n.units[j].e = e
			}
		}
		return
	}
	if b, ok := confusable(r); ok {
		n.units = append(n.units, unit{b, s, e})
		return
	}
	var src [utf8.UTFMax]byte
	k := utf8.EncodeRune(src[:], r)
	// The NFKD table holds the full compatibility decomposition; reading
	// it directly avoids norm's per-call buffers. Runes without one
	// (including Hangul syllables, decomposed algorithmically) stay whole.
	dec := norm.NFKD.Properties(src[:k]).Decomposition()
	if dec == nil {
		dec = src[:k]
	}
	for d := 0; d < len(dec); {
		dr, size := utf8.DecodeRune(dec[d:])
		d += size
		switch {
		case dr < utf8.RuneSelf:
			n.units = append(n.units, unit{asciiFold[dr], s, e})
			continue
		case ignorable(dr):
			continue
		}
		if b, ok := confusable(dr); ok {
			n.units = append(n.units, unit{b, s, e})
			continue
		}
		if !unicode.IsLetter(dr) && !unicode.IsDigit(dr) {
			n.units = append(n.units, unit{' ', s, e})
			continue
		}
		lr := unicode.ToLower(dr)
		if lr < utf8.RuneSelf {
			n.units = append(n.units, unit{byte(lr), s, e})
			continue
		}
		var enc [utf8.UTFMax]byte
		m := utf8.EncodeRune(enc[:], lr)
		for _, b := range enc[:m] {
			n.units = append(n.units, unit{b, s, e})
		}
	}
}

// leetOf maps the characters that stand for letters inside words.
var leetOf = func() (t [128]byte) {
	for _, p := range []string{"0o", "1i", "3e", "4a", "5s", "7t", "8b", "9g", "@a", "$s", "!i"} {
		t[p[0]] = p[1]
	}
	return t
}()

func isLetter(b byte) bool { return b-'a' < 26 || b >= utf8.RuneSelf }

// isWordByte reports bytes that belong to words for boundary checks: the
// vowel wildcard '*' counts as a letter.
func isWordByte(b byte) bool { return isLetter(b) || b == '*' }

// leet splits units into tokens (runs of letters, '*' and leet characters)
// and decodes leetspeak in tokens that hold at least one letter. A trailing
// '!' stays punctuation ("fuck!"), a leading one stays a command prefix.
func (n *normalized) leet() {
	u := n.units
	for i := 0; i < len(u); {
		b := u[i].b
		if !isWordByte(b) && (b >= utf8.RuneSelf || leetOf[b] == 0) {
			i++
			continue
		}
		lo := i
		letters := 0
		for i < len(u) {
			b := u[i].b
			if isWordByte(b) {
				if b != '*' {
					letters++
				}
			} else if b >= utf8.RuneSelf || leetOf[b] == 0 {
				break
			}
			i++
		}
		hi := i
		if letters == 0 {
			continue
		}
		for j := lo; j < hi; j++ {
			b := u[j].b
			if b >= utf8.RuneSelf || isWordByte(b) {
				continue
			}
			if b == '!' && (j == lo || !letterFollows(u[j:hi])) {
				continue
			}
			u[j].b = leetOf[b]
		}
		// A '!' left alone at the edge ends the token there.
		for hi > lo && u[hi-1].b == '!' {
			hi--
		}
		for lo < hi && u[lo].b == '!' {
			lo++
		}
		n.tokens = append(n.tokens, token{lo: lo, hi: hi})
	}
}

// letterFollows reports whether a run of '!' at the start of u is followed
// by more of the token (a letter or another leet character): "sh!t" is
// leet, "wow!!" is punctuation.
func letterFollows(u []unit) bool {
	for _, x := range u {
		if x.b != '!' {
			return true
		}
	}
	return false
}

// collapsesToOne reports whether a token is one letter after runs of three
// or more equal letters collapse: "b", "bbb", but not "bb".
func collapsesToOne(u []unit) bool {
	b := u[0].b
	if b-'a' >= 26 {
		return false
	}
	for _, x := range u[1:] {
		if x.b != b {
			return false
		}
	}
	return len(u) != 2
}

// chatLetters reports whether spaced singles are chat's own one-letter
// words ("u r a", "i r u"), which stay apart: no abuse is spelt with u, r,
// a and i alone.
func chatLetters(u []unit, ts []token) bool {
	for _, t := range ts {
		if strings.IndexByte("urai", u[t.lo].b) < 0 {
			return false
		}
	}
	return len(ts) > 0 && u[ts[0].hi].b == ' '
}

// joinable reports whether the separator units between two single-letter
// tokens may be dropped: one '.', '-', '_', ',', '/', '~' or '+', or any
// run of spaces (spaces collapse to one, so the rule survives a second
// pass).
func joinable(sep []unit) bool {
	if len(sep) == 0 {
		return false
	}
	if sep[0].b == ' ' {
		for _, x := range sep {
			if x.b != ' ' {
				return false
			}
		}
		return true
	}
	if len(sep) != 1 {
		return false
	}
	switch sep[0].b {
	case '.', '-', '_', ',', '/', '~', '+', '\'':
		return true
	}
	return false
}

// emit writes the output: spaces collapsed, separators between three or
// more spaced-out single letters dropped, runs of three or more equal
// letters collapsed to one (marked stretched).
func (n *normalized) emit() {
	u := n.units
	ts := n.tokens
	for k := range ts {
		t := &ts[k]
		t.single = t.hi > t.lo && collapsesToOne(u[t.lo:t.hi])
	}
	pos := 0
	// plain is the end of a run of chat letters left apart: the singles up
	// to it are not looked at again, which keeps a long "a a a …" linear.
	plain := -1
	for k := 0; k <= len(ts); k++ {
		var lo, hi int
		if k < len(ts) {
			lo, hi = ts[k].lo, ts[k].hi
		} else {
			lo, hi = len(u), len(u)
		}
		// Separator units before this token.
		n.emitSeparator(u[pos:lo])
		if k < len(ts) && ts[k].single && k > plain {
			// Find the run of joinable singles starting here.
			// One kind of separator throughout: "f.u.c.k" and "f u c k"
			// join, "I'm a" (an apostrophe, then a space) does not.
			j := k
			for j+1 < len(ts) && ts[j+1].single && joinable(u[ts[j].hi:ts[j+1].lo]) &&
				(j == k || u[ts[j].hi].b == u[ts[k].hi].b) {
				j++
			}
			if j-k+1 >= 3 && chatLetters(u, ts[k:j+1]) {
				plain = j
			} else if j-k+1 >= 3 {
				for m := k; m <= j; m++ {
					n.emitWord(u[ts[m].lo:ts[m].hi], m > k)
				}
				pos = ts[j].hi
				k = j
				continue
			}
		}
		if k < len(ts) {
			n.emitWord(u[lo:hi], false)
		}
		pos = hi
	}
}

func (n *normalized) emitSeparator(sep []unit) {
	for _, x := range sep {
		if x.b == ' ' {
			if k := len(n.out) - 1; k >= 0 && n.out[k] == ' ' {
				n.span[k].e = x.e
				continue
			}
		}
		n.push(x)
	}
}

// emitWord writes a token, collapsing runs of three or more equal letters.
// cont continues the previous word (joined spaced-out letters), so a run
// may span tokens.
func (n *normalized) emitWord(w []unit, cont bool) {
	run := 0
	if cont {
		run = n.tailRun()
	}
	for _, x := range w {
		k := len(n.out) - 1
		if run > 0 && x.b-'a' < 26 && n.out[k] == x.b {
			run++
			switch {
			case run == 3:
				// Drop the second copy; the first stands for the run.
				n.out = n.out[:k]
				n.span = n.span[:k]
				k--
				n.span[k].e = x.e
				n.stretched = append(n.stretched, int32(k))
			case run > 3:
				n.span[k].e = x.e
			default:
				n.push(x)
			}
			continue
		}
		run = 1
		n.push(x)
	}
}

// tailRun returns the length of the run of equal letters at the end of
// the output as emitted so far (a collapsed run counts as three).
func (n *normalized) tailRun() int {
	k := len(n.out) - 1
	if k < 0 || n.out[k]-'a' >= 26 {
		return 0
	}
	if m := len(n.stretched); m > 0 && n.stretched[m-1] == int32(k) {
		return 3
	}
	if k > 0 && n.out[k-1] == n.out[k] {
		return 2
	}
	return 1
}

func (n *normalized) push(x unit) {
	n.out = append(n.out, x.b)
	n.span = append(n.span, span{x.s, x.e})
}
