package moderation

import (
	"math/bits"
	"slices"
)

// denseDepth is how deep a state may be and still get a full row of
// transitions. Chat text spends 99% of its bytes in states at most eight
// bytes deep (11,000 of the built-in lists' 137,000 states); the deeper
// ones, inside long patterns, are rarely visited and store only how their
// row differs. That keeps the built-in automaton near 5 MB instead of the
// 19 MB of a full table, at about the same cost per byte.
const denseDepth = 8

// allDense is the table size (states × classes) up to which every state
// gets a full row: small automata (a guild's keywords) stay fully dense.
const allDense = 1 << 18

// automaton is an Aho-Corasick automaton over normalised bytes, compiled
// to a DFA over a small alphabet: every byte that occurs in some pattern
// has its own class, all other bytes share class 0. Scanning costs one
// table load per input byte whatever the number of patterns.
//
// States are numbered in three ranges: [0, quiet) have a full row and
// report nothing; [quiet, nDense) have a full row and report something;
// [nDense, n) are the deep states. A deep state's row is
// the row of a dense state on its failure chain (ref) except for the
// classes in its mask, whose targets are in exc: a transition is still a
// constant number of loads.
type automaton struct {
	class  [256]uint8
	nclass int
	dense  []int32 // dense[s*nclass+c] = next state, for s < nDense
	quiet  int32
	nDense int32
	// Deep state s is at index s-nDense.
	ref  []int32  // the dense state whose row s follows
	mask []uint64 // classes where s's row differs from ref's
	off  []int32  // where s's differing targets start in exc
	exc  []int32  // differing targets, by class within a state
	// State s >= quiet is at index s-quiet.
	match    []int32 // pattern ending exactly at s, or -1
	dictLink []int32 // nearest state on the failure chain with a match, or -1
	lens     []int32 // pattern lengths
}

// hit is a pattern occurrence in normalised coordinates [start, end).
type hit struct {
	pat        int32
	start, end int32
}

// trie is the automaton's goto function while it is built: children as
// linked lists, which is compact whatever the alphabet.
type trie struct {
	first, next []int32 // first child, next sibling (0: none; the root is never a child)
	label       []uint8 // class of the edge into the state
	match       []int32
}

func (t *trie) child(s int32, c uint8) int32 {
	for k := t.first[s]; k != 0; k = t.next[k] {
		if t.label[k] == c {
			return k
		}
	}
	return 0
}

func (t *trie) add(s int32, c uint8) int32 {
	k := int32(len(t.match))
	t.first, t.next = append(t.first, 0), append(t.next, t.first[s])
	t.label, t.match = append(t.label, c), append(t.match, -1)
	t.first[s] = k
	return k
}

func newAutomaton(patterns []string) *automaton {
	return buildAutomaton(patterns, denseDepth)
}

// buildAutomaton gives full rows to the states at most maxDepth bytes deep
// (all of them when the table is small or the alphabet too large for a
// mask).
func buildAutomaton(patterns []string, maxDepth int) *automaton {
	a := &automaton{}
	for _, p := range patterns {
		for i := 0; i < len(p); i++ {
			if a.class[p[i]] == 0 {
				a.nclass++
				a.class[p[i]] = uint8(a.nclass)
			}
		}
	}
	a.nclass++
	t := &trie{first: []int32{0}, next: []int32{0}, label: []uint8{0}, match: []int32{-1}}
	a.lens = make([]int32, len(patterns))
	for id, p := range patterns {
		a.lens[id] = int32(len(p))
		s := int32(0)
		for i := 0; i < len(p); i++ {
			c := a.class[p[i]]
			next := t.child(s, c)
			if next == 0 {
				next = t.add(s, c)
			}
			s = next
		}
		if t.match[s] < 0 {
			t.match[s] = int32(id)
		}
	}
	a.build(t, maxDepth)
	return a
}

// build computes failure links breadth first, so every state's failure
// (shallower) is complete before the state itself, and lays out the tables.
func (a *automaton) build(t *trie, maxDepth int) {
	nc := a.nclass
	n := len(t.match)
	if nc > 64 || n*nc <= allDense {
		maxDepth = n // small, or too many classes for a mask: all rows dense
	}
	// BFS order: pos[old] is the state's place in it.
	order := make([]int32, 0, n)
	pos := make([]int32, n)
	depth := make([]int32, n)
	order = append(order, 0)
	nd := int32(0)
	for i := 0; i < len(order); i++ {
		s := order[i]
		pos[s] = int32(i)
		if int(depth[s]) <= maxDepth {
			nd++
		}
		for k := t.first[s]; k != 0; k = t.next[k] {
			depth[k] = depth[s] + 1
			order = append(order, k)
		}
	}
	depth = nil
	// Everything below is indexed by BFS place; dense states come first.
	dense := make([]int32, int(nd)*nc)
	fail := make([]int32, n)
	match := make([]int32, n)
	dict := make([]int32, n)
	nsp := n - int(nd)
	ref := make([]int32, nsp)
	mask := make([]uint64, nsp)
	off := make([]int32, nsp)
	// While building, the tables hold BFS places and step works on them.
	a.dense, a.nDense, a.ref, a.mask, a.off = dense, nd, ref, mask, off
	var kids [256]int32 // target by class of the state being built, 0: none
	step := a.step
	for p := int32(0); p < int32(n); p++ {
		s := order[p]
		match[p] = t.match[s]
		f := fail[p]
		dict[p] = -1
		if p > 0 {
			if match[f] >= 0 {
				dict[p] = f
			} else {
				dict[p] = dict[f]
			}
		}
		var has uint64
		for k := t.first[s]; k != 0; k = t.next[k] {
			c := t.label[k]
			kids[c] = pos[k]
			if c < 64 {
				has |= 1 << c
			}
			if p == 0 {
				fail[pos[k]] = 0
			} else {
				fail[pos[k]] = step(f, c)
			}
		}
		if p < nd {
			row := dense[int(p)*nc : int(p+1)*nc]
			for c := 0; c < nc; c++ {
				switch {
				case kids[c] != 0:
					row[c] = kids[c]
				case p > 0:
					row[c] = step(f, uint8(c))
				}
			}
		} else {
			// The row of the failure state, with this state's children on
			// top: exceptions to the failure's dense ref row.
			sp := p - nd
			r, m := f, has
			if f >= nd {
				r, m = ref[f-nd], mask[f-nd]|has
			}
			ref[sp], mask[sp], off[sp] = r, m, int32(len(a.exc))
			for c := uint8(0); m != 0; c++ {
				if m&1 != 0 {
					if kids[c] != 0 {
						a.exc = append(a.exc, kids[c])
					} else {
						a.exc = append(a.exc, step(f, c))
					}
				}
				m >>= 1
			}
		}
		for k := t.first[s]; k != 0; k = t.next[k] {
			kids[t.label[k]] = 0
		}
	}
	t.first, t.next, t.label, t.match = nil, nil, nil, nil
	order, pos, fail = nil, nil, nil
	a.layout(match, dict)
}

// layout renumbers the states so that the dense states that report
// nothing come first (the scan's hot loop tests one comparison per byte),
// then the dense ones that report, then the deep ones.
func (a *automaton) layout(match, dict []int32) {
	nc := a.nclass
	nd, dense := a.nDense, a.dense
	n := int32(len(match))
	reports := func(p int32) bool { return match[p] >= 0 || dict[p] >= 0 }
	perm := make([]int32, n) // BFS place → state
	next := int32(0)
	for p := int32(0); p < nd; p++ {
		if !reports(p) {
			perm[p] = next
			next++
		}
	}
	a.quiet = next
	for p := int32(0); p < nd; p++ {
		if reports(p) {
			perm[p] = next
			next++
		}
	}
	for p := nd; p < n; p++ {
		perm[p] = p
	}
	a.dense = make([]int32, len(dense))
	for p := int32(0); p < nd; p++ {
		row := a.dense[int(perm[p])*nc : int(perm[p]+1)*nc]
		for c, to := range dense[int(p)*nc : int(p+1)*nc] {
			row[c] = perm[to]
		}
	}
	for i, r := range a.ref {
		a.ref[i] = perm[r]
	}
	for i, to := range a.exc {
		a.exc[i] = perm[to]
	}
	a.exc = slices.Clone(a.exc) // drop append's spare capacity
	a.match = make([]int32, n-a.quiet)
	a.dictLink = make([]int32, n-a.quiet)
	for p := int32(0); p < n; p++ {
		if s := perm[p]; s >= a.quiet {
			a.match[s-a.quiet] = match[p]
			a.dictLink[s-a.quiet] = -1
			if d := dict[p]; d >= 0 {
				a.dictLink[s-a.quiet] = perm[d]
			}
		}
	}
}

// step is one transition from any state.
func (a *automaton) step(s int32, c uint8) int32 {
	if s < a.nDense {
		return a.dense[s*int32(a.nclass)+int32(c)]
	}
	sp := s - a.nDense
	bit := uint64(1) << c
	if m := a.mask[sp]; m&bit != 0 {
		return a.exc[a.off[sp]+int32(bits.OnesCount64(m&(bit-1)))]
	}
	return a.dense[a.ref[sp]*int32(a.nclass)+int32(c)]
}

// scan appends every occurrence of every pattern in text to hits.
func (a *automaton) scan(text []byte, hits []hit) []hit {
	nc := int32(a.nclass)
	dense, class, quiet, nDense := a.dense, &a.class, a.quiet, a.nDense
	match, dict, lens := a.match, a.dictLink, a.lens
	ref, mask, off, exc := a.ref, a.mask, a.off, a.exc
	s := int32(0)
	for i, b := range text {
		c := class[b]
		if s < nDense {
			s = dense[s*nc+int32(c)]
		} else {
			// A deep state: its differing targets, or its ref's row.
			sp := s - nDense
			bit := uint64(1) << c
			if m := mask[sp]; m&bit != 0 {
				s = exc[off[sp]+int32(bits.OnesCount64(m&(bit-1)))]
			} else {
				s = dense[ref[sp]*nc+int32(c)]
			}
		}
		if s < quiet {
			continue
		}
		end := int32(i + 1)
		for t := s; t >= 0; t = dict[t-quiet] {
			if p := match[t-quiet]; p >= 0 {
				hits = append(hits, hit{pat: p, start: end - lens[p], end: end})
			}
		}
	}
	return hits
}

// size is the automaton's table memory in bytes.
func (a *automaton) size() int {
	return 4*(len(a.dense)+len(a.ref)+len(a.off)+len(a.exc)+len(a.match)+len(a.dictLink)+len(a.lens)) + 8*len(a.mask)
}
