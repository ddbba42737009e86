package lockdown

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/storetest"
)

// heldDiscord is a guildDiscord whose next overwrite change waits until
// released: a lock caught halfway through.
type heldDiscord struct {
	*guildDiscord
	hold    chan struct{} // closed when the held call has started
	release chan struct{}
}

func (d *heldDiscord) SetEveryoneOverwrite(ctx context.Context, guildID, channelID string, o Overwrite, reason string) error {
	select {
	case <-d.hold:
	default:
		close(d.hold)
		<-d.release
	}
	return d.guildDiscord.SetEveryoneOverwrite(ctx, guildID, channelID, o, reason)
}

// A lock made by one process and an unlock made by another (an admin's
// command on an HTTP-mode instance, the timed lift's job on a shard) never
// interleave on a guild: the unlock waits for the lock to finish, then
// restores the channel exactly. Interleaved, it would restore the channel
// before the lock denied @everyone, leaving it locked with nothing
// remembered to unlock it.
func TestLockAndUnlockAcrossProcesses(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	ctx := context.Background()
	orig := Overwrite{Present: true, Allow: 1 << 6}
	dc := &heldDiscord{guildDiscord: &guildDiscord{channels: []Channel{{ID: "1", Type: TypeText, Everyone: orig}}},
		hold: make(chan struct{}), release: make(chan struct{})}
	a := New(db.Store, dc, &auditLog{}, Options{})
	b := New(db.Store, dc, &auditLog{}, Options{})

	locked := make(chan error, 1)
	go func() {
		_, err := a.Lock(ctx, Request{GuildID: guild, ChannelIDs: []string{"1"}, ActorID: "1"})
		locked <- err
	}()
	<-dc.hold
	unlocked := make(chan error, 1)
	go func() {
		_, err := b.Unlock(ctx, Request{GuildID: guild, ActorID: "2"})
		unlocked <- err
	}()
	// The unlock waits on the guild's lock in PostgreSQL (a hang guard,
	// not a timing assertion).
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		var waiting int
		err := db.App.QueryRow(ctx, `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
			AND ((classid::bigint << 32) | objid::bigint) = hashtextextended($1, 30)`, "lockdown:"+guild).Scan(&waiting)
		if err != nil {
			t.Fatal(err)
		}
		if waiting == 1 {
			break
		}
		if time.Now().After(deadline) {
			close(dc.release)
			t.Fatal("the other process's unlock did not wait for the lock")
		}
	}
	close(dc.release)
	if err := <-locked; err != nil {
		t.Fatal(err)
	}
	if err := <-unlocked; err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]Overwrite{"1": orig}, dc.everyone()); diff != "" {
		t.Errorf("channels after the unlock mismatch (-want +got):\n%s", diff)
	}
	rows, err := db.Store.Lockdowns(ctx, guild)
	if err != nil || len(rows) != 0 {
		t.Errorf("lockdowns left: %v, %v", rows, err)
	}
}
