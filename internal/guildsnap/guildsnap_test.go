package guildsnap_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"

	"github.com/embodied-community/embodied/internal/guildsnap"
	"github.com/embodied-community/embodied/internal/storetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const guild = "100000000000000018"

// The latest incident is the latest deletion and every earlier one reached
// from it by steps of at most the burst gap; categories come before the
// channels, each kind by position.
func TestReportBurst(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		name string
		// minutes after t0 at which channels c0, c1… are deleted
		deleted []int
		want    []string
	}{
		{"nothing deleted", nil, nil},
		{"one deletion", []int{0}, []string{"c0"}},
		{"a chain of steps within the gap", []int{0, 9, 18, 27}, []string{"c0", "c1", "c2", "c3"}},
		{"an older deletion beyond the gap", []int{0, 11, 12}, []string{"c1", "c2"}},
		{"only the latest burst", []int{0, 1, 30, 31}, []string{"c2", "c3"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			db := storetest.New(t)
			ctx := context.Background()
			now := t0
			svc := guildsnap.New(db.Store, nil, guildsnap.Options{Now: func() time.Time { return now }})
			for i, m := range c.deleted {
				ch := guildsnap.Channel{ID: string(rune('1'+i)) + "0", Name: "c" + string(rune('0'+i)), Position: i}
				if i == 0 {
					ch.Type = guildsnap.ChannelTypeCategory
				}
				if err := svc.ChannelChanged(ctx, guild, ch); err != nil {
					t.Fatal(err)
				}
				now = t0.Add(time.Duration(m) * time.Minute)
				if err := svc.ChannelDeleted(ctx, guild, ch, ""); err != nil {
					t.Fatal(err)
				}
			}
			inc, err := svc.Report(ctx, guild)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, d := range inc.Channels {
				got = append(got, d.Channel.Name)
			}
			if diff := cmp.Diff(c.want, got); diff != "" {
				t.Errorf("incident mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
