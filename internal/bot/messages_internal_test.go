package bot

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/chatmod"
)

// TestMessagesDropRedeliveries: a version of a message (the post, each
// edit) is checked once, however often the gateway delivers it.
func TestMessagesDropRedeliveries(t *testing.T) {
	var mu sync.Mutex
	var got []string
	m := NewMessages(nil, func(_ context.Context, ev chatmod.Event) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, ev.MessageID+" "+ev.Content)
	}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	author := &discordgo.User{ID: "11"}
	post := &discordgo.Message{ID: "3", GuildID: "1", ChannelID: "2", Author: author, Content: "hello"}
	t1, t2 := time.Unix(100, 0), time.Unix(200, 0)
	edit1 := &discordgo.Message{ID: "3", GuildID: "1", ChannelID: "2", Author: author, Content: "you idiot", EditedTimestamp: &t1}
	edit2 := &discordgo.Message{ID: "3", GuildID: "1", ChannelID: "2", Author: author, Content: "sorry", EditedTimestamp: &t2}
	other := &discordgo.Message{ID: "4", GuildID: "1", ChannelID: "2", Author: author, Content: "hello"}
	for _, d := range []struct {
		msg    *discordgo.Message
		edited bool
	}{{post, false}, {post, false}, {edit1, true}, {edit1, true}, {edit2, true}, {other, false}, {post, false}} {
		m.dispatch(d.msg, d.edited)
	}
	want := []string{"3 hello", "3 you idiot", "3 sorry", "4 hello"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("messages checked mismatch (-want +got):\n%s", diff)
	}
}
