package moderation

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestCheck(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		text string
		want Verdict
	}{
		{
			name: "seed sentence",
			text: "This bitch deserves to be ignored",
			want: flagged(ReasonToxicLanguage, CategoryProfanity, SeverityMedium, []Match{{Category: CategoryProfanity, Severity: SeverityMedium, Term: "*bitch*", Start: 5, End: 10}}),
		},
		{
			name: "clean",
			text: "a bit chubby, hit or miss, Scunthorpe, assassin, class, cockpit, therapist, grape, Essex",
			want: Verdict{Matches: []Match{}},
		},
		{
			name: "zero-width inside a word maps back to the original bytes",
			text: "oh bi\u200btch",
			want: flagged(ReasonToxicLanguage, CategoryProfanity, SeverityMedium, []Match{{Category: CategoryProfanity, Severity: SeverityMedium, Term: "*bitch*", Start: 3, End: 11}}),
		},
		{
			name: "spaced-out letters",
			text: "you b.i.t.c.h!",
			want: flagged(ReasonToxicLanguage, CategoryProfanity, SeverityMedium, []Match{{Category: CategoryProfanity, Severity: SeverityMedium, Term: "*bitch*", Start: 4, End: 13}}),
		},
		{
			name: "phrase without swear words, most severe match wins",
			text: "idiot, go kill yourself",
			want: flagged(ReasonToxicLanguage, CategorySelfHarm, SeverityCritical, []Match{
				{Category: CategoryInsult, Severity: SeverityLow, Term: "idiot", Start: 0, End: 5},
				{Category: CategorySelfHarm, Severity: SeverityCritical, Term: "self-harm: kill yourself", Start: 7, End: 23},
			}),
		},
		{
			name: "email",
			text: "write to jane.doe@example.org.",
			want: flagged(ReasonPersonalInformation, CategoryPII, SeverityHigh, []Match{{Category: CategoryPII, Severity: SeverityHigh, Term: "email", Start: 9, End: 29}}),
		},
		{
			name: "email spelt out",
			text: "jane.doe [at] example [dot] com",
			want: flagged(ReasonPersonalInformation, CategoryPII, SeverityHigh, []Match{{Category: CategoryPII, Severity: SeverityHigh, Term: "email", Start: 0, End: 31}}),
		},
		{
			name: "webmail spelt out",
			text: "DM me: jane at gmail dot com",
			want: flagged(ReasonPersonalInformation, CategoryPII, SeverityHigh, []Match{{Category: CategoryPII, Severity: SeverityHigh, Term: "email", Start: 7, End: 28}}),
		},
		{
			name: "at and dot in prose",
			text: "look at that dot on the map, at home.com is not a thing",
			want: Verdict{Matches: []Match{}},
		},
		{
			name: "phone",
			text: "her number is (415) 555-2671 ok",
			want: flagged(ReasonPersonalInformation, CategoryPII, SeverityHigh, []Match{{Category: CategoryPII, Severity: SeverityHigh, Term: "phone", Start: 14, End: 28}}),
		},
		{
			name: "numbers that are not phones",
			text: "I got 100% on 2024-05-01, order 12345, id 123456789012345678",
			want: Verdict{Matches: []Match{}},
		},
		{
			name: "invite link",
			text: "join https://discord.gg/abcDEF now",
			want: flagged(ReasonSpam, CategorySpam, SeverityMedium, []Match{{Category: CategorySpam, Severity: SeverityMedium, Term: "invite link", Start: 13, End: 30}}),
		},
		{
			name: "mass mention",
			text: "<@111111111111111111> <@222222222222222222> <@!333333333333333333> <@444444444444444444> <@&555555555555555555> hi",
			want: flagged(ReasonSpam, CategorySpam, SeverityHigh, []Match{{Category: CategorySpam, Severity: SeverityHigh, Term: "mass mention", Start: 0, End: 111}}),
		},
		{
			name: "everyone",
			text: "@everyone free nitro",
			want: flagged(ReasonSpam, CategorySpam, SeverityHigh, []Match{{Category: CategorySpam, Severity: SeverityHigh, Term: "@everyone", Start: 0, End: 9}}),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := Default().Check(tt.text)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Check(%q) mismatch (-want +got):\n%s", tt.text, diff)
			}
		})
	}
}

// flagged builds the verdict for a flagged text.
func flagged(reason string, c Category, s Severity, ms []Match) Verdict {
	return Verdict{Flagged: true, Reason: reason, Category: c, Severity: s, Matches: ms}
}

func TestFlags(t *testing.T) {
	t.Parallel()
	flagged := []string{
		"bi\u200btch", "b\u00adi\u00adt\u00adc\u00adh", "ｂｉｔｃｈ", "b\u0456tch", "8itch", "biiiitch", "f*ck", "b i t c h",
		"b.i.t.c.h", "sh!t", "asssss", "**ass**", "kys", "you are worthless trash", "nobody would miss you", "𝐟𝐮𝐜𝐤",
		"fu\u0301ck", "FUCK", "a$$hole", "go k1ll yourself", "niggggger",
		"+33 1 42 68 53 00", "415.555.2671", "1-415-555-2671", "+1 (415) 555-2671",
		"add my ig @jane.doe", "snap: janedoe", "my insta is jane_99", "Telegram - @jdoe",
	}
	clean := []string{
		"a bit chubby", "hit or miss", "Scunthorpe", "assassin", "class", "cockpit", "therapist", "grape", "Essex",
		"wow!!", "hello!", "I l0ve you", "s o r r y", "niger", "passs", "*italic* text", "shiitake",
		"555-1234", "order 1234567890123", "call 911", "+33 1", "123-456-7890",
		"my insta is private", "saw it on instagram today", "snap a photo",
	}
	e := Default()
	for _, s := range flagged {
		if v := e.Check(s); !v.Flagged {
			t.Errorf("Check(%q) not flagged", s)
		}
	}
	for _, s := range clean {
		if v := e.Check(s); v.Flagged {
			t.Errorf("Check(%q) flagged: %+v", s, v.Matches)
		}
	}
}

func TestNormalize(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"Hello  World", "hello world"},
		{"ｂｉｔｃｈ", "bitch"},
		{"b\u0456tch", "bitch"},
		{"bi\u200btch\uFE0F", "bitch"},
		{"café", "cafe"},
		{"8itch sh!t wow!!", "bitch shit wow!!"},
		{"biiiitch", "bitch"},
		{"a bit chubby", "a bit chubby"},
		{"b i t c h", "bitch"},
		{"b.i.t.c.h.", "bitch."},
		{"I'm a nurse", "i'm a nurse"},
		{"x.y z.w.v", "x.y zwv"},
		{"u r a star", "u r a star"},
		{"k y s", "kys"},
		{"x y", "x y"},
		{"f*ck", "f*ck"},
		{"call 555 1234", "call 555 1234"},
		{"\U0001D41F\U0001D42E", "fu"},
	}
	for _, tt := range tests {
		if got := Normalize(tt.in); got != tt.want {
			t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if got := Normalize(tt.want); got != tt.want {
			t.Errorf("Normalize(%q) = %q, not idempotent", tt.want, got)
		}
	}
}

func TestRules(t *testing.T) {
	t.Parallel()
	e, err := New(Rules{
		Keywords: []Keyword{
			{Pattern: "barbie*", Category: CategoryInsult, Severity: SeverityHigh},
			{Pattern: "*grr*"},
		},
		Allow:    []string{"class act of a bitch", "kill yourself"},
		Disabled: []Category{CategoryPII},
		Regexes:  []string{`(?i)\bcode\s*\d{4}\b`},
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		text string
		want []Match
	}{
		{"the Barbies", []Match{{Category: CategoryInsult, Severity: SeverityHigh, Term: "barbie*", Start: 4, End: 10}}},
		{"grrr", []Match{{Category: CategoryProfanity, Severity: SeverityMedium, Term: "*grr*", Start: 0, End: 4}}},
		{"a class act of a bitch", []Match{}},
		{"bitch, class act of a bitch", []Match{{Category: CategoryProfanity, Severity: SeverityMedium, Term: "*bitch*", Start: 0, End: 5}}},
		{"kill yourself", []Match{}},
		// The allow entry does not cover the longer built-in phrase.
		{"go kill yourself", []Match{{Category: CategorySelfHarm, Severity: SeverityCritical, Term: "self-harm: kill yourself", Start: 0, End: 16}}},
		{"mail a@b.com", []Match{}},
		{"use CODE 1234", []Match{{Category: CategoryProfanity, Severity: SeverityMedium, Term: `(?i)\bcode\s*\d{4}\b`, Start: 4, End: 13}}},
	}
	for _, tt := range tests {
		got := e.Check(tt.text).Matches
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("Check(%q) mismatch (-want +got):\n%s", tt.text, diff)
		}
	}
}

func TestNewErrors(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", MaxRegexLen+1)
	_, err := New(Rules{
		Keywords: []Keyword{{Pattern: "a*b"}, {Pattern: "x"}, {Pattern: "ok", Category: "nope"}},
		Allow:    []string{strings.Repeat("z", MaxKeywordLen+1)},
		Disabled: []Category{"unknown"},
		Regexes:  []string{"(", long, "a*"},
	})
	if err == nil {
		t.Fatal("New accepted invalid rules")
	}
	for _, want := range []string{`keyword "a*b"`, `keyword "x"`, `unknown category "nope"`, "allow entry", `disabled category "unknown"`, `regex "("`, "longer than 260", `regex "a*": matches empty`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestMaxInput(t *testing.T) {
	t.Parallel()
	text := strings.Repeat("é", MaxInputBytes) + " bitch"
	if v := Default().Check(text); v.Flagged {
		t.Errorf("text past MaxInputBytes was scanned: %+v", v.Matches)
	}
	if got := len(Normalize(text)); got > MaxInputBytes {
		t.Errorf("Normalize returned %d bytes, more than MaxInputBytes", got)
	}
}

func TestRunCLI(t *testing.T) {
	t.Parallel()
	in := strings.NewReader("hello\r\nThis bitch deserves to be ignored\nno newline at end")
	var out bytes.Buffer
	if err := RunCLI(in, &out, Default()); err != nil {
		t.Fatal(err)
	}
	var got []map[string]any
	dec := json.NewDecoder(&out)
	for dec.More() {
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			t.Fatal(err)
		}
		got = append(got, m)
	}
	want := []map[string]any{
		{"flagged": false, "reason": "", "category": "", "severity": "", "matches": []any{}},
		{"flagged": true, "reason": "toxic_language", "category": "profanity", "severity": "medium", "matches": []any{
			map[string]any{"category": "profanity", "severity": "medium", "term": "*bitch*", "start": 5.0, "end": 10.0},
		}},
		{"flagged": false, "reason": "", "category": "", "severity": "", "matches": []any{}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("RunCLI mismatch (-want +got):\n%s", diff)
	}
}

func TestSeverity(t *testing.T) {
	t.Parallel()
	for _, s := range []Severity{SeverityLow, SeverityMedium, SeverityHigh, SeverityCritical} {
		got, err := ParseSeverity(s.String())
		if err != nil || got != s {
			t.Errorf("ParseSeverity(%q) = %v, %v", s.String(), got, err)
		}
	}
	if diff := cmp.Diff([]string{"low", "medium", "high", "critical"}, []string{SeverityLow.String(), SeverityMedium.String(), SeverityHigh.String(), SeverityCritical.String()}); diff != "" {
		t.Errorf("names mismatch (-want +got):\n%s", diff)
	}
}

func TestNoBuiltin(t *testing.T) {
	t.Parallel()
	e, err := New(Rules{NoBuiltin: true, Keywords: []Keyword{{Pattern: "ken"}}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		text string
		want []Category
	}{
		{"you bitch", nil},
		{"hi ken", []Category{CategoryProfanity}},
		{"jane [at] example [dot] com", []Category{CategoryPII}},
		{"jane at gmail.com", []Category{CategoryPII}},
		{"look at that dot", nil},
	}
	for _, tt := range tests {
		var got []Category
		for _, m := range e.Check(tt.text).Matches {
			got = append(got, m.Category)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("Check(%q) categories mismatch (-want +got):\n%s", tt.text, diff)
		}
	}
}

func TestDisabledRegexCategory(t *testing.T) {
	t.Parallel()
	e, err := New(Rules{Regexes: []string{`(?i)buy now`}, RegexCategory: CategorySpam, Disabled: []Category{CategorySpam}})
	if err != nil {
		t.Fatal(err)
	}
	if v := e.Check("BUY NOW at discord.gg/abc"); v.Flagged {
		t.Errorf("spam turned off, still flagged: %+v", v.Matches)
	}
}

// Chat obfuscations of swear words are caught; look-alike names, places,
// titles and medicine are not.
func TestChatObfuscations(t *testing.T) {
	t.Parallel()
	caught := []string{
		"f.u.c.k", "f*ck", "sh!t", "sh¡t", "b-i-t-c-h", "f u c k", "f_u_c_k", "fuuuuck", "fuuck", "shiiit", "shiit", "biiitch",
		"phuck", "phucking", "fuk", "biatch", "azz", "azzhole", "kunt", "fvck", "sheeit", "shyt", "fcking", "f@ck", "5h1t",
		"b1tch", "a55hole", "c*nt", "d!ck", "ƒuck", "ｆｕｃｋ", "f\u200bu\u200bc\u200bk", "ѕhіt", "fück", "sl00t",
	}
	clean := []string{
		"Scunthorpe", "Penistone", "Cockburn", "Dick Van Dyke", "Essex", "Sussex", "Middlesex", "Shitterton", "Clitheroe",
		"Lightwater", "Hancock", "Kill Bill", "Moby Dick", "Moby-Dick", "To Kill a Mockingbird", "The Hurt Locker",
		"breast cancer screening", "rectal exam", "suicide prevention hotline", "self-harm awareness", "anal fissure",
		"rape crisis centre", "quitting porn changed my life", "porn addiction recovery", "killing it", "headshot",
		"that workout destroyed me", "I'm dead 😂", "this song slaps", "shoot me a message", "murdered that set",
	}
	e := Default()
	for _, s := range caught {
		if !e.Check(s).Flagged {
			t.Errorf("Check(%q) not flagged", s)
		}
	}
	for _, s := range clean {
		if v := e.Check(s); v.Flagged {
			t.Errorf("Check(%q) flagged: %+v", s, v.Matches)
		}
	}
}
