package lockdown

import (
	"context"
	"errors"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"

	"github.com/embodied-community/embodied/internal/audit"
	"github.com/embodied-community/embodied/internal/storetest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
	os.Exit(0)
}

const guild = "100000000000000001"

// guildDiscord is one guild's channels as Discord holds them; refuse makes
// Discord answer a channel's changes with err.
type guildDiscord struct {
	mu       sync.Mutex
	channels []Channel
	refuse   map[string]error
	reasons  []string
}

func (d *guildDiscord) Channels(context.Context, string) ([]Channel, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]Channel(nil), d.channels...), nil
}

func (d *guildDiscord) SetEveryoneOverwrite(_ context.Context, _, channelID string, o Overwrite, reason string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.refuse[channelID]; err != nil {
		return err
	}
	for i := range d.channels {
		if d.channels[i].ID == channelID {
			d.channels[i].Everyone = o
			d.reasons = append(d.reasons, reason)
			return nil
		}
	}
	return ErrUnknownChannel
}

func (d *guildDiscord) everyone() map[string]Overwrite {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := map[string]Overwrite{}
	for _, c := range d.channels {
		out[c.ID] = c.Everyone
	}
	return out
}

// auditLog keeps the service's audit records.
type auditLog struct {
	mu      sync.Mutex
	entries []audit.Entry
}

func (a *auditLog) Audit(e audit.Entry) {
	a.mu.Lock()
	a.entries = append(a.entries, e)
	a.mu.Unlock()
}

// Due lockdowns are lifted by runOnce, not before; a channel Discord
// refuses to restore stays locked and is tried again; a channel Discord
// refused to lock is not remembered.
func TestRunOnceLiftsDueLockdowns(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	ctx := context.Background()
	now := time.Date(2025, 10, 7, 14, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	orig := Overwrite{Present: true, Allow: 1 << 14, Deny: 1 << 15}
	dc := &guildDiscord{channels: []Channel{{ID: "1", Type: TypeText}, {ID: "2", Type: TypeForum, Everyone: orig},
		{ID: "3", Type: TypeText}, {ID: "4", Type: 2}}, refuse: map[string]error{"3": ErrForbidden}}
	log := &auditLog{}
	s := New(db.Store, dc, log, Options{Now: clock})

	rep, err := s.Lock(ctx, Request{GuildID: guild, Until: now.Add(time.Hour), ActorID: "200000000000000001", Reason: "raid"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(Report{Done: []string{"1", "2"}, Failed: []Failure{{ChannelID: "3", Err: ErrForbidden}}}, rep,
		cmp.Comparer(func(a, b error) bool { return errors.Is(a, b) })); diff != "" {
		t.Errorf("lock report mismatch (-want +got):\n%s", diff)
	}
	locked := map[string]Overwrite{"1": Overwrite{}.Locked(), "2": orig.Locked(), "3": {}, "4": {}}
	if diff := cmp.Diff(locked, dc.everyone()); diff != "" {
		t.Errorf("locked mismatch (-want +got):\n%s", diff)
	}
	if rows, _ := db.Store.Lockdowns(ctx, guild); len(rows) != 2 {
		t.Errorf("%d channels remembered, want 2 (the refused one is not)", len(rows))
	}

	now = now.Add(59 * time.Minute)
	s.runOnce(ctx)
	if diff := cmp.Diff(locked, dc.everyone()); diff != "" {
		t.Errorf("before the end (-want +got):\n%s", diff)
	}

	dc.mu.Lock()
	dc.refuse = map[string]error{"2": ErrForbidden}
	dc.mu.Unlock()
	now = now.Add(time.Minute)
	s.runOnce(ctx)
	want := map[string]Overwrite{"1": {}, "2": orig.Locked(), "3": {}, "4": {}}
	if diff := cmp.Diff(want, dc.everyone()); diff != "" {
		t.Errorf("at the end, #2 refused (-want +got):\n%s", diff)
	}
	dc.mu.Lock()
	dc.refuse = nil
	dc.mu.Unlock()
	s.runOnce(ctx)
	want["2"] = orig
	if diff := cmp.Diff(want, dc.everyone()); diff != "" {
		t.Errorf("the next run (-want +got):\n%s", diff)
	}
	if rows, _ := db.Store.Lockdowns(ctx, guild); len(rows) != 0 {
		t.Errorf("%d channels still remembered", len(rows))
	}
	var actions []string
	for _, e := range log.entries {
		actions = append(actions, e.ActionType+" "+e.ActorID)
	}
	if diff := cmp.Diff([]string{"lockdown-applied 200000000000000001", "unlock-applied system", "unlock-applied system"}, actions); diff != "" {
		t.Errorf("audit records mismatch (-want +got):\n%s", diff)
	}
}

// Locking a locked channel keeps the remembered original, whatever its
// overwrite is now; its end becomes the new one's.
func TestLockAgainKeepsOriginal(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	ctx := context.Background()
	orig := Overwrite{Present: true, Allow: 1 << 6}
	dc := &guildDiscord{channels: []Channel{{ID: "1", Type: TypeAnnouncement, Everyone: orig}}}
	s := New(db.Store, dc, &auditLog{}, Options{})
	if _, err := s.Lock(ctx, Request{GuildID: guild, ChannelIDs: []string{"1"}, ActorID: "1", Until: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	rep, err := s.Lock(ctx, Request{GuildID: guild, ChannelIDs: []string{"1"}, ActorID: "1"})
	if err != nil || len(rep.Again) != 1 {
		t.Fatalf("second lock: %+v, %v", rep, err)
	}
	row, err := db.Store.Lockdown(ctx, guild, "1")
	if err != nil {
		t.Fatal(err)
	}
	if !row.HadOverwrite || row.PrevAllow != orig.Allow || row.PrevDeny != 0 || row.Until != nil {
		t.Errorf("remembered %+v", row)
	}
	if _, err := s.Unlock(ctx, Request{GuildID: guild, ActorID: "1"}); err != nil {
		t.Fatal(err)
	}
	if got := dc.everyone()["1"]; got != orig {
		t.Errorf("unlocked to %+v, want %+v", got, orig)
	}
}

func TestParseDuration(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in   string
		want time.Duration // 0: refused
	}{
		{"30m", 30 * time.Minute},
		{"2h", 2 * time.Hour},
		{"1d", 24 * time.Hour},
		{"1D12h", 36 * time.Hour},
		{" 90m ", 90 * time.Minute},
		{"30d", 30 * 24 * time.Hour},
		{"31d", 0},
		{"30s", 0},
		{"soon", 0},
		{"d", 0},
		{"-1d", 0},
		{"1.5d", 0},
		{"1d-5h", 0},
	}
	for _, c := range cases {
		got, err := ParseDuration(c.in)
		if (err != nil) != (c.want == 0) || got != c.want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
}
