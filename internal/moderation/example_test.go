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
	in := strings.NewReader("hello\ncall me at +44 20 7946 0958\n")
	if err := moderation.RunCLI(in, os.Stdout, moderation.Default()); err != nil {
		panic(err)
	}
	// Output:
	// {"flagged":false,"reason":"","category":"","severity":"","matches":[]}
	// {"flagged":true,"reason":"personal_information","category":"pii","severity":"high","matches":[{"category":"pii","severity":"high","term":"phone","start":11,"end":27}]}
}
