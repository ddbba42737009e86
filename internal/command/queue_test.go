package command

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/store"
)

func ptr(s string) *string { return &s }

// Each flag in the queue says where it came from and, when it names a
// message, links to it and its channel and says whether the bot deleted
// it; a report shows its reporter, their reason, and whether their reports
// are often dismissed.
func TestFlagField(t *testing.T) {
	at := time.Date(2026, 11, 30, 20, 0, 0, 0, time.UTC)
	base := store.ContentFlag{ID: 7, GuildID: "1", UserID: "2", FlagReason: "toxic_language", Severity: "high", Excerpt: "you\nclown", CreatedAt: at}
	with := func(f func(*store.ContentFlag)) store.ContentFlag { c := base; f(&c); return c }
	histories := map[string]store.ReporterHistory{
		"8": {ReporterID: "8", Filed: 6, Dismissed: 4, RecentReviewed: 5, RecentDismissed: 3},
		"9": {ReporterID: "9", Filed: 6, Dismissed: 2, RecentReviewed: 5, RecentDismissed: 2},
	}
	tests := []struct {
		name      string
		flag      store.ContentFlag
		wantName  string
		wantValue string
	}{
		{"a note", with(func(f *store.ContentFlag) { f.ContentType = "journal" }), "#7 journal - 2026-11-30 20:00:00",
			"User: <@2>\nReason: toxic_language (high)\n> you clown"},
		{"a deleted message", with(func(f *store.ContentFlag) {
			f.ContentType, f.ChannelID, f.MessageID, f.MessageDeleted = "message", ptr("3"), ptr("4"), true
		}), "#7 message - 2026-11-30 20:00:00",
			"User: <@2>\nReason: toxic_language (high)\nMessage: [jump to message](https://discord.com/channels/1/3/4) in <#3> " +
				"([channel](https://discord.com/channels/1/3)) · deleted by the bot: yes\n> you clown"},
		{"an AutoMod action", with(func(f *store.ContentFlag) { f.ContentType, f.ChannelID, f.MessageID = "automod", ptr("3"), ptr("4") }),
			"#7 AutoMod - 2026-11-30 20:00:00",
			"User: <@2>\nReason: toxic_language (high)\nMessage: [jump to message](https://discord.com/channels/1/3/4) in <#3> " +
				"([channel](https://discord.com/channels/1/3)) · deleted by the bot: no\n> you clown"},
		{"an edit seen in a channel only", with(func(f *store.ContentFlag) { f.ContentType, f.ChannelID = "message_edit", ptr("3") }),
			"#7 edited message - 2026-11-30 20:00:00",
			"User: <@2>\nReason: toxic_language (high)\nChannel: <#3> ([channel](https://discord.com/channels/1/3))\n> you clown"},
		{"a report by an often dismissed reporter", with(func(f *store.ContentFlag) {
			f.ContentType, f.ChannelID, f.MessageID, f.ReporterID, f.ReportReason = "message_report", ptr("3"), ptr("4"), ptr("8"), ptr("he *always*\ndoes this")
		}), "#7 report on a message - 2026-11-30 20:00:00",
			"User: <@2>\nReason: toxic_language (high)\nMessage: [jump to message](https://discord.com/channels/1/3/4) in <#3> " +
				"([channel](https://discord.com/channels/1/3)) · deleted by the bot: no\n" +
				"Reported by: <@8> ⚠️ often dismissed: 3 of their last 5 reviewed reports\nReport: he \\*always\\* does this\n> you clown"},
		{"a member report by a reporter below the mark", with(func(f *store.ContentFlag) {
			f.ContentType, f.Excerpt, f.ReporterID, f.ReportReason = "user_report", "", ptr("9"), ptr("spam DMs")
		}), "#7 report on a member - 2026-11-30 20:00:00",
			"User: <@2>\nReason: toxic_language (high)\nReported by: <@9>\nReport: spam DMs"},
		{"a report whose reporter was erased", with(func(f *store.ContentFlag) { f.ContentType, f.Excerpt = "user_report", "" }),
			"#7 report on a member - 2026-11-30 20:00:00", "User: <@2>\nReason: toxic_language (high)\nReported by: an erased member"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := flagField(tt.flag, histories)
			if diff := cmp.Diff([]string{tt.wantName, tt.wantValue}, []string{got.Name, got.Value}); diff != "" {
				t.Errorf("field mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// A full page of the longest flags stays within Discord's embed limits:
// 1024 characters a field value, 256 a field name, 6000 an embed.
func TestFlagFieldWithinEmbedLimits(t *testing.T) {
	long := strings.Repeat("w", 4000)
	f := store.ContentFlag{ID: 1 << 50, GuildID: "12345678901234567890", UserID: "12345678901234567890", ContentType: "message_report",
		FlagReason: strings.Repeat("r", 200), Category: ptr("sextortion"), Severity: "critical", Excerpt: long[:500],
		ChannelID: ptr("12345678901234567890"), MessageID: ptr("12345678901234567890"), MessageDeleted: true,
		ReporterID: ptr("12345678901234567890"), ReportReason: ptr(long)}
	histories := map[string]store.ReporterHistory{*f.ReporterID: {RecentReviewed: 5, RecentDismissed: 5}}
	total := utf8.RuneCountInString("Content flags") + utf8.RuneCountInString("99999 unreviewed, oldest first")
	for range queuePage {
		field := flagField(f, histories)
		if n, v := utf8.RuneCountInString(field.Name), utf8.RuneCountInString(field.Value); n > 256 || v > fieldMax {
			t.Fatalf("field of %d and %d characters", n, v)
		}
		total += utf8.RuneCountInString(field.Name) + utf8.RuneCountInString(field.Value)
	}
	if total > 6000 {
		t.Errorf("a page of the longest flags is %d characters, over Discord's 6000", total)
	}
}
