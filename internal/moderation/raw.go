package moderation

import (
	"bytes"
	"regexp"
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// massMentions is how many user or role mentions in one text count as
// mention spam.
const massMentions = 5

// Severities of the detectors on raw text.
const (
	severityEmail       = SeverityHigh
	severityPhone       = SeverityHigh
	severityHandle      = SeverityMedium
	severityInvite      = SeverityMedium
	severityMassMention = SeverityHigh
)

// scanRaw finds PII and spam in the original text. One pass looks at '@'
// (emails, @everyone/@here, <@id> mentions), digits (phone numbers, with a
// cheap shape check before libphonenumber) and "discord" (invite links).
func (e *Engine) scanRaw(text string, hints hintSet, ms []Match) []Match {
	pii := !e.disabled[categoryIndex[CategoryPII]]
	spam := !e.disabled[categoryIndex[CategorySpam]]
	mentions, firstMention, lastMention := 0, -1, -1
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case c == '@':
			if spam {
				if i > 0 && text[i-1] == '<' {
					if j := mentionEnd(text, i+1); j > 0 {
						if firstMention < 0 {
							firstMention = i - 1
						}
						mentions++
						lastMention = j
						i = j - 1
						continue
					}
				}
				if w := everyoneLen(text[i:]); w > 0 {
					ms = append(ms, Match{Category: CategorySpam, Severity: severityMassMention, Term: text[i : i+w], Start: i, End: i + w})
					i += w - 1
					continue
				}
			}
			if pii {
				if s, end, ok := emailAround(text, i); ok {
					ms = append(ms, Match{Category: CategoryPII, Severity: severityEmail, Term: "email", Start: s, End: end})
					i = end - 1
				}
			}
		case c >= '0' && c <= '9' || c == '+' || c == '(':
			if !pii {
				continue
			}
			end, digits := phoneShape(text, i)
			if digits >= 7 {
				if s, e2, ok := phoneAt(text, i, end); ok {
					ms = append(ms, Match{Category: CategoryPII, Severity: severityPhone, Term: "phone", Start: s, End: e2})
				}
			}
			if end > i {
				i = end - 1
			}
		case c == 'd' || c == 'D':
			if spam && (i == 0 || !isAlnum(text[i-1])) {
				if w := inviteLen(text[i:]); w > 0 {
					ms = append(ms, Match{Category: CategorySpam, Severity: severityInvite, Term: "invite link", Start: i, End: i + w})
					i += w - 1
				}
			}
		}
	}
	if pii && hints&hintEmail != 0 {
		for _, loc := range obfuscatedEmail.FindAllStringIndex(text, 8) {
			ms = append(ms, Match{Category: CategoryPII, Severity: severityEmail, Term: "email", Start: loc[0], End: loc[1]})
		}
	}
	if pii && hints&hintHandle != 0 {
		for _, loc := range socialHandle.FindAllStringIndex(text, 8) {
			ms = append(ms, Match{Category: CategoryPII, Severity: severityHandle, Term: "social handle", Start: loc[0], End: loc[1]})
		}
	}
	if mentions >= massMentions {
		ms = append(ms, Match{Category: CategorySpam, Severity: severityMassMention, Term: "mass mention", Start: firstMention, End: lastMention})
	}
	return ms
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// mentionEnd returns the end of "<@123>", "<@!123>" or "<@&123>" whose '@'
// is at text[i-1], or -1.
func mentionEnd(text string, i int) int {
	if i < len(text) && (text[i] == '!' || text[i] == '&') {
		i++
	}
	j := i
	for j < len(text) && text[j] >= '0' && text[j] <= '9' {
		j++
	}
	if j-i < 15 || j-i > 21 || j >= len(text) || text[j] != '>' {
		return -1
	}
	return j + 1
}

// everyoneLen returns the length of "@everyone" or "@here" at the start of
// s (not followed by a letter), or 0.
func everyoneLen(s string) int {
	for _, w := range [...]string{"@everyone", "@here"} {
		if len(s) >= len(w) && strings.EqualFold(s[:len(w)], w) && (len(s) == len(w) || !isAlnum(s[len(w)])) {
			return len(w)
		}
	}
	return 0
}

var invitePrefixes = [...]string{
	"discord.gg/", "discord.com/invite/", "discordapp.com/invite/", "discord.me/", "discord.io/",
}

// inviteLen returns the length of a Discord invite link at the start of s
// (the host must be followed by a code), or 0.
func inviteLen(s string) int {
	for _, p := range invitePrefixes {
		if len(s) > len(p) && strings.EqualFold(s[:len(p)], p) {
			j := len(p)
			for j < len(s) && (isAlnum(s[j]) || s[j] == '-') {
				j++
			}
			if j > len(p) {
				return j
			}
		}
	}
	return 0
}

func isLocal(c byte) bool {
	return isAlnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-'
}

// emailAround finds an email address around the '@' at text[at]. Each byte
// is looked at a bounded number of times: the local part stops at the
// previous '@', the domain at the next.
func emailAround(text string, at int) (start, end int, ok bool) {
	s := at
	for s > 0 && at-s < 64 && isLocal(text[s-1]) {
		s--
	}
	for s < at && text[s] == '.' {
		s++
	}
	if s == at {
		return 0, 0, false
	}
	e := at + 1
	lastDot := -1
	for e < len(text) && e-at < 255 && (isAlnum(text[e]) || text[e] == '-' || text[e] == '.') {
		if text[e] == '.' {
			lastDot = e
		}
		e++
	}
	for e > at+1 && text[e-1] == '.' {
		e--
		if lastDot == e {
			lastDot = strings.LastIndexByte(text[at+1:e], '.')
			if lastDot >= 0 {
				lastDot += at + 1
			}
		}
	}
	if lastDot <= at+1 || e-lastDot-1 < 2 {
		return 0, 0, false
	}
	for _, c := range []byte(text[lastDot+1 : e]) {
		if c >= '0' && c <= '9' {
			return 0, 0, false
		}
	}
	return s, e, true
}

// phoneShape returns the end of a run of phone-number characters starting
// at i and how many digits it holds. The run must start at a word edge.
func phoneShape(text string, i int) (end, digits int) {
	if i > 0 && isAlnum(text[i-1]) {
		j := i
		for j < len(text) && isAlnum(text[j]) {
			j++
		}
		return j, 0
	}
	j := i
	for j < len(text) && j-i < 32 {
		c := text[j]
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == ' ' || c == '-' || c == '.' || c == '(' || c == ')' || c == '+' && j == i:
		default:
			goto done
		}
		j++
	}
done:
	for j > i && (text[j-1] < '0' || text[j-1] > '9') && text[j-1] != ')' {
		j--
	}
	if j < len(text) && isAlnum(text[j]) {
		return j, 0
	}
	return j, digits
}

// phoneAt reports whether text[i:end] is a phone number. Numbers without
// a country code are read in the North American plan, whose shape
// (NPA-NXX-XXXX, both starting 2-9) is checked here directly; so are
// "+1" numbers. Other international numbers go to libphonenumber, whose
// regular expressions are too slow to run on every candidate.
func phoneAt(text string, i, end int) (int, int, bool) {
	cand := text[i:end]
	var d [16]byte
	n := 0
	for _, c := range []byte(cand) {
		if c >= '0' && c <= '9' {
			if n == len(d) {
				return 0, 0, false
			}
			d[n] = c
			n++
		}
	}
	plus := cand[0] == '+'
	switch {
	case n == 11 && d[0] == '1':
		return i, end, nanp(d[1:11])
	case n == 10 && !plus:
		return i, end, nanp(d[:10])
	case !plus || n < 8:
		return 0, 0, false
	}
	num, err := phonenumbers.Parse(cand, "ZZ")
	if err != nil || !phonenumbers.IsValidNumber(num) {
		return 0, 0, false
	}
	return i, end, true
}

// nanp checks the shape of a ten-digit North American number: area code
// and exchange start with 2-9, and the area code is not an N11 service
// code.
func nanp(d []byte) bool {
	return d[0] >= '2' && d[3] >= '2' && !(d[1] == '1' && d[2] == '1')
}

// obfuscatedEmail finds addresses spelt out to dodge filters:
// "jane [at] example [dot] com", "jane at example dot com",
// "jane at gmail.com". RE2 keeps it linear.
var obfuscatedEmail = func() *regexp.Regexp {
	const (
		local    = `[a-z0-9][a-z0-9._%+-]{0,63}`
		boxAt    = `\s*[\[({<]\s*at\s*[\])}>]\s*`
		spaceAt  = `\s+at\s+`
		dot      = `(?:\s*[\[({<]\s*dot\s*[\])}>]\s*|\s+dot\s+)`
		dotOrDot = `(?:\s*[\[({<]\s*dot\s*[\])}>]\s*|\s+dot\s+|\.)`
		label    = `[a-z0-9-]{1,63}`
		tld      = `(?:com|net|org|edu|gov|io|co|uk|de|fr|me|ca|au|nl|es|it|ru|info|biz)\b`
		webmail  = `(?:gmail|googlemail|yahoo|hotmail|outlook|live|icloud|me|proton|protonmail|pm|aol|gmx|yandex|mail)`
	)
	return regexp.MustCompile(`(?i)\b` + local + `(?:` +
		boxAt + label + `(?:` + dotOrDot + label + `){0,2}?` + dotOrDot + tld + `|` +
		spaceAt + label + `(?:` + dot + label + `){0,2}?` + dot + tld + `|` +
		spaceAt + webmail + dotOrDot + tld + `)`)
}()

// hintSet says which expensive detectors the scan found worth running.
type hintSet uint8

const (
	hintEmail hintSet = 1 << iota
	hintHandle
	hintPhrase // a phrase rule's trigger word
)

// handleHints name the platforms whose handles count as contact details.
var handleHints = []string{
	"insta", "instagram", "ig", "snap", "snapchat", "telegram", "whatsapp", "whats app", "kik", "tiktok", "tik tok",
	"twitter", "onlyfans",
}

// socialHandle finds a handle given next to a platform name: "ig
// @jane", "my snap is jane_99", "insta: jane.doe". A bare word after "is"
// ("my insta is private") is not a handle unless it has '@', '.', '_' or a
// digit.
var socialHandle = regexp.MustCompile(`(?i)\b(?:insta(?:gram)?|ig|snap(?:chat)?|telegram|whats ?app|kik|tik ?tok|twitter|onlyfans)\b` +
	`(?:[ \t]*(?:is|:|-|=)?[ \t]*@[a-z0-9._]{2,30}|[ \t]*(?:is|:|-|=)[ \t]*[a-z0-9]+[._0-9][a-z0-9._]*|[ \t]*:[ \t]*[a-z0-9._]{3,30})`)

// emailHints are built-in automaton patterns (AutoMod syntax, no groups:
// the brackets are literal) that make obfuscatedEmail worth running; they
// cost nothing on top of the scan.
var emailHints = []string{
	"at]*", "at)*", "at}*", "at>*", "dot", "at gmail*", "at googlemail*", "at yahoo*", "at hotmail*", "at outlook*",
	"at live*", "at icloud*", "at me*", "at proton*", "at pm*", "at aol*", "at gmx*", "at yandex*", "at mail*",
}

// mayHideEmail is the same test as emailHints for engines without the
// built-in automaton.
func mayHideEmail(norm []byte) bool {
	for _, m := range [...]string{"at]", "at)", "at}", "at>", " dot ", "[dot", "(dot"} {
		if bytes.Contains(norm, []byte(m)) {
			return true
		}
	}
	if !bytes.Contains(norm, []byte(" at ")) {
		return false
	}
	for _, m := range [...]string{" at gmail", " at googlemail", " at yahoo", " at hotmail", " at outlook", " at live.", " at icloud", " at me.", " at proton", " at pm.", " at aol", " at gmx", " at yandex", " at mail."} {
		if bytes.Contains(norm, []byte(m)) {
			return true
		}
	}
	return false
}
