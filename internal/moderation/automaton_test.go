package moderation

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// naiveScan is the automaton's specification: at every end position, each
// pattern that ends there (the first id of duplicates), longest first.
func naiveScan(patterns []string, text []byte) []hit {
	first := map[string]int32{}
	maxLen := 0
	for id, p := range patterns {
		if _, ok := first[p]; !ok {
			first[p] = int32(id)
		}
		maxLen = max(maxLen, len(p))
	}
	var hits []hit
	for end := 1; end <= len(text); end++ {
		for l := min(maxLen, end); l >= 1; l-- {
			if id, ok := first[string(text[end-l:end])]; ok {
				hits = append(hits, hit{pat: id, start: int32(end - l), end: int32(end)})
			}
		}
	}
	return hits
}

// scanTexts are texts for the automaton: chat, every built-in pattern
// glued to its neighbours, and random strings over the patterns' bytes.
func scanTexts(patterns []string, rng *rand.Rand) []string {
	texts := benchCorpus(1 << 16)
	var glued strings.Builder
	for i, p := range patterns {
		glued.WriteString(p)
		if i%7 == 0 {
			glued.WriteByte(' ')
		}
		if glued.Len() > 4000 {
			texts = append(texts, glued.String())
			glued.Reset()
		}
	}
	texts = append(texts, glued.String())
	alphabet := "abcdefghijklmnopqrstuvwxyz* .@0123456789"
	for range 200 {
		b := make([]byte, 1+rng.IntN(300))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		texts = append(texts, string(b))
	}
	// Long runs inside long patterns: deep states and their failures.
	for _, p := range patterns[:min(len(patterns), 300)] {
		texts = append(texts, strings.Repeat(p, 3)+p[:len(p)/2]+strings.Repeat(p[len(p)/2:], 2))
	}
	return texts
}

// The automaton (dense shallow rows, deep rows as differences) finds
// exactly what the naive scan finds, in the same order: the built-in lists,
// small custom sets, and an alphabet too large for the deep rows' masks.
func TestAutomatonMatchesNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(16, 2026))
	var wide []string
	for i := range 300 {
		b := make([]byte, 2+i%9)
		for j := range b {
			b[j] = byte(1 + rng.IntN(255))
		}
		wide = append(wide, string(b))
	}
	sets := []struct {
		name     string
		patterns []string
	}{
		{"built-in", builtinPatterns()},
		{"nested", []string{"ab", "abab", "ababab", "abababab", "bab", "b", "a*b"}},
		{"duplicates", []string{"cat", "at", "cat", "t", "concatenate", "catenate"}},
		{"more than 64 classes", wide},
	}
	for _, set := range sets {
		t.Run(set.name, func(t *testing.T) {
			a := newAutomaton(set.patterns)
			texts := scanTexts(set.patterns, rng)
			if set.name == "built-in" {
				texts = texts[:min(len(texts), 600)]
			}
			for _, text := range texts {
				if diff := cmp.Diff(naiveScan(set.patterns, []byte(text)), a.scan([]byte(text), nil), cmp.AllowUnexported(hit{})); diff != "" {
					t.Fatalf("scan of %.80q mismatch (-naive +automaton):\n%s", text, diff)
				}
			}
		})
	}
}

// builtinPatterns are the built-in matcher's patterns, in id order.
func builtinPatterns() []string {
	var c compiler
	for _, l := range builtinLists {
		for _, e := range expandList(l.entries) {
			c.add(rule{term: e, cat: l.cat, sev: l.sev})
		}
	}
	return c.pats
}

// The built-in automaton stays small: its tables were 19 MB as one full
// row per state (137,430 states × 34 classes × 4 bytes).
func TestBuiltinAutomatonSize(t *testing.T) {
	const limit = 6 << 20
	if got := builtin().ac.size(); got > limit {
		t.Errorf("built-in automaton tables: %d bytes, want at most %d", got, limit)
	}
}

func FuzzAutomaton(f *testing.F) {
	f.Add("ab", "xababab")
	f.Add("fuck", "fuuck fuck")
	f.Fuzz(func(t *testing.T, pats, text string) {
		var patterns []string
		for _, p := range strings.Split(pats, ",") {
			if p != "" && len(p) < 20 {
				patterns = append(patterns, p)
			}
		}
		if len(patterns) == 0 || len(patterns) > 50 || len(text) > 500 {
			return
		}
		a := newAutomaton(patterns)
		if diff := cmp.Diff(naiveScan(patterns, []byte(text)), a.scan([]byte(text), nil), cmp.AllowUnexported(hit{})); diff != "" {
			t.Fatalf("mismatch (-naive +automaton):\n%s", diff)
		}
	})
}

// BenchmarkAutomatonScan is the built-in automaton's scan alone, on chat and
// on every word a hit: ours (deep rows as differences) against the same
// automaton with a full row for every state (baseline-dense, 19.8 MB).
func BenchmarkAutomatonScan(b *testing.B) {
	patterns := builtinPatterns()
	var chat []byte
	for _, m := range benchCorpus(1 << 20) {
		var n normalized
		n.run(m)
		chat = append(append(chat, n.out...), ' ')
	}
	texts := []struct{ name, text string }{{"chat", string(chat)}, {"hits", strings.Repeat("fuck ", MaxInputBytes/5)}}
	for _, tx := range texts {
		b.Run(tx.name, func(b *testing.B) {
			for _, v := range []struct {
				name  string
				depth int
			}{{"ours", denseDepth}, {"baseline-dense", math.MaxInt}} {
				a := buildAutomaton(patterns, v.depth)
				b.Run(v.name, func(b *testing.B) {
					text := []byte(tx.text)
					var hits []hit
					b.SetBytes(int64(len(text)))
					for b.Loop() {
						hits = a.scan(text, hits[:0])
					}
				})
			}
		})
	}
}
