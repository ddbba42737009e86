package app_test

import (
	"strings"
	"testing"
	"time"

	"github.com/embodied-community/embodied/internal/apptest"
	"github.com/embodied-community/embodied/internal/config"
	"github.com/embodied-community/embodied/internal/discordsim"
)

// Seed smoke test 8, with a seconds-level interval.
func TestSmokeHealthChecks(t *testing.T) {
	t.Parallel()
	h := apptest.New(t, func(c *config.Config) {
		c.EnableHealthchecks = true
		c.HealthcheckInterval = 300 * time.Millisecond
	})
	if lines := h.LogLines("[HealthCheck] Health checks scheduled intervalMinutes="); len(lines) != 1 {
		t.Fatalf("schedule line: %q", lines)
	}
	for _, want := range []string{"[HealthCheck] Discord connection check: PASS", "[HealthCheck] Database connection check: PASS", "[HealthCheck] Memory: heapUsed="} {
		h.Eventually(want, func() bool { return len(h.LogLines(want)) >= 2 }) // and it repeats
	}
	if lines := h.LogLines("check: FAIL"); len(lines) != 0 {
		t.Errorf("failures logged: %q", lines)
	}

	st := h.Run(h.Admin, "/security status")
	if len(st.Embeds()) != 1 {
		t.Fatalf("status: %q %v", st.Content(), st.Embeds())
	}
	var names []string
	for _, f := range st.Embeds()[0].Fields {
		names = append(names, f.Name)
	}
	got := strings.Join(names, ",")
	if !strings.Contains(got, "Discord connection,Database connection,Memory") || !strings.Contains(got, "Table sizes") {
		t.Errorf("status fields: %s", got)
	}
	if footer := h.Run(h.Admin, "/security audit").Embeds()[0].Footer; footer == nil || !strings.HasPrefix(footer.Text, "Health PASS") {
		t.Errorf("audit footer: %+v", footer)
	}
}

// Every command used legitimately writes no security event (seed 004:
// zero false positives).
func TestLegitimateUseWritesNoSecurityEvent(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	runs := []struct {
		who  *discordsim.Member
		cmd  string
		opts []discordsim.Option
	}{
		{h.Alice, "/submit-stats", []discordsim.Option{discordsim.Int("approaches", 3), discordsim.Int("contacts", 1)}},
		{h.Alice, "/barbie add", []discordsim.Option{discordsim.String("name", "Sam"), discordsim.String("notes", "Met at the climbing gym, likes jazz")}},
		{h.Alice, "/barbie list", nil},
		{h.Alice, "/journal add", []discordsim.Option{discordsim.String("entry", "Talked to three people today. Felt good.")}},
		{h.Alice, "/journal list", nil},
		{h.Alice, "/profile", nil},
		{h.Bob, "/profile", []discordsim.Option{discordsim.User("user", h.Alice)}},
		{h.Alice, "/daily", []discordsim.Option{discordsim.String("note", "Gym, then a class on Essex history in Scunthorpe.")}},
		{h.Alice, "/tensey", []discordsim.Option{discordsim.String("challenge", "Asked a stranger for directions")}},
		{h.Alice, "/course complete", []discordsim.Option{discordsim.String("module", "Module 1")}},
		{h.Alice, "/duel challenge", []discordsim.Option{discordsim.User("user", h.Bob), discordsim.Int("stake", 10)}},
		{h.Alice, "/barbie remove", []discordsim.Option{discordsim.Int("id", 1)}},
		{h.Admin, "/admin adjust-xp", []discordsim.Option{discordsim.User("user", h.Bob), discordsim.Int("amount", 50), discordsim.String("reason", "Event winner")}},
		{h.Admin, "/security audit", []discordsim.Option{discordsim.Int("limit", 100)}},
		{h.Moderator, "/security flags", nil},
		{h.Admin, "/security violations", nil},
		{h.Owner, "/security audit", nil},
	}
	for _, r := range runs {
		ix := h.Run(r.who, r.cmd, r.opts...)
		if c := ix.Content(); strings.HasPrefix(c, "❌") || strings.HasPrefix(c, "⏳") || strings.HasPrefix(c, "🚫") {
			t.Errorf("%s %s refused: %q", r.who.User.Username, r.cmd, c)
		}
	}
	if err := h.App.Audit.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	if n := h.Count(`SELECT count(*) FROM security_audit_logs`); n != 0 {
		t.Errorf("%d security events written by legitimate use", n)
	}
	if n := h.Count(`SELECT count(*) FROM content_flags`); n != 0 {
		t.Errorf("%d content flags for clean text", n)
	}
}

// Options out of bounds get a clear message and change nothing, even when a
// client skips the limits the command declares to Discord.
func TestBadOptionsChangeNothing(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	outsider := h.Sim.User(discordsim.UserSpec{Username: "outsider"})
	bot := h.Guild.AddMember(discordsim.UserSpec{Username: "helperbot", Bot: true})
	tests := []struct {
		who  *discordsim.Member
		cmd  string
		opts []discordsim.Option
		want string
	}{
		{h.Alice, "/barbie add", []discordsim.Option{discordsim.String("name", "X"), discordsim.Unchecked(discordsim.String("notes", strings.Repeat("n", 1001)))},
			"❌ `notes` is too long: 1001 characters, the limit is 1000."},
		{h.Admin, "/admin adjust-xp", []discordsim.Option{discordsim.User("user", h.Bob), discordsim.Unchecked(discordsim.Int("amount", 100001))},
			"❌ `amount` must be between -100000 and 100000."},
		{h.Admin, "/admin adjust-xp", []discordsim.Option{discordsim.User("user", outsider), discordsim.Int("amount", 5)},
			"❌ <@" + outsider.ID() + "> is not a member of this server."},
		{h.Admin, "/admin adjust-xp", []discordsim.Option{discordsim.User("user", bot), discordsim.Int("amount", 5)},
			"❌ Bots cannot be the target of this command."},
		{h.Admin, "/security audit", []discordsim.Option{discordsim.Unchecked(discordsim.Int("limit", 1000000000))}, "❌ `limit` must be between 1 and 100."},
		{h.Admin, "/security audit", []discordsim.Option{discordsim.Unchecked(discordsim.Int("limit", -1))}, "❌ `limit` must be between 1 and 100."},
	}
	for _, tt := range tests {
		ix := h.Run(tt.who, tt.cmd, tt.opts...)
		if ix.Content() != tt.want || !ix.Ephemeral() {
			t.Errorf("%s %v: got %q (ephemeral %v), want %q", tt.cmd, tt.opts, ix.Content(), ix.Ephemeral(), tt.want)
		}
	}
	for _, table := range []string{"barbie_list", "member_profiles", "audit_log"} {
		if n := h.Count(`SELECT count(*) FROM ` + table); n != 0 {
			t.Errorf("%s has %d rows after refused commands", table, n)
		}
	}
}
