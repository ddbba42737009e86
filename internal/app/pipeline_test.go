package app_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/embodied-community/embodied/internal/apptest"
	"github.com/embodied-community/embodied/internal/config"
	"github.com/embodied-community/embodied/internal/discordsim"
	"github.com/embodied-community/embodied/internal/middleware/permission"
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

	st := h.Run(h.Owner, "/security status") // memory and table sizes are for owners

	if len(st.Embeds()) != 1 {
		t.Fatalf("status: %q %v", st.Content(), st.Embeds())
	}
	var names []string
	for _, f := range st.Embeds()[0].Fields {
		names = append(names, f.Name)
	}
	got := strings.Join(names, ",")
	if !strings.Contains(got, "Discord connection,Database connection,") || !strings.Contains(got, "Memory") || !strings.Contains(got, "Table sizes") {
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

// /security audit pages with buttons when the entries do not fit one embed.
func TestAuditViewPaginates(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	long := strings.Repeat("a long reason ", 35) // ~490 characters each: about 11 entries fit an embed
	for i := 0; i < 30; i++ {
		h.Run(h.Admin, "/admin adjust-xp", discordsim.User("user", h.Bob), discordsim.Int("amount", int64(i+1)),
			discordsim.String("reason", fmt.Sprintf("#%02d %s", i+1, long)))
		h.Clock.Advance(3 * time.Second) // within the default rate limit
	}
	if n := h.Count(`SELECT count(*) FROM audit_log WHERE action_type = 'adjust-xp'`); n != 30 {
		t.Fatalf("%d adjustments recorded, want 30", n)
	}
	page1 := h.Run(h.Admin, "/security audit", discordsim.Int("limit", 30))
	e := page1.Embeds()[0]
	size := len(e.Title) + len(e.Description)
	for _, f := range e.Fields {
		size += len(f.Name) + len(f.Value)
	}
	if len(e.Fields) == 0 || len(e.Fields) >= 30 || size > 6000 {
		t.Fatalf("page 1 has %d entries, %d characters", len(e.Fields), size)
	}
	ids := apptest.CustomIDs(page1.Original())
	if len(ids) != 1 || !strings.HasPrefix(ids[0], "audit-page|") {
		t.Fatalf("page 1 buttons: %q", ids)
	}
	seen := len(e.Fields)
	page2 := h.Click(h.Admin, page1.Original(), ids[0])
	msg := page2.Original()
	if msg == nil || len(msg.Embeds) != 1 {
		t.Fatalf("page 2: %+v", msg)
	}
	if want := fmt.Sprintf("Entries %d–", seen+1); !strings.HasPrefix(msg.Embeds[0].Description, want) {
		t.Errorf("page 2 description %q, want it to start with %q", msg.Embeds[0].Description, want)
	}
	// Newest first: page 1 starts at #30, page 2 where page 1 stopped.
	if !strings.Contains(e.Fields[0].Value, "Reason: #30 ") {
		t.Errorf("page 1 does not start with the newest entry: %q", e.Fields[0].Value)
	}
	if want := fmt.Sprintf("Reason: #%02d ", 30-seen); !strings.Contains(msg.Embeds[0].Fields[0].Value, want) {
		t.Errorf("page 2 starts with %q, want %q", msg.Embeds[0].Fields[0].Value[:60], want)
	}
}

// With DISCORD_HIDE_ADMIN_COMMANDS, Discord hides staff commands from
// members; a guild admin can override that, and the guard still refuses.
func TestHiddenAdminCommandsAndOverrides(t *testing.T) {
	t.Parallel()
	h := apptest.New(t, func(c *config.Config) { c.HideAdminCommands = true })
	ctx := context.Background()
	if _, err := h.Sim.Run(ctx, h.Alice, "/security audit"); !errors.Is(err, discordsim.ErrCommandHidden) {
		t.Errorf("a member could invoke a hidden admin command: %v", err)
	}
	if ix := h.Run(h.Admin, "/security audit"); len(ix.Embeds()) != 1 {
		t.Errorf("admin view: %q", ix.Content())
	}
	if ix := h.Run(h.Alice, "/profile"); strings.HasPrefix(ix.Content(), "❌") {
		t.Errorf("member commands must stay visible: %q", ix.Content())
	}
	h.Sim.SetCommandPermissionOverride(h.Guild.ID, "security", true)
	if ix := h.Run(h.Alice, "/security audit"); ix.Content() != permission.DeniedMessage {
		t.Errorf("with an override the guard must still refuse, got %q", ix.Content())
	}
}

// The Prometheus metrics follow what the pipeline does, with the labels the
// alert rules use.
func TestMetricsFollowThePipeline(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	h.Run(h.Alice, "/security audit") // denied
	h.Run(h.Alice, "/barbie add", discordsim.String("name", "X"), discordsim.String("notes", "This bitch deserves to be ignored"))
	h.Run(h.Moderator, "/security warn", discordsim.User("user", h.Bob), discordsim.String("reason", "Spam"))
	h.Run(h.Moderator, "/security warn", discordsim.User("user", h.Bob), discordsim.String("reason", "More spam"))
	rec := httptest.NewRecorder()
	h.App.Metrics.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body := rec.Body.String()
	for _, want := range []string{
		`embodied_permission_denials_total{command="security"} 1`,
		`embodied_interactions_total{command="security audit",outcome="denied"} 1`,
		`embodied_interactions_total{command="barbie add",outcome="ok"} 1`,
		`embodied_content_flags_total{category="profanity"} 1`,
		`embodied_warnings_total{action="warning"} 1`,
		`embodied_warnings_total{action="timeout"} 1`,
		`embodied_moderation_actions_total{action="timeout",enforced="false"} 1`,
		`embodied_audit_fallback_writes_total 0`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

// /security violations lists members over the (configurable) threshold of
// rate-limit violations in 24 hours.
func TestViolationsView(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		threshold int
		want      string
	}{
		{0, "6 violations"}, // the seed's default: more than 5
		{10, "✅ No member has more than 10 rate-limit violations in the last 24 hours."},
	} {
		h := apptest.New(t, func(c *config.Config) { c.FlaggedThreshold = tt.threshold })
		for i := 0; i < 9; i++ { // 3 allowed, 6 refused
			h.Run(h.Alice, "/submit-stats")
		}
		h.Eventually("the violations row", func() bool {
			return h.Count(`SELECT coalesce(sum(count), 0)::int FROM rate_limit_violations WHERE user_id = $1`, h.Alice.ID()) == 6
		})
		ix := h.Run(h.Admin, "/security violations")
		if tt.threshold != 0 {
			if ix.Content() != tt.want {
				t.Errorf("threshold %d: %q, want %q", tt.threshold, ix.Content(), tt.want)
			}
			continue
		}
		if len(ix.Embeds()) != 1 || len(ix.Embeds()[0].Fields) != 1 {
			t.Fatalf("violations view: %q %v", ix.Content(), ix.Embeds())
		}
		f := ix.Embeds()[0].Fields[0]
		if f.Name != tt.want || !strings.HasPrefix(f.Value, fmt.Sprintf("<@%s>\nCommands: submit-stats\nLast: ", h.Alice.ID())) {
			t.Errorf("field %q / %q", f.Name, f.Value)
		}
	}
}
