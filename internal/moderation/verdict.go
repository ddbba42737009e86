package moderation

import "fmt"

// Category is the kind of content a match belongs to.
type Category string

// The categories the engine knows. Profanity, sexual, slur, insult,
// threat, self-harm (encouraging it) and sextortion are abuse
// ("toxic_language"); PII and spam have their own reasons.
const (
	CategoryProfanity Category = "profanity"
	CategorySexual    Category = "sexual"
	CategorySlur      Category = "slur"
	CategoryInsult    Category = "insult"
	CategoryThreat    Category = "threat"
	// CategorySelfHarm is encouragement of self-harm or suicide.
	CategorySelfHarm Category = "self_harm"
	// CategorySextortion is sexual extortion: threats to share intimate
	// images, demands for them.
	CategorySextortion Category = "sextortion"
	CategoryPII        Category = "pii"
	CategorySpam       Category = "spam"
)

// Categories lists every category in a stable order.
var Categories = []Category{
	CategoryProfanity, CategorySexual, CategorySlur, CategoryInsult,
	CategoryThreat, CategorySelfHarm, CategorySextortion, CategoryPII, CategorySpam,
}

// Valid reports whether c is one of the known categories.
func (c Category) Valid() bool {
	for _, k := range Categories {
		if c == k {
			return true
		}
	}
	return false
}

// Reason returns the flag reason stored for a match of this category.
func (c Category) Reason() string {
	switch c {
	case CategoryPII:
		return ReasonPersonalInformation
	case CategorySpam:
		return ReasonSpam
	case "":
		return ""
	}
	return ReasonToxicLanguage
}

// Flag reasons, as stored in content_flags.flag_reason.
const (
	ReasonToxicLanguage       = "toxic_language"
	ReasonPersonalInformation = "personal_information"
	ReasonSpam                = "spam"
	// ReasonRulesOverrun: the guild's rules did not finish checking the
	// text within their time budget, so it waits for a human.
	ReasonRulesOverrun = "rules_overrun"
)

// Severity orders matches from mild to critical.
type Severity int

// The severities, in increasing order. The zero value means "none".
const (
	SeverityLow Severity = iota + 1
	SeverityMedium
	SeverityHigh
	SeverityCritical
)

var severityNames = [...]string{"", "low", "medium", "high", "critical"}

// String returns the name stored in the database ("low" … "critical"), or
// "" for the zero value.
func (s Severity) String() string {
	if s < 0 || int(s) >= len(severityNames) {
		return fmt.Sprintf("Severity(%d)", int(s))
	}
	return severityNames[s]
}

// ParseSeverity is the inverse of Severity.String.
func ParseSeverity(name string) (Severity, error) {
	for i, n := range severityNames {
		if i > 0 && n == name {
			return Severity(i), nil
		}
	}
	return 0, fmt.Errorf("unknown severity %q", name)
}

// MarshalText encodes the severity by name, so JSON verdicts read "high".
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText decodes a severity name.
func (s *Severity) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*s = 0
		return nil
	}
	v, err := ParseSeverity(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// Match is one hit: what matched and where, as a byte range [Start, End)
// in the original text passed to Check.
type Match struct {
	Category Category `json:"category"`
	Severity Severity `json:"severity"`
	// Term is the rule that matched (the list entry or keyword), not the
	// possibly obfuscated text; slice the input with Start:End for that.
	Term  string `json:"term"`
	Start int    `json:"start"`
	End   int    `json:"end"`
}

// Verdict is the result of checking one text.
type Verdict struct {
	Flagged  bool     `json:"flagged"`
	Reason   string   `json:"reason"`
	Category Category `json:"category"`
	Severity Severity `json:"severity"`
	Matches  []Match  `json:"matches"`
	// Overrun is set when the guild's regexes did not finish within the
	// budget, or the phrase rules gave up on a text built to keep them
	// busy: the text was not fully checked, and the guild's rules say
	// what happens to it.
	Overrun bool `json:"overrun,omitempty"`
}

// verdictOf builds a verdict from matches sorted by position: the most
// severe match decides category and reason, the earliest wins ties.
func verdictOf(ms []Match) Verdict {
	v := Verdict{Matches: ms}
	if len(ms) == 0 {
		v.Matches = []Match{}
		return v
	}
	best := ms[0]
	for _, m := range ms[1:] {
		if m.Severity > best.Severity {
			best = m
		}
	}
	v.Flagged = true
	v.Category = best.Category
	v.Severity = best.Severity
	v.Reason = best.Category.Reason()
	return v
}
