package moderation

// automaton is an Aho-Corasick automaton over normalised bytes, compiled
// to a dense DFA over a small alphabet: every byte that occurs in some
// pattern has its own class, all other bytes share class 0. Scanning costs
// one table load per input byte whatever the number of patterns.
type automaton struct {
	class    [256]uint8
	nclass   int
	delta    []int32 // delta[state*nclass+class] = next state
	match    []int32 // pattern ending exactly at state, or -1
	dictLink []int32 // nearest state on the failure chain with a match, or -1
	lens     []int32 // pattern lengths
	firstOut int32   // states from here on report matches
}

// hit is a pattern occurrence in normalised coordinates [start, end).
type hit struct {
	pat        int32
	start, end int32
}

func newAutomaton(patterns []string) *automaton {
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
	nc := a.nclass
	// Build the trie.
	a.delta = make([]int32, nc, nc*64)
	a.match = []int32{-1}
	a.lens = make([]int32, len(patterns))
	for id, p := range patterns {
		a.lens[id] = int32(len(p))
		s := int32(0)
		for i := 0; i < len(p); i++ {
			c := int32(a.class[p[i]])
			next := a.delta[s*int32(nc)+c]
			if next == 0 {
				next = int32(len(a.match))
				a.delta = append(a.delta, make([]int32, nc)...)
				a.match = append(a.match, -1)
				a.delta[s*int32(nc)+c] = next
			}
			s = next
		}
		if a.match[s] < 0 {
			a.match[s] = int32(id)
		}
	}
	// Breadth-first: failure links become DFA transitions.
	n := len(a.match)
	fail := make([]int32, n)
	a.dictLink = make([]int32, n)
	for i := range a.dictLink {
		a.dictLink[i] = -1
	}
	queue := make([]int32, 0, n)
	for c := 0; c < nc; c++ {
		if t := a.delta[c]; t != 0 {
			queue = append(queue, t)
		}
	}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		f := fail[s]
		if a.match[f] >= 0 {
			a.dictLink[s] = f
		} else {
			a.dictLink[s] = a.dictLink[f]
		}
		row := a.delta[int(s)*nc : int(s+1)*nc]
		frow := a.delta[int(f)*nc : int(f+1)*nc]
		for c := 0; c < nc; c++ {
			if t := row[c]; t != 0 {
				fail[t] = frow[c]
				queue = append(queue, t)
			} else {
				row[c] = frow[c]
			}
		}
	}
	a.renumber()
	return a
}

// renumber moves the states that report something (a match here or on the
// failure chain) to the end, so the scan loop tests one comparison per
// byte instead of two loads.
func (a *automaton) renumber() {
	n := len(a.match)
	perm := make([]int32, n) // old → new
	next := int32(0)
	for s := 0; s < n; s++ {
		if a.match[s] < 0 && a.dictLink[s] < 0 {
			perm[s] = next
			next++
		}
	}
	a.firstOut = next
	for s := 0; s < n; s++ {
		if a.match[s] >= 0 || a.dictLink[s] >= 0 {
			perm[s] = next
			next++
		}
	}
	nc := a.nclass
	delta := make([]int32, len(a.delta))
	match := make([]int32, n)
	dict := make([]int32, n)
	for s := 0; s < n; s++ {
		ns := int(perm[s])
		for c := 0; c < nc; c++ {
			delta[ns*nc+c] = perm[a.delta[s*nc+c]]
		}
		match[ns] = a.match[s]
		dict[ns] = -1
		if d := a.dictLink[s]; d >= 0 {
			dict[ns] = perm[d]
		}
	}
	a.delta, a.match, a.dictLink = delta, match, dict
}

// scan appends every occurrence of every pattern in text to hits.
func (a *automaton) scan(text []byte, hits []hit) []hit {
	nc := int32(a.nclass)
	delta, match, dict, class, firstOut := a.delta, a.match, a.dictLink, &a.class, a.firstOut
	s := int32(0)
	for i, b := range text {
		s = delta[s*nc+int32(class[b])]
		if s < firstOut {
			continue
		}
		end := int32(i + 1)
		for t := s; t >= 0; t = dict[t] {
			if p := match[t]; p >= 0 {
				hits = append(hits, hit{pat: p, start: end - a.lens[p], end: end})
			}
		}
	}
	return hits
}
