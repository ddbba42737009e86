package app_test

import (
	"strings"
	"testing"

	"github.com/embodied-community/embodied/internal/apptest"
	"github.com/embodied-community/embodied/internal/bot"
	"github.com/embodied-community/embodied/internal/discordsim"
	"github.com/embodied-community/embodied/internal/middleware/ratelimit"
)

// A member who floods the bot's DMs with a guild-only command is rate
// limited before any security event is written: security_audit_logs gets
// at most the rate limit's allowance of guild_only_in_dm rows, the rest are
// one counted violation.
func TestGuildOnlyInDMFloodIsRateLimited(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	const attempts = 40
	refused, limited := 0, 0
	for range attempts {
		ix, err := h.Sim.RunDM(ctx(), h.Alice, "/security audit", discordsim.Hostile())
		if err != nil {
			t.Fatal(err)
		}
		switch c := ix.Content(); {
		case c == bot.MsgGuildOnly:
			refused++
		case strings.HasPrefix(c, "⏳ Rate limited."):
			limited++
		default:
			t.Fatalf("reply %q", c)
		}
	}
	if err := h.App.Audit.Flush(ctx()); err != nil {
		t.Fatal(err)
	}
	allowance := ratelimit.DefaultLimit.Burst
	events := h.Count(`SELECT count(*) FROM security_audit_logs WHERE event_type = 'guild_only_in_dm'`)
	if events < 1 || events > allowance {
		t.Errorf("%d guild_only_in_dm events for %d attempts, want between 1 and the allowance of %d", events, attempts, allowance)
	}
	if refused != events || limited != attempts-refused {
		t.Errorf("%d refused as guild-only, %d rate limited, %d events", refused, limited, events)
	}
	h.Eventually("the violations counted", func() bool {
		return h.Count(`SELECT coalesce(sum(count), 0)::int FROM rate_limit_violations WHERE user_id = $1`, h.Alice.ID()) == limited
	})
}
