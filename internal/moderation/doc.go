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
// The built-in word lists are curated here by category and severity; they
// are deliberately not copied from the public lists the evaluation test
// measures against (testdata/), so that the evaluation means something.
package moderation
