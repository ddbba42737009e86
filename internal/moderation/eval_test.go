package moderation

import (
	"bufio"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	goaway "github.com/TwiN/go-away"
)

// evalCase is one labelled text. want says whether it should be flagged;
// cat is the expected category of a positive (empty when unknown).
type evalCase struct {
	text string
	want bool
	cat  Category
}

// evalSet is a named group of cases scored together.
type evalSet struct {
	name  string
	cases []evalCase
}

// score counts a confusion matrix.
type score struct{ tp, fp, fn, tn int }

func (s *score) add(want, got bool) {
	switch {
	case want && got:
		s.tp++
	case want:
		s.fn++
	case got:
		s.fp++
	default:
		s.tn++
	}
}

// precision uses scikit-learn's zero_division=0 convention: a detector that
// flags nothing has precision 0 rather than an undefined value, so doing
// nothing is never rewarded.
func (s score) precision() float64 {
	if s.tp+s.fp == 0 {
		return 0
	}
	return float64(s.tp) / float64(s.tp+s.fp)
}

func (s score) recall() float64 {
	if s.tp+s.fn == 0 {
		return 0
	}
	return float64(s.tp) / float64(s.tp+s.fn)
}

// readData reads a vendored list, skipping '#' comments and blank lines.
func readData(t testing.TB, name string) []string {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		l := sc.Text()
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		out = append(out, l)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// cussSet is the cuss list (MIT): words rated 2 ("likely profane") must be
// flagged, words rated 0 ("unlikely") must not; rating 1 is left out as the
// list itself is unsure.
func cussSet(t testing.TB) evalSet {
	s := evalSet{name: "cuss"}
	for _, l := range readData(t, "cuss-en.tsv") {
		w, r, _ := strings.Cut(l, "\t")
		switch r {
		case "2":
			s.cases = append(s.cases, evalCase{text: w, want: true})
		case "0":
			s.cases = append(s.cases, evalCase{text: w, want: false})
		}
	}
	return s
}

// chatTemplates put single terms into chat-like context, so the set also
// tests that the words around a term neither hide nor cause a hit.
var chatTemplates = []string{"lol %s", "that is so %s tbh", "%s!!", "why are you like this, %s", "ok so %s"}

// naughtySet is the naughty-words English list (CC-BY-4.0), all of it
// positives. To give precision a meaning it is paired with negatives from
// the other public list: cuss's rated-0 words that naughty-words lacks, in
// the same chat templates.
func naughtySet(t testing.TB) evalSet {
	s := evalSet{name: "naughty-words"}
	terms := readData(t, "naughty-words-en.txt")
	for i, w := range terms {
		s.cases = append(s.cases, evalCase{text: fmt.Sprintf(chatTemplates[i%len(chatTemplates)], w), want: true})
	}
	i := 0
	for _, l := range readData(t, "cuss-en.tsv") {
		w, r, _ := strings.Cut(l, "\t")
		if r != "0" || slices.Contains(terms, w) {
			continue
		}
		s.cases = append(s.cases, evalCase{text: fmt.Sprintf(chatTemplates[i%len(chatTemplates)], w), want: false})
		i++
	}
	return s
}

func pos(cat Category, texts ...string) []evalCase {
	out := make([]evalCase, len(texts))
	for i, t := range texts {
		out[i] = evalCase{text: t, want: true, cat: cat}
	}
	return out
}

func neg(texts ...string) []evalCase {
	out := make([]evalCase, len(texts))
	for i, t := range texts {
		out[i] = evalCase{text: t}
	}
	return out
}

// obfuscationSet is ours: abuse disguised the ways people dodge filters,
// and clean text disguised the same ways.
func obfuscationSet() evalSet {
	cases := slices.Concat(
		pos(CategoryProfanity,
			"bi\u200btch", "b\u00adi\u00adt\u00adc\u00adh", "ｂｉｔｃｈ", "b\u0456tch", "\u0455h\u0456t", "𝐟𝐮𝐜𝐤 this",
			"8itch", "biiiitch", "f*ck you", "b i t c h", "b.i.t.c.h", "sh1t", "$hit", "@ss", "a$$hole", "fuuuuuck",
			"f-u-c-k", "F U C K", "ⓕⓤⓒⓚ", "fu\u0301ck", "fück off", "shït", "b!tch", "sh\u200dit happens",
			"\U0001F1EB\U0001F1FA\U0001F1E8\U0001F1F0", "bitch\uFE0F", "\u0392itch", "ʙɪᴛᴄʜ", "what the f.u.c.k",
			"you absolute b_i_t_c_h", "ａｓｓｈｏｌｅ", "a s s h o l e", "sh*t", "motherfuuuucker", "d1ck", "ShItTy"),
		pos(CategorySexual, "pu$$y", "c0ck", "p0rn", "bl0wjob", "c u m", "d!ldo"),
		pos(CategoryInsult, "wh0re", "sl*t", "s.l.u.t", "c\u200cunt", "r3tard", "id1ot"),
		pos(CategorySlur, "n1gger", "f4gg0t", "n!gga", "niggggger", "f a g g o t", "k1ke", "ch1nk"),
		pos(CategorySelfHarm, "k.y.s", "go k1ll yourself", "kill y0urself", "k y s", "g0 d1e"),
		neg("a bit chubby", "hit or miss", "ｈｅｌｌｏ ｆｒｉｅｎｄ", "c\u043eol story", "I l0ve y0u", "see you at 8pm",
			"h\u200bello", "co\u00adoperate", "sooooo happy", "passsss the ball", "W O W", "s o r r y", "a.k.a. bob",
			"e.g. this one", "U.S.A.", "p.s. love you", "class of 2024", "I got 100%", "5 stars", "bass guitar",
			"grass is green", "a glass of water", "shih tzu puppy", "hitch a ride", "I'm sh0cked", "m1ss you", "c4n't wait",
			"niiiice", "yesss", "cocoa", "s.u.c.c.e.s.s", "t h e r a p i s t", "a s s i s t", "𝐠𝐨𝐨𝐝 𝐦𝐨𝐫𝐧𝐢𝐧𝐠",
			"ⓗⓔⓛⓛⓞ", "ｃｏｃｋｐｉｔ", "ＥＳＳＥＸ", "Scun\u200bthorpe", "cl\u0430ss", "grаpe juice", "the*rapist fixed it",
			"a$ap rocky", "b.b. king", "r.i.p. grandpa", "I'm a b- student", "h e l l o", "cu later", "a, b, c, d",
			"Ph.D. student", "you're sooo sweet", "shhhh it's a secret", "assessment at 3", "mississippi"),
	)
	return evalSet{name: "obfuscation", cases: cases}
}

// scunthorpeSet is ours: words that contain or resemble abuse but are
// clean, next to the real thing in similar sentences.
func scunthorpeSet() evalSet {
	cases := slices.Concat(
		neg("Scunthorpe", "assassin", "class", "cockpit", "therapist", "grape", "Essex", "a bit chubby", "hit or miss",
			"Middlesex", "Sussex", "cocktail hour", "a peacock", "Herbie Hancock", "Charles Dickens", "shiitake mushrooms",
			"Matsushita Electric", "I assume so", "my assistant", "the bassist", "passion fruit", "don't embarrass me",
			"a compass", "data analysis", "an analyst", "Penistone", "Arsenal won", "arsenic", "shell script", "Cumberland",
			"cucumber", "a document", "circumstances", "scrapbook", "my pussycat", "a snigger", "niggardly", "a raccoon",
			"cocoon", "Japan", "Japanese food", "homogeneous", "homo sapiens", "the title", "a button", "butter", "rebuttal",
			"spicy food", "sextant", "Sexton", "Wessex", "shoe", "prickly pear", "shuttlecock", "cockroach", "Cockburn",
			"bitcoin", "rapeseed oil", "grapefruit", "drapes", "skyscraper", "Emily Dickinson", "Fukushima", "Mitsubishi",
			"cumulative", "accumulate", "horseshoe", "glasses", "grasshopper", "massive", "assets", "harass", "Niger",
			"Nigerian food", "Hitchcock", "damage", "Amsterdam", "Pissarro", "Lake Titicaca", "analog", "canal", "banal",
			"Clitheroe", "a clitic", "cockatoo", "hancock", "scrap metal", "crappie fishing", "kill the process", "die casting",
			"dick van dyke", "he's cocky", "cum laude", "spic and span", "raccoons", "Hello there"),
		pos(CategoryProfanity, "Scunthorpe is full of cunts", "class act, you bitch", "you're an ass", "what a dickhead",
			"stop being a dick", "shit happens", "bullshit", "kiss my ass", "fuck off", "go to hell you bastard",
			"piece of shit", "shut the fuck up", "motherfucker", "what a prick", "you twat", "wanker"),
		pos(CategorySexual, "suck my cock", "send nudes", "watch porn", "blowjob", "cumshot", "rapist"),
		pos(CategoryInsult, "you slut", "dirty whore", "you're a retard", "stupid idiot", "you moron"),
		pos(CategorySlur, "fucking faggot", "nigger", "kike", "chink", "spic", "wetback", "tranny"),
	)
	return evalSet{name: "scunthorpe", cases: cases}
}

// phraseSet is ours: abuse without a single swear word, and ordinary
// sentences with the same verbs and nouns.
func phraseSet() evalSet {
	cases := slices.Concat(
		pos(CategoryThreat, "i will kill you", "i hope you die", "i know where you live", "kill all jews", "i'll stab you",
			"die in a fire", "hope you get hit by a bus"),
		pos(CategorySelfHarm, "go kill yourself", "kys", "nobody would miss you", "just hang yourself", "you should kill yourself",
			"drink bleach", "jump off a bridge", "the world would be better without you", "you don't deserve to live",
			"do us all a favor and die", "neck yourself", "Honestly just go kill yourself already", "no one would miss you if you left"),
		pos(CategoryInsult, "you are worthless trash", "you're a waste of space", "no one likes you", "everyone hates you",
			"you are pathetic", "ur useless", "you're such a disgrace", "you were a mistake", "you make me sick",
			"you're subhuman", "you are a worthless piece of trash", "you're so ugly", "you are disgusting",
			"waste of oxygen", "you're a failure", "you're a joke"),
		neg("I could kill for a coffee", "this game is killing me", "kill the process and restart", "nobody would miss the meeting",
			"you are worth it", "you're a star", "I hope you feel better", "I will call you", "you should try the soup",
			"I'm dying laughing", "the battery died", "what a waste of time", "go to bed", "i know where the keys are",
			"hang your coat here", "jump off the diving board", "you are amazing", "no one likes mondays", "everyone loves you",
			"drink water", "you deserve a rest", "I hope you win", "that joke killed", "this bridge is beautiful",
			"we shoot the video tomorrow", "end of the day", "you are not useless", "you're so kind", "you are a treasure",
			"I'd die for this cake", "the world would be boring without you", "you make me smile", "kill it on stage tonight",
			"you deserve to live your best life", "the plant died", "nobody likes traffic", "I will find you a seat",
			"she's dead tired", "my phone died", "i'm going to bed", "your garbage day is monday", "take out the trash"),
	)
	return evalSet{name: "phrases", cases: cases}
}

func TestEvaluation(t *testing.T) {
	sets := []evalSet{cussSet(t), naughtySet(t), obfuscationSet(), scunthorpeSet(), phraseSet()}
	ours := Default()
	ga := goaway.NewProfanityDetector()

	cats := map[Category]*catScore{}
	var b strings.Builder
	fmt.Fprintf(&b, "\n%-14s %6s %5s | %-22s | %-22s\n", "set", "pos", "neg", "ours  P      R", "go-away  P      R")
	for _, s := range sets {
		var so, sg score
		var misses []string
		for _, c := range s.cases {
			v := ours.Check(c.text)
			gp := ga.IsProfane(c.text)
			so.add(c.want, v.Flagged)
			sg.add(c.want, gp)
			if c.want != v.Flagged {
				misses = append(misses, fmt.Sprintf("%q want=%v", c.text, c.want))
			}
			if c.cat != "" || v.Flagged {
				if c.cat != "" {
					cs := catOf(cats, c.cat)
					cs.ours.add(true, v.Flagged)
					cs.ga.add(true, gp)
				}
				if v.Flagged && s.name != "cuss" && s.name != "naughty-words" {
					// Precision per category: of the texts we labelled with
					// category X, how many truly are X-abuse.
					catOf(cats, v.Category).oursPred.add(c.want && (c.cat == v.Category || c.cat == ""), true)
				}
			}
		}
		pos, negs := so.tp+so.fn, so.fp+so.tn
		fmt.Fprintf(&b, "%-14s %6d %5d | %6.3f %6.3f         | %6.3f %6.3f\n", s.name, pos, negs,
			so.precision(), so.recall(), sg.precision(), sg.recall())
		if len(misses) > 0 {
			t.Logf("%s: ours wrong on %d: %s", s.name, len(misses), strings.Join(misses[:min(len(misses), 60)], ", "))
		}
		// The engine must beat go-away on both measures. Where go-away is
		// already perfect a tie is the best possible; none of our sets has
		// that today, but the rule is spelt out so it cannot hide a loss.
		if !(so.precision() > sg.precision() || so.precision() == 1 && sg.precision() == 1) {
			t.Errorf("%s: precision %.3f does not beat go-away's %.3f", s.name, so.precision(), sg.precision())
		}
		if !(so.recall() > sg.recall() || so.recall() == 1 && sg.recall() == 1) {
			t.Errorf("%s: recall %.3f does not beat go-away's %.3f", s.name, so.recall(), sg.recall())
		}
	}
	fmt.Fprintf(&b, "\nper category (own labelled sets; go-away has no categories, so only its recall):\n")
	fmt.Fprintf(&b, "%-10s %5s | %-8s %-8s | %-8s\n", "category", "pos", "ours R", "ours P", "goaway R")
	for _, c := range Categories {
		cs, ok := cats[c]
		if !ok {
			continue
		}
		fmt.Fprintf(&b, "%-10s %5d | %8.3f %8.3f | %8.3f\n", c, cs.ours.tp+cs.ours.fn, cs.ours.recall(), cs.oursPred.precision(), cs.ga.recall())
	}
	t.Log(b.String())
}

// catScore holds per-category scores: recall of both engines over texts
// labelled with the category, and precision of our category verdicts.
type catScore struct{ ours, ga, oursPred score }

func catOf(m map[Category]*catScore, c Category) *catScore {
	if m[c] == nil {
		m[c] = &catScore{}
	}
	return m[c]
}
