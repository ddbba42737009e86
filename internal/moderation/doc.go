// Package moderation is an offline content-moderation engine for member
// text (notes, journal entries, names).
//
// The engine normalises text (NFKC, confusables, zero-width and combining
// characters, case, leetspeak, stretched letters, spaced-out letters) while
// keeping a map back to the original bytes, runs one Aho-Corasick automaton
// over the normalised bytes, and adds detectors for personal information
// (emails, phone numbers) and spam (invite links, mass mentions). Work is
// linear in the input, which is capped at MaxInputBytes.
//
// A guild may add up to MaxRegexes regexes (Go's RE2 syntax). RE2 never
// backtracks exponentially, but its work is O(n·m) for n input bytes and
// a compiled program of m instructions, and counted repetitions make m
// large: 25 times
// `\w{0,1000}` compiles to 50,000 instructions and took 3 s on a
// 4,000-character note. CheckRegex therefore refuses a regex longer than
// MaxRegexLen (260) bytes, whose program (regexp/syntax Parse, Simplify,
// Compile) has more than MaxRegexInsts (100) instructions, or whose counted
// repetitions x{n,m} go above MaxRegexRepeat (20) or sit inside another
// repetition (counted, * or +). On top of the bounds, a guild's regexes run
// within RegexBudget (DefaultRegexBudget, 1.5 ms) of wall time a text: the
// budget is checked before each regex and, when program size times input
// length is large, every 64 runes of an input streamed to the matcher,
// which ends early once the budget is spent. A verdict whose regexes did not
// all finish is marked Overrun; the caller decides what that means.
//
// The built-in word lists are curated here by category and severity; they
// are deliberately not copied from the public lists the evaluation test
// measures against (testdata/), so that the evaluation means something.
package moderation
