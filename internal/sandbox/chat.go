package sandbox

import (
	"fmt"
	"strings"
	"time"
)

// say posts a message as the current member: "say #general some text".
// It waits a moment for message moderation to delete it, and says so.
func (c *Console) say(args []string) {
	if len(args) < 2 || !strings.HasPrefix(args[0], "#") {
		fmt.Fprintln(c.out, "✗ say #CHANNEL TEXT")
		return
	}
	channelID := c.w.Guild.ChannelByName(strings.TrimPrefix(args[0], "#"))
	if channelID == "" {
		fmt.Fprintf(c.out, "✗ no channel %s\n", args[0])
		return
	}
	m := c.w.Sim.Say(c.actor, channelID, strings.Join(args[1:], " "))
	fmt.Fprintf(c.out, "💬 %s in %s: %s\n", c.actor.User.Username, args[0], m.Content)
	if !c.w.Cfg.ModerateMessages {
		return
	}
	for deadline := time.Now().Add(time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		for _, d := range c.w.Sim.DeletedMessages(c.w.Guild.ID) {
			if d.MessageID == m.ID {
				fmt.Fprintf(c.out, "🗑️  The bot deleted it (reason: %s)\n", d.Reason)
				return
			}
		}
	}
}

// deleted lists what the bot deleted, oldest first.
func (c *Console) deleted() {
	list := c.w.Sim.DeletedMessages(c.w.Guild.ID)
	if len(list) == 0 {
		fmt.Fprintln(c.out, "The bot deleted no message.")
	}
	for _, d := range list {
		fmt.Fprintf(c.out, "🗑️  %s in #%s: %q (reason: %s)\n", c.name(d.AuthorID), c.w.Guild.ChannelName(d.ChannelID), d.Content, d.Reason)
	}
}
