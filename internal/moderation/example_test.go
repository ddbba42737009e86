package moderation_test

import (
	"fmt"
	"os"
	"strings"

	"github.com/embodied-community/embodied/internal/moderation"
)

func ExampleEngine_Check() {
	text := "This b\u200bitch deserves to be ignored"
	v := moderation.Default().Check(text)
	fmt.Println(v.Flagged, v.Reason, v.Category, v.Severity)
	m := v.Matches[0]
	fmt.Printf("%q\n", text[m.Start:m.End])
	// Output:
	// true toxic_language profanity medium
	// "b\u200bitch"
}

func ExampleNew() {
	// A guild's rules, compiled once and cached until they change.
	e, err := moderation.New(moderation.Rules{
		Keywords: []moderation.Keyword{{Pattern: "ken*", Category: moderation.CategoryInsult}},
		Allow:    []string{"kenneth"},
		Disabled: []moderation.Category{moderation.CategoryPII},
	})
	if err != nil {
		panic(err)
	}
	for _, s := range []string{"such a k3n doll", "ask Kenneth", "mail me: a@b.org"} {
		fmt.Println(s, "→", e.Check(s).Flagged)
	}
	// Output:
	// such a k3n doll → true
	// ask Kenneth → false
	// mail me: a@b.org → false
}

func ExampleRunCLI() {
	in := strings.NewReader("hello\ncall me at +44 20 7946 0958\nnobody would miss you\n")
	if err := moderation.RunCLI(in, os.Stdout, moderation.Default()); err != nil {
		panic(err)
	}
	// Output:
	// {"flagged":false,"reason":"","category":"","severity":"","matches":[]}
	// {"flagged":true,"reason":"personal_information","category":"pii","severity":"high","matches":[{"category":"pii","severity":"high","term":"phone","start":11,"end":27}]}
	// {"flagged":true,"reason":"toxic_language","category":"self_harm","severity":"high","matches":[{"category":"self_harm","severity":"high","term":"self-harm: nobody would miss you","start":0,"end":21}]}
}

// The phrase rules give chat's abuse without swear words its own category
// and severity; ordinary talk that sounds like it stays clean.
func ExampleEngine_Check_categories() {
	for _, s := range []string{
		"i will kill you",
		"watch your back",
		"kys",
		"nobody would miss you",
		"I'll leak your nudes",
		"you're worthless",
		"you absolute clown",
		"sh!t",
		"killing it at the gym, that set destroyed me",
		"I want to die, can someone talk?",
	} {
		v := moderation.Default().Check(s)
		if !v.Flagged {
			fmt.Printf("%-46q clean\n", s)
			continue
		}
		fmt.Printf("%-46q %s %s\n", s, v.Category, v.Severity)
	}
	// Output:
	// "i will kill you"                              threat critical
	// "watch your back"                              threat high
	// "kys"                                          self_harm critical
	// "nobody would miss you"                        self_harm high
	// "I'll leak your nudes"                         sextortion critical
	// "you're worthless"                             insult medium
	// "you absolute clown"                           insult medium
	// "sh!t"                                         profanity medium
	// "killing it at the gym, that set destroyed me" clean
	// "I want to die, can someone talk?"             clean
}
