package moderation

import "unicode"

// confusables maps look-alike letters that NFKD does not decompose
// (Cyrillic, Greek, small capitals, regional indicators, a few Latin
// letters with strokes) to the ASCII letter they imitate. It is a small
// hand-made subset of Unicode's confusables.txt: the letters people use to
// dodge filters, and nothing that would turn real words in those scripts
// into English ones beyond what the look-alike already does on screen.
var confusables = func() map[rune]byte {
	pairs := []string{
		// Cyrillic.
		"аa", "вb", "гr", "дd", "еe", "ёe", "зz", "иu", "йu", "кk", "лn", "мm", "нh",
		"оo", "пn", "рp", "сc", "тt", "уy", "хx", "шw", "щw", "ьb", "ъb", "эe", "ѕs",
		"іi", "їi", "јj", "ԁd", "ԛq", "ԝw", "үy", "һh", "ӏl", "ѵv", "ғf", "қk", "ңh",
		"ҳx", "ҫc", "ӑa", "ӗe", "ӧo", "ӱy",
		// Greek.
		"αa", "βb", "γy", "δd", "εe", "ζz", "ηn", "θo", "ιi", "κk", "λa", "μu", "νv",
		"ξe", "οo", "πn", "ρp", "σo", "ςc", "τt", "υu", "φo", "χx", "ψw", "ωw", "ϲc",
		"ϳj", "ϱp",
		// Latin letters with strokes and small capitals.
		"ıi", "ȷj", "łl", "øo", "đd", "ħh", "ŧt", "ƀb", "ɇe", "ɨi", "ɍr", "ʉu", "ɏy",
		"ƶz", "ǥg", "ɉj", "ᴀa", "ʙb", "ᴄc", "ᴅd", "ᴇe", "ꜰf", "ɢg", "ʜh", "ɪi", "ᴊj",
		"ᴋk", "ʟl", "ᴍm", "ɴn", "ᴏo", "ᴘp", "ʀr", "ꜱs", "ᴛt", "ᴜu", "ᴠv", "ᴡw", "ʏy",
		"ᴢz", "ɑa", "ɡg", "ɩi", "ɵo", "ʋu", "ɯw", "ꞵb",
		// Punctuation look-alikes that matter inside phrases, and inside
		// words ("sh¡t" reads as leetspeak "sh!t").
		"’'", "‘'", "ʼ'", "`'", "´'", "¡!", "ƒf",
	}
	m := make(map[rune]byte, len(pairs)+26)
	for _, p := range pairs {
		rs := []rune(p)
		m[rs[0]] = byte(rs[1])
	}
	for r := rune(0x1F1E6); r <= 0x1F1FF; r++ {
		m[r] = byte('a' + r - 0x1F1E6) // regional indicator symbols
	}
	return m
}()

// confusable returns the ASCII letter a non-ASCII rune imitates.
func confusable(r rune) (byte, bool) {
	b, ok := confusables[unicode.ToLower(r)]
	return b, ok
}
