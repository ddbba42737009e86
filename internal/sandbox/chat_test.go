package sandbox_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/embodied-community/embodied/internal/config"
	"github.com/embodied-community/embodied/internal/sandbox"
)

// With message moderation on, a member's message posted from the console
// is checked by the bot; what it deleted is listed with its reason.
func TestConsoleSayAndDeleted(t *testing.T) {
	w := start(t, func(c *config.Config) { c.ModerateMessages = true })
	var out bytes.Buffer
	c := sandbox.NewConsole(w, &out)
	script := strings.Join([]string{
		`deleted`,
		`as admin /security moderation message-action category:insult action:delete`,
		`as alice`,
		`say #general hello everyone`,
		`say #general you idiot`,
		`say #nowhere hi`,
		`deleted`,
	}, "\n")
	if err := c.Run(context.Background(), strings.NewReader(script)); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{
		"The bot deleted no message.",
		"💬 alice in #general: hello everyone\n",
		"💬 alice in #general: you idiot\n🗑️  The bot deleted it (reason: Message moderation: toxic_language (insult, low))\n",
		"✗ no channel #nowhere\n",
		"🗑️  alice in #general: \"you idiot\" (reason: Message moderation: toxic_language (insult, low))\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("transcript lacks %q:\n%s", want, got)
		}
	}
	if strings.Count(got, "The bot deleted it") != 1 {
		t.Errorf("a clean message was deleted:\n%s", got)
	}
}
