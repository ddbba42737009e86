package sandbox_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/embodied-community/embodied/internal/sandbox"
)

// A member reports another's message from the console: the form is filled
// in with the reason, and moderators find the report in the queue.
func TestConsoleReport(t *testing.T) {
	w := start(t)
	w.Sim.Say(w.Member("bob"), "", "you are a clown")
	var out bytes.Buffer
	c := sandbox.NewConsole(w, &out)
	script := strings.Join([]string{
		`help`,
		`report bob He insults people all day`,
		`report nobody why`,
		`report admin why`,
		`as moderator /security flags`,
	}, "\n")
	if err := c.Run(context.Background(), strings.NewReader(script)); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{
		`The bot opened a form "Report a message"; alice writes: He insults people all day`,
		"bot (only alice sees this): ✅ Thank you.",
		`✗ no member "nobody"`,
		"✗ admin has posted nothing in the guild's channel",
		"Reported by: @alice",
		"Report: He insults people all day",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("transcript lacks %q", want)
		}
	}
	if strings.Contains(got, "/Report") {
		t.Error("the context menus are listed as slash commands")
	}
	if got := c.Complete("report b"); len(got) != 1 || got[0] != "bob" {
		t.Errorf("report b completes to %q, want bob", got)
	}
	if t.Failed() {
		t.Logf("transcript:\n%s", got)
	}
}
