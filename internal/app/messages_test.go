package app_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/apptest"
	"github.com/embodied-community/embodied/internal/chatmod"
	"github.com/embodied-community/embodied/internal/config"
	"github.com/embodied-community/embodied/internal/discordsim"
	"github.com/embodied-community/embodied/internal/modrules"
)

// chat is the bot with message moderation on (SECOPS_MODERATE_MESSAGES)
// and Manage Messages in the sandbox, and what it decided per message.
type chat struct {
	*apptest.Harness
	mu      sync.Mutex
	decided map[string][]chatmod.Decision
	// done receives the id of every message decided (for the benchmark).
	done chan string
}

func newChat(t testing.TB, o apptest.Options, configure ...func(*config.Config)) *chat {
	t.Helper()
	c := &chat{decided: map[string][]chatmod.Decision{}, done: make(chan string, 1024)}
	o.OnMessageDecision = func(ev chatmod.Event, d chatmod.Decision) {
		c.mu.Lock()
		c.decided[ev.MessageID] = append(c.decided[ev.MessageID], d)
		c.mu.Unlock()
		select {
		case c.done <- ev.MessageID:
		default:
		}
	}
	on := func(cfg *config.Config) { cfg.ModerateMessages = true }
	c.Harness = apptest.Start(t, o, append([]func(*config.Config){on}, configure...)...)
	role := c.Guild.BotRole()
	role.SetPermissions(role.Info().Permissions | discordgo.PermissionManageMessages)
	return c
}

// say has member post text (in the default channel for "") and returns
// the message and the bot's decision.
func (c *chat) say(member *discordsim.Member, channelID, text string) (*discordgo.Message, chatmod.Decision) {
	c.T.Helper()
	m := c.Sim.Say(member, channelID, text)
	return m, c.decision(m.ID, 1)
}

// decision waits for the bot's nth decision on a message.
func (c *chat) decision(messageID string, n int) chatmod.Decision {
	c.T.Helper()
	var d chatmod.Decision
	c.Eventually("the decision on message "+messageID, func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		if len(c.decided[messageID]) < n {
			return false
		}
		d = c.decided[messageID][n-1]
		return true
	})
	return d
}

// admin has the admin change a rule and checks the reply.
func (c *chat) admin(command, want string, opts ...discordsim.Option) {
	c.T.Helper()
	c.Clock.Advance(time.Minute) // below the rule commands' rate limit
	if diff := cmp.Diff(want, c.Run(c.Admin, command, opts...).Content()); diff != "" {
		c.T.Errorf("%s reply mismatch (-want +got):\n%s", command, diff)
	}
}

// messageFlag is a message's row in the review queue.
type messageFlag struct {
	ContentType, Category, Excerpt string
	ChannelID, MessageID           string
	Deleted                        bool
}

func (c *chat) flag(m *discordgo.Message) messageFlag {
	c.T.Helper()
	var f messageFlag
	err := c.DB.App.QueryRow(ctx(), `SELECT content_type, category, excerpt, channel_id, message_id, message_deleted
		FROM content_flags WHERE message_id = $1`, m.ID).Scan(&f.ContentType, &f.Category, &f.Excerpt, &f.ChannelID, &f.MessageID, &f.Deleted)
	if err != nil {
		c.T.Fatalf("flag of message %s: %v", m.ID, err)
	}
	return f
}

// A toxic message is flagged, deleted or struck as the guild chose, in
// safe mode and in enforcement: flagged for review by default (the message
// stays); deleted in one call with the reason in Discord's audit log and
// flagged with its excerpt as evidence; deleted, flagged and struck by the
// bot, the second strike's timeout applied only with enforcement on.
func TestMessageModerationActions(t *testing.T) {
	t.Parallel()
	for _, enforce := range []bool{false, true} {
		name := "safe mode"
		if enforce {
			name = "enforcement"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c := newChat(t, apptest.Options{}, func(cfg *config.Config) { cfg.EnforceModeration = enforce })
			general := c.Guild.ChannelID

			m, d := c.say(c.Alice, "", "you are an idiot")
			if d.Action != modrules.MessageFlag || d.Deleted {
				t.Errorf("default decision = %+v, want flag only", d)
			}
			want := messageFlag{ContentType: "message", Category: "insult", Excerpt: "you are an idiot", ChannelID: general, MessageID: m.ID}
			if diff := cmp.Diff(want, c.flag(m)); diff != "" {
				t.Errorf("flag mismatch (-want +got):\n%s", diff)
			}
			if len(c.Sim.ChannelMessages(general)) != 1 {
				t.Error("a flagged message was deleted")
			}

			c.admin("/security moderation message-action", "✅ Set messages in category insult: delete. Rules version 1, in force now.",
				discordsim.String("category", "insult"), discordsim.String("action", "delete"))
			m, d = c.say(c.Alice, "", "shut up, idiot")
			if d.Action != modrules.MessageDelete || !d.Deleted {
				t.Errorf("delete decision = %+v", d)
			}
			want = messageFlag{ContentType: "message", Category: "insult", Excerpt: "shut up, idiot", ChannelID: general, MessageID: m.ID, Deleted: true}
			if diff := cmp.Diff(want, c.flag(m)); diff != "" {
				t.Errorf("flag of the deleted message mismatch (-want +got):\n%s", diff)
			}
			deleted := c.Sim.DeletedMessages(c.Guild.ID)
			if len(deleted) != 1 || deleted[0].MessageID != m.ID ||
				deleted[0].Reason != "Message moderation: toxic_language (insult, low)" {
				t.Errorf("deleted = %+v", deleted)
			}
			deletes := 0
			for _, r := range c.Sim.Requests() {
				if r.Method == "DELETE" && strings.Contains(r.Path, "/messages/") {
					deletes++
				}
			}
			if deletes != 1 {
				t.Errorf("%d DELETE calls for one deletion", deletes)
			}

			c.admin("/security moderation message-action", "✅ Set messages in category insult: strike. Rules version 2, in force now.",
				discordsim.String("category", "insult"), discordsim.String("action", "strike"))
			for i, text := range []string{"you moron", "idiot!"} {
				if _, d := c.say(c.Alice, "", text); d.Action != modrules.MessageStrike || !d.Deleted {
					t.Errorf("strike decision %d = %+v", i+1, d)
				}
				c.Eventually("strike", func() bool {
					return c.Count(`SELECT count(*) FROM user_warnings WHERE user_id = $1 AND moderator_id = $2`,
						c.Alice.ID(), c.Sim.ApplicationID()) == i+1
				})
			}
			c.Eventually("the timeout's outcome", func() bool {
				return c.Count(`SELECT count(*) FROM user_moderation WHERE user_id = $1 AND action = 'timeout' AND status <> 'pending'`, c.Alice.ID()) == 1
			})
			if _, timedOut := c.Sim.Timeout(c.Guild.ID, c.Alice.ID()); timedOut != enforce {
				t.Errorf("alice timed out = %v with enforcement %v", timedOut, enforce)
			}
			if err := c.App.Audit.Flush(ctx()); err != nil {
				t.Fatal(err)
			}
			for action, n := range map[string]int{"message-flag": 4, "message-delete": 3, "warn": 2} {
				if got := c.Count(`SELECT count(*) FROM audit_log WHERE action_type = $1 AND actor_id = $2`, action, c.Sim.ApplicationID()); got != n {
					t.Errorf("%d %s audit records by the bot, want %d", got, action, n)
				}
			}
		})
	}
}

// What is left alone, and what is caught: an exempt channel and an exempt
// role, bots; "Scunthorpe" is clean and an obfuscated slur is not; an edit
// that turns a clean message toxic is flagged as an edit, and a link
// preview (an update that is no edit) is not checked again.
func TestMessageModerationScope(t *testing.T) {
	t.Parallel()
	c := newChat(t, apptest.Options{})
	memes := c.Guild.AddChannel("memes")
	c.admin("/security moderation channel-exempt", "✅ Added exempt channel <#"+memes+">. Rules version 1, in force now.",
		discordsim.Channel("channel", memes))
	c.admin("/security moderation exempt-role", "✅ Added exempt role <@&"+c.Guild.Role("Moderator").ID+">. Rules version 2, in force now.",
		discordsim.RoleOption("role", c.Guild.Role("Moderator")))
	otherBot := c.Guild.AddMember(discordsim.UserSpec{Username: "otherbot", Bot: true})
	fields := map[string]string{}
	for _, f := range c.Run(c.Admin, "/security moderation rules").Embeds()[0].Fields {
		fields[f.Name] = f.Value
	}
	if got := fields["Exempt channels (messages) (1)"]; got != "<#"+memes+">" {
		t.Errorf("rules show exempt channels %q (fields %v)", got, fields)
	}
	if !strings.Contains(fields["Categories"], "insult: on, flag, refuse critical; messages: flag") {
		t.Errorf("rules show categories %q", fields["Categories"])
	}

	tests := []struct {
		name     string
		who      *discordsim.Member
		channel  string
		text     string
		skip     chatmod.Skip
		category string // "" for clean
	}{
		{"exempt channel", c.Alice, memes, "you idiot", chatmod.SkipChannel, ""},
		{"exempt role", c.Moderator, "", "you idiot", chatmod.SkipRole, ""},
		{"bot", otherBot, "", "you idiot", chatmod.SkipBot, ""},
		{"place name", c.Alice, "", "I grew up in Scunthorpe", "", ""},
		{"obfuscated slur", c.Bob, "", "you f4gg0t", "", "slur"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, d := c.say(tt.who, tt.channel, tt.text)
			if d.Skip != tt.skip || string(d.Verdict.Category) != tt.category {
				t.Errorf("decision = skip %q category %q, want skip %q category %q", d.Skip, d.Verdict.Category, tt.skip, tt.category)
			}
			wantFlags := 0
			if tt.category != "" {
				wantFlags = 1
			}
			if n := c.Count(`SELECT count(*) FROM content_flags WHERE message_id = $1`, m.ID); n != wantFlags {
				t.Errorf("%d flags, want %d", n, wantFlags)
			}
		})
	}

	t.Run("edit", func(t *testing.T) {
		m, d := c.say(c.Alice, "", "see you all tomorrow")
		if d.Verdict.Flagged {
			t.Fatalf("clean message flagged: %+v", d)
		}
		c.Sim.Unfurl(m, &discordgo.MessageEmbed{Title: "a link preview"})
		c.Sim.Edit(c.Alice, m, "see you tomorrow, you idiot")
		if d := c.decision(m.ID, 2); !d.Verdict.Flagged {
			t.Errorf("toxic edit not flagged: %+v", d)
		}
		want := messageFlag{ContentType: "message_edit", Category: "insult", Excerpt: "see you tomorrow, you idiot", ChannelID: c.Guild.ChannelID, MessageID: m.ID}
		if diff := cmp.Diff(want, c.flag(m)); diff != "" {
			t.Errorf("flag of the edit mismatch (-want +got):\n%s", diff)
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		if n := len(c.decided[m.ID]); n != 2 {
			t.Errorf("%d decisions on the message, want 2 (post and edit; the link preview is not checked)", n)
		}
	})
	// Without Manage Messages Discord refuses the deletion: the message
	// stays, flagged for a human, and the refusal is audited.
	t.Run("deletion refused", func(t *testing.T) {
		c.admin("/security moderation message-action", "✅ Set messages in category insult: delete. Rules version 3, in force now.",
			discordsim.String("category", "insult"), discordsim.String("action", "delete"))
		role := c.Guild.BotRole()
		role.SetPermissions(role.Info().Permissions &^ discordgo.PermissionManageMessages)
		m, d := c.say(c.Alice, "", "what an idiot")
		if d.Action != modrules.MessageDelete || d.Deleted {
			t.Errorf("decision = %+v, want a delete that did not happen", d)
		}
		if f := c.flag(m); f.Deleted || f.Excerpt != "what an idiot" {
			t.Errorf("flag = %+v", f)
		}
		if err := c.App.Audit.Flush(ctx()); err != nil {
			t.Fatal(err)
		}
		if n := c.Count(`SELECT count(*) FROM audit_log WHERE action_type = 'message-delete' AND details->>'ok' = 'false'
			AND details->>'messageId' = $1`, m.ID); n != 1 {
			t.Errorf("%d audit records of the refused deletion, want 1", n)
		}
		if len(c.Sim.DeletedMessages(c.Guild.ID)) != 0 {
			t.Error("deleted without Manage Messages")
		}
	})
}

// refusedStatus is what /security status says when Discord refuses the
// Message Content intent.
const refusedStatus = "⚠️ Message moderation is off: Discord refused the Message Content intent (gateway close 4014, \"Disallowed intent(s).\"). " +
	"Enable it in the Developer Portal → your application → Bot → Privileged Gateway Intents → Message Content Intent, then restart the bot. " +
	"Slash commands keep working."

// If the Message Content intent is not enabled in the developer portal,
// Discord closes the gateway with 4014: the bot says what to enable in the
// log and /security status, reconnects without it and keeps serving slash
// commands (no crash loop); messages are then not moderated.
func TestMessageIntentRefused(t *testing.T) {
	t.Parallel()
	none := discordgo.Intent(0)
	c := newChat(t, apptest.Options{PrivilegedIntents: &none})
	lines := c.LogLines("ERROR", strings.TrimPrefix(refusedStatus, "⚠️ "), "closeCode=4014")
	if len(lines) != 1 {
		t.Errorf("%d log lines with the refusal, want 1:\n%s", len(lines), c.Logs())
	}
	ix := c.Run(c.Admin, "/security status")
	if len(ix.Embeds()) != 1 {
		t.Fatalf("status: %q", ix.Content())
	}
	got := ""
	for _, f := range ix.Embeds()[0].Fields {
		if f.Name == "Message moderation" {
			got = f.Value
		}
	}
	if diff := cmp.Diff(refusedStatus, got); diff != "" {
		t.Errorf("status mismatch (-want +got):\n%s", diff)
	}
	m := c.Sim.Say(c.Alice, "", "you idiot")
	if got := c.Run(c.Alice, "/barbie add", discordsim.String("name", "Sam"), discordsim.String("notes", "kind")).Content(); got == "" {
		t.Error("no reply to a slash command")
	}
	if n := c.Count(`SELECT count(*) FROM content_flags WHERE message_id = $1`, m.ID); n != 0 {
		t.Errorf("a message was moderated without the intent")
	}
}

// The intent switched off while the bot runs: Discord resumes the session
// but refuses the next IDENTIFY (after an INVALID_SESSION) with 4014, which
// discordgo only retries. The bot notices, says what to enable, and comes
// back without message moderation instead of reconnecting in a loop.
func TestMessageIntentRefusedLater(t *testing.T) {
	t.Parallel()
	c := newChat(t, apptest.Options{WallClock: true})
	if _, d := c.say(c.Alice, "", "you idiot"); !d.Verdict.Flagged {
		t.Fatalf("not moderated with the intent: %+v", d)
	}
	c.Sim.SetPrivilegedIntents(discordgo.IntentsGuildMembers | discordgo.IntentsGuildPresences)
	c.Sim.SendInvalidSession(false)
	c.Eventually("the refusal", func() bool {
		return len(c.LogLines("ERROR", strings.TrimPrefix(refusedStatus, "⚠️ "), "closeCode=4014")) == 1 && c.Sim.Connected() == 1
	})
	ix := c.Run(c.Admin, "/security status")
	got := ""
	for _, e := range ix.Embeds() {
		for _, f := range e.Fields {
			if f.Name == "Message moderation" {
				got = f.Value
			}
		}
	}
	if diff := cmp.Diff(refusedStatus, got); diff != "" {
		t.Errorf("status mismatch (-want +got):\n%s", diff)
	}
}
