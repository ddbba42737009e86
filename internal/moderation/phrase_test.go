package moderation

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// phraseCases lists, for each phrase rule, texts it must catch and
// ordinary texts that must stay clean (not flagged at all).
var phraseCases = []struct {
	rule        string
	catch, pass []string
}{
	{
		rule: "threat: promise to kill",
		catch: []string{"i will kill you", "Im gonna k1ll u", "ima murder you tonight", "i'll f*cking stab you",
			"we are going to shoot you", "i will kill your family", "I'm going to slit your throat", "i'll snap ur neck",
			"i'd strangle you", "ur gonna die", "one more word and you're dead", "you are a dead man"},
		pass: []string{"I'll kill you in ranked lol", "gonna kill this workout", "kill the lights", "I'd kill for a coffee",
			"i will kill you with kindness", "my mom is gonna kill me", "I'm not going to kill you", "Kill Bill was great"},
	},
	{
		rule: "threat: promise to hurt",
		catch: []string{"I will hurt you", "im gonna beat you up", "i'll break your legs", "I know where you live",
			"we know where u work", "watch your back", "you'll regret this", "ur gonna regret it", "I'll make you pay",
			"I'm coming for you", "I'll ruin your life", "i will expose you", "I'm going to find you", "your days are numbered",
			"i'll leak your address", "keep talking and see what happens", "you won't see it coming", "youre next"},
		pass: []string{"I'll destroy you at chess", "you'll regret skipping leg day", "watch your back posture",
			"I'll find you a seat", "I'll shoot you a text", "you're next in line", "you're dead right", "I won't hurt you",
			"nobody is going to hurt you here", "I know where you can buy that", "I'm coming to your party"},
	},
	{
		rule: "self-harm: kill yourself",
		catch: []string{"kill yourself", "go k1ll urself", "unalive yourself", "you should hang yourself", "why don't you just die",
			"u should drink bleach", "slit your wrists", "neck yourself", "rope yourself", "end your life", "you should end it all"},
		pass: []string{"don't kill yourself over it", "cut yourself some slack", "delete yourself from the list if you can't come",
			"please don't hurt yourself", "did you hurt yourself?", "treat yourself"},
	},
	{
		rule: "self-harm: go die",
		catch: []string{"go die", "just die already", "pls just die", "jump off a bridge", "go jump off a cliff", "drink bleach",
			"step in front of a bus", "go rope", "rope already", "go play in traffic", "disappear forever"},
		pass: []string{"I want to jump off a bridge", "I just want to disappear forever", "jump rope", "learn the ropes",
			"we jumped off the pier", "don't drink bleach", "go die trying", "I'd die for my mom", "go play outside"},
	},
	{
		rule: "self-harm: nobody would miss you",
		catch: []string{"nobody would miss you", "no one will care if you die", "the world would be better without you",
			"do everyone a favour and disappear", "do the world a favor and die", "why are you still alive",
			"you shouldnt even exist", "you should have never been born"},
		pass: []string{"nobody would miss the meeting", "the world would be boring without you", "I'd miss you if you left",
			"it's not true that nobody would miss you", "do everyone a favour and bring snacks"},
	},
	{
		rule: "sextortion: leak intimate images",
		catch: []string{"I'll leak your nudes", "i will post ur nudes", "send nudes or else", "send me more pics or i'll post these",
			"pay me or I send these to your family", "I have your nudes", "i'll send the video to your parents",
			"unless you pay i'll leak the pics", "your nudes will be everywhere", "everyone will see your nudes"},
		pass: []string{"send me the pics from the trip", "I'll post the pics in the group", "pay me back later",
			"never send nudes to strangers", "I have your charger", "send pics or it didn't happen", "my nudes are my business"},
	},
	{
		rule: "insult: you are …",
		catch: []string{"you're worthless", "ur so pathetic", "you are a total failure", "youre such a clown", "you absolute clown",
			"you pathetic loser", "nobody likes you", "no one likes u", "you have no friends", "everyone hates you", "you disgust me",
			"you're a waste of space", "your a loser"},
		pass: []string{"you're worth it", "you're not a failure", "don't let anyone tell you you're worthless", "you absolute legend",
			"nobody likes mondays", "you're a clown lol love you", "you're so kind", "if you're a failure then so am I"},
	},
	{
		rule: "insult: what a loser",
		catch: []string{"pathetic loser", "what a clown", "absolute clown", "go back to the gutter", "crawl back under your rock",
			"sad little man", "worthless piece of trash"},
		pass: []string{"what a clown fiesta", "I'm such a failure", "the ball went in the gutter", "class clown", "loser buys dinner"},
	},
}

func TestPhraseRules(t *testing.T) {
	t.Parallel()
	e := Default()
	names := map[string]bool{}
	for _, d := range phraseDefs {
		names[d.name] = true
	}
	for _, tc := range phraseCases {
		if !names[tc.rule] {
			t.Fatalf("no phrase rule %q", tc.rule)
		}
		t.Run(tc.rule, func(t *testing.T) {
			t.Parallel()
			for _, s := range tc.catch {
				v := e.Check(s)
				if !slices.ContainsFunc(v.Matches, func(m Match) bool { return m.Term == tc.rule }) {
					t.Errorf("Check(%q): rule did not catch it: %+v", s, v.Matches)
				}
			}
			for _, s := range tc.pass {
				if v := e.Check(s); v.Flagged {
					t.Errorf("Check(%q) flagged: %+v", s, v.Matches)
				}
			}
		})
	}
}

// Every built-in phrase rule has cases above.
func TestPhraseRulesCovered(t *testing.T) {
	t.Parallel()
	for _, d := range phraseDefs {
		if d.allow {
			continue
		}
		if !slices.ContainsFunc(phraseCases, func(c struct {
			rule        string
			catch, pass []string
		}) bool {
			return c.rule == d.name
		}) {
			t.Errorf("phrase rule %q has no test cases", d.name)
		}
	}
}

// A phrase match maps back to the original bytes, obfuscation included,
// and a guild's allow entry clears it like any list hit.
func TestPhraseSpans(t *testing.T) {
	t.Parallel()
	text := "ok so I ᴡɪʟʟ k\u200bi\u200bll yоu tomorrow" // small capitals, zero-width spaces, a Cyrillic о
	v := Default().Check(text)
	want := []Match{{Category: CategoryThreat, Severity: SeverityCritical, Term: "threat: promise to kill",
		Start: strings.Index(text, "I"), End: strings.Index(text, " tomorrow")}}
	if diff := cmp.Diff(want, v.Matches); diff != "" {
		t.Errorf("Check(%q) mismatch (-want +got):\n%s", text, diff)
	}
	e, err := New(Rules{Allow: []string{"i will kill you"}})
	if err != nil {
		t.Fatal(err)
	}
	if v := e.Check("i will kill you"); v.Flagged {
		t.Errorf("allowed phrase still flagged: %+v", v.Matches)
	}
	off, err := New(Rules{Disabled: []Category{CategorySelfHarm}})
	if err != nil {
		t.Fatal(err)
	}
	if v := off.Check("go kill yourself"); v.Flagged {
		t.Errorf("self-harm turned off, still flagged: %+v", v.Matches)
	}
}

func TestPhraseCompileErrors(t *testing.T) {
	t.Parallel()
	classes := map[string]string{"FUNC": "!a, !the", "PLAY": "game", "NEG": "!not", "SELF": "!i", "SOFT": "jk",
		"END": "!lol", "YOU": "!you", "LOVE": "love", "HEDGE": "!if", "KILL": "kill+", "BAD": "two words"}
	_, err := compilePhrases(classes, nil, nil)
	if err == nil || !strings.Contains(err.Error(), "is not one word") {
		t.Errorf("class with a phrase: err = %v", err)
	}
	delete(classes, "BAD")
	tests := []struct{ pattern, wantErr string }{
		{"the a", "no required slot made only of trigger words"},
		{"kill? you", "must start with a required word"},
		{"(kill|) you", "must start with a required word"},
		{"kill (you", "unclosed group"},
		{"kill ~99", "bad gap"},
		{"kill NOPE", "unknown class NOPE"},
		{"kill ~12 ~12 ~12 ~12 ~12 ~12", "may span more than 63 words"},
	}
	for _, tt := range tests {
		_, err := compilePhrases(classes, nil, []phraseDef{{name: "r", cat: CategoryThreat, sev: SeverityHigh, patterns: tt.pattern}})
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("pattern %q: err = %v, want %q", tt.pattern, err, tt.wantErr)
		}
	}
	m, err := compilePhrases(classes, nil, []phraseDef{{name: "r", cat: CategoryThreat, sev: SeverityHigh, patterns: "i? KILL you"}})
	if err == nil {
		t.Errorf("optional first slot accepted: %v", m)
	}
}

// The phrase pass stays linear: a text made of nothing but trigger words
// and pattern prefixes costs about as much per byte as a short one. The
// check is on work, not time: the memo table holds at most one entry per
// group and word.
func TestPhraseBounded(t *testing.T) {
	t.Parallel()
	m := builtinPhrases()
	for _, unit := range []string{"i will kill you ", "you are a pathetic worthless loser ", "nobody would miss ", "im gonna "} {
		text := strings.Repeat(unit, MaxInputBytes/len(unit))
		var n normalized
		n.run(truncate(text))
		var ps phraseScratch
		var seen setBits
		for i := range seen {
			seen[i] = ^uint64(0)
		}
		var disabled [numCategories]bool
		start := time.Now()
		m.run(n.out, &seen, &ps, &disabled, nil)
		if bound := len(m.groups) * len(ps.toks) * 2; ps.memo.n > bound {
			t.Errorf("%q: %d memo entries for %d words, more than %d", unit, ps.memo.n, len(ps.toks), bound)
		}
		t.Logf("%q ×%d: %d words, %d memo entries, %v", unit, MaxInputBytes/len(unit), len(ps.toks), ps.memo.n, time.Since(start))
	}
}

// A text built to keep every pattern alive ends the pass early, marked
// Overrun; a threat before that point is still caught.
func TestPhraseBudget(t *testing.T) {
	t.Parallel()
	text := "i will kill you " + strings.Repeat("im gonna ", MaxInputBytes/9)
	v := Default().Check(text)
	if !v.Overrun || !v.Flagged || v.Category != CategoryThreat {
		t.Errorf("Check(threat + padding) = flagged %v, %s, overrun %v; want a threat, overrun", v.Flagged, v.Category, v.Overrun)
	}
	long := strings.Repeat("hey everyone, how was the game? love the new photo, see you at work tomorrow. ", 50)
	if v := Default().Check(long); v.Overrun || v.Flagged {
		t.Errorf("a long ordinary note: flagged %v, overrun %v", v.Flagged, v.Overrun)
	}
}
