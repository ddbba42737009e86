// Package moderation is an offline content-moderation engine for member
// text (notes, journal entries, names, chat messages).
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
// Chat brings what no word list sees: threats and intimidation without a
// swear word ("I know where you live"), encouragement of self-harm in its
// euphemisms ("do everyone a favour and disappear"), sexual extortion
// ("I'll leak your pics") and insults built from ordinary words ("you
// absolute clown"). Phrase rules (phrases.go) catch these over the words
// of the normalised text: patterns of word classes, alternatives, optional
// words and bounded gaps, each rule with a category and a severity.
// Context vetoes keep ordinary speech clean: a negation ("don't kill
// yourself over it"), the speaker talking about themself ("I want to
// jump off a bridge" is someone needing help, not abuse), play ("I'll
// destroy you in ranked"), a joke marker ("jk", "love you"). Allow rules
// clear self-talk ("I'm such an idiot") and negated insults ("you're not
// worthless"). The pass runs only when the automaton saw a word of every
// trigger set of some pattern, reports at most a few matches per rule,
// and stops at phraseTryBudget tries (the verdict is then marked
// Overrun), so it stays linear and bounded.
//
// The built-in word lists are curated here by category and severity; they
// are deliberately not copied from the public lists the evaluation test
// measures against (testdata/), so that the evaluation means something.
package moderation
