package raid

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestCreatedAt(t *testing.T) {
	t.Parallel()
	at := time.Date(2025, 10, 7, 14, 30, 15, 123e6, time.UTC)
	tests := []struct {
		name string
		id   string
		want time.Time
		err  bool
	}{
		// Discord's documented example: 175928847299117063 was created
		// on 2016-04-30 11:18:25.796 UTC.
		{"documented example", "175928847299117063", time.Date(2016, 4, 30, 11, 18, 25, 796e6, time.UTC), false},
		{"minted", Snowflake(at, 42), at, false},
		{"not a snowflake", "alice", time.Time{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := CreatedAt(tt.id)
			if (err != nil) != tt.err {
				t.Fatalf("error %v, want error %v", err, tt.err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestWindow: joins leave the window once it has passed; the breach needs
// both the count and the young share.
func TestWindow(t *testing.T) {
	t.Parallel()
	set := Defaults()
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	type join struct {
		after time.Duration
		young bool
	}
	tests := []struct {
		name  string
		joins []join
		want  []bool // breach after each join
	}{
		{"nine young", repeat(join{time.Second, true}, 9), make([]bool, 9)},
		{"ten young", repeat(join{time.Second, true}, 10), append(make([]bool, 9), true)},
		{"ten old", repeat(join{time.Second, false}, 10), make([]bool, 10)},
		{"five young of ten", append(repeat(join{time.Second, false}, 5), repeat(join{time.Second, true}, 5)...),
			append(make([]bool, 9), true)},
		{"four young of ten", append(repeat(join{time.Second, false}, 6), repeat(join{time.Second, true}, 4)...), make([]bool, 10)},
		{"too slow", repeat(join{7 * time.Second, true}, 10), make([]bool, 10)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var w window
			at := t0
			var got []bool
			for _, j := range tt.joins {
				at = at.Add(j.after)
				got = append(got, set.breach(w.add(at, j.young, set.Window)))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func repeat[T any](v T, n int) []T {
	out := make([]T, n)
	for i := range out {
		out[i] = v
	}
	return out
}

func TestSettings(t *testing.T) {
	t.Parallel()
	if err := Defaults().Validate(); err != nil {
		t.Errorf("defaults invalid: %v", err)
	}
	bad := Defaults()
	bad.Joins, bad.Action = 1, "ban"
	if err := bad.Validate(); err == nil || err.Error() != "joins must be between 2 and 1000\naction must be timeout or verification" {
		t.Errorf("Validate = %v", err)
	}
	want := "10 joins in 1m with at least 50% of accounts younger than 7d; time out new members for 10m; ends after 10m without such a join"
	if diff := cmp.Diff(want, Defaults().Describe()); diff != "" {
		t.Errorf("Describe mismatch (-want +got):\n%s", diff)
	}
}

// TestStatus: /security status's line, by whether raid detection was
// asked for and whether Discord refused the intent.
func TestStatus(t *testing.T) {
	t.Parallel()
	got := map[[2]bool]string{}
	for _, requested := range []bool{false, true} {
		for _, refused := range []bool{false, true} {
			got[[2]bool{requested, refused}] = Status(requested, refused)
		}
	}
	want := map[[2]bool]string{
		{false, false}: "", {false, true}: "",
		{true, false}: "On: joins to this server are watched for raids.",
		{true, true}:  "⚠️ " + IntentRefused,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}
