package moderation

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	goaway "github.com/TwiN/go-away"
)

// benchCorpus generates chat-like messages, the same for every run: mostly
// everyday words, some profanity and obfuscation, emoji, mentions, links,
// numbers and a little non-Latin text.
func benchCorpus(size int) []string {
	rng := rand.New(rand.NewPCG(5, 2026))
	common := strings.Fields(`i you we they he she it the a an and or but so to of in on at for with from is are was
		were be been have has had do did not no yes ok okay lol lmao omg idk tbh imo btw brb gg wp nice cool great good bad
		love like hate want need know think feel see look come go get make take give tell ask work play game server
		channel role mod admin ban kick mute warn rules today tomorrow tonight yesterday week weekend time day night
		morning later soon now again please thanks thank sorry hello hey hi bye welcome everyone anyone someone friend
		friends date dating profile photo picture message reply thread voice chat stream music movie show episode
		season coffee tea pizza food dinner lunch class assignment therapist grape cockpit assume passion Essex Scunthorpe
		analysis document title button hello world what why when where who how really very much many more most just
		still also maybe probably actually literally basically honestly seriously`)
	spicy := strings.Fields(`fuck shit bitch damn crap ass asshole dick bastard idiot stupid moron f*ck sh1t b!tch
		biiitch wtf stfu`)
	extra := []string{"😂", "❤️", "👍", "🔥", "<@123456789012345678>", "https://example.com/page", "ｈｅｌｌｏ", "café",
		"naïve", "12:30", "2024", "#general", "@here", "b i t c h", "go kill yourself", "you are worthless", "привет",
		"日本語", "...", "?!", "discord.gg/abc123", "me@example.com", "+1 415 555 2671"}
	var out []string
	total := 0
	for total < size {
		n := 3 + rng.IntN(30)
		var b strings.Builder
		for i := 0; i < n; i++ {
			if i > 0 {
				b.WriteByte(' ')
			}
			switch r := rng.IntN(100); {
			case r < 3:
				b.WriteString(spicy[rng.IntN(len(spicy))])
			case r < 8:
				b.WriteString(extra[rng.IntN(len(extra))])
			default:
				w := common[rng.IntN(len(common))]
				if rng.IntN(20) == 0 {
					w = strings.ToUpper(w[:1]) + w[1:]
				}
				b.WriteString(w)
			}
		}
		switch rng.IntN(4) {
		case 0:
			b.WriteByte('.')
		case 1:
			b.WriteString("!!")
		}
		out = append(out, b.String())
		total += b.Len()
	}
	return out
}

func BenchmarkThroughput(b *testing.B) {
	corpus := benchCorpus(3 << 20)
	size := int64(0)
	for _, m := range corpus {
		size += int64(len(m))
	}
	b.Run("ours", func(b *testing.B) {
		e := Default()
		b.SetBytes(size)
		b.ReportAllocs()
		for b.Loop() {
			for _, m := range corpus {
				e.Check(m)
			}
		}
	})
	b.Run("baseline-goaway", func(b *testing.B) {
		g := goaway.NewProfanityDetector()
		b.SetBytes(size)
		b.ReportAllocs()
		for b.Loop() {
			for _, m := range corpus {
				g.IsProfane(m)
			}
		}
	})
}

// BenchmarkAdversarial checks that the worst inputs cost about as much per
// byte as chat: every word a hit, long letter runs, nested keywords.
func BenchmarkAdversarial(b *testing.B) {
	nested, err := New(Rules{Keywords: []Keyword{{Pattern: "*ab*"}, {Pattern: "*abab*"}, {Pattern: "*ababab*"}, {Pattern: "*abababab*"}}, Allow: []string{"*bab*"}})
	if err != nil {
		b.Fatal(err)
	}
	inputs := map[string]string{
		"hits":      strings.Repeat("fuck ", MaxInputBytes/5),
		"runs":      strings.Repeat("aaab", MaxInputBytes/4),
		"nested":    strings.Repeat("ab", MaxInputBytes/2),
		"singles":   strings.Repeat("a ", MaxInputBytes/2),
		"at-signs":  strings.Repeat("a@", MaxInputBytes/2),
		"digits":    strings.Repeat("1", MaxInputBytes),
		"zerowidth": strings.Repeat("b\u200b", MaxInputBytes/4),
		// Every word a phrase trigger or a pattern's prefix.
		"threats":  strings.Repeat("i will kill you ", MaxInputBytes/16),
		"prefixes": strings.Repeat("im gonna ", MaxInputBytes/9),
	}
	for _, name := range []string{"hits", "runs", "nested", "singles", "at-signs", "digits", "zerowidth", "threats", "prefixes"} {
		text := inputs[name]
		for _, e := range []struct {
			name string
			e    *Engine
		}{{"default", Default()}, {"nested", nested}} {
			b.Run(name+"/"+e.name, func(b *testing.B) {
				b.SetBytes(int64(len(text)))
				for b.Loop() {
					e.e.Check(text)
				}
			})
		}
	}
}

// worstRegexes is the worst rule set regex-add accepts: ten regexes at the
// bounds (programs of 95 to 100 instructions, counted repetitions at the
// limit) that keep every position of a note alive and never match it.
var worstRegexes = []string{
	`\w{0,20}\w{0,20}\w{0,8}!`,
	`(?i)[a-z]{0,20}[a-z]{0,20}[a-z]{0,7}!`,
	`(?s).{0,20}.{0,20}.{0,8}!`,
	`[^!]{0,20}[^!]{0,20}[^!]{0,8}!`,
	`\w{0,20}\s{0,20}\w{0,8}!`,
	`(?:\w|\s){0,20}(?:\w|\s){0,20}(?:\w|\s){0,8}!`,
	`[a-j]{1,20}[a-j]{1,20}[a-j]{1,8}#`,
	`\pL{0,20}\pL{0,20}\pL{0,8}!`,
	`(?i)[a-j]{0,20}[a-j]{0,20}[a-z]{0,7}#`,
	`\b\w{0,20}\w{0,20}\w{0,6}\b!`,
}

// BenchmarkGuildRegexWorst is one check of a 4,000-character note against
// the worst accepted rule set, with the default budget (ours), against the
// default engine on the same note (baseline-default), and against the same
// regexes without the budget (baseline-unbudgeted: what the bounds alone
// give).
func BenchmarkGuildRegexWorst(b *testing.B) {
	note := strings.Repeat("abcdefghij", 400)
	worst := func(budget time.Duration) *Engine {
		e, err := New(Rules{Regexes: worstRegexes, RegexBudget: budget})
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range e.regexes {
			if r.insts < 95 {
				b.Fatalf("regex %s: %d instructions, not at the bound", r.rx, r.insts)
			}
		}
		return e
	}
	run := func(e *Engine) func(b *testing.B) {
		return func(b *testing.B) {
			overruns := 0
			for b.Loop() {
				if e.Check(note).Overrun {
					overruns++
				}
			}
			b.ReportMetric(float64(overruns)/float64(b.N), "overruns/op")
		}
	}
	b.Run("ours", run(worst(0)))
	b.Run("baseline-default", run(Default()))
	b.Run("baseline-unbudgeted", run(worst(time.Hour)))
}
