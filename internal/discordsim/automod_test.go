package discordsim_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/discordsim"
)

// Discord's keyword matching strategies: whole word, prefix, suffix,
// anywhere; case-insensitive; allow-listed words exempt; regexes.
func TestAutoModKeywordMatching(t *testing.T) {
	t.Parallel()
	cases := []struct {
		keyword, allow, content string
		want                    bool
	}{
		{"cat", "", "a Cat sat", true},
		{"cat", "", "catch it", false},
		{"cat", "", "bobcat", false},
		{"cat*", "", "CATAPULT", true},
		{"cat*", "", "bobcat", false},
		{"*cat", "", "copyCat!", true},
		{"*cat", "", "catch", false},
		{"*cat*", "", "location", true},
		{"bad word", "", "a Bad Word here", true},
		{"*cat*", "locat*", "location", false},
		{"*cat*", "locat*", "location of the bobcat", true},
	}
	for _, c := range cases {
		trig := discordsim.AutoModTrigger{KeywordFilter: []string{c.keyword}}
		if c.allow != "" {
			trig.AllowList = []string{c.allow}
		}
		if _, _, got := discordsim.MatchAutoModKeywords(trig, c.content); got != c.want {
			t.Errorf("%q (allow %q) on %q: %v, want %v", c.keyword, c.allow, c.content, got, c.want)
		}
	}
	if kw, matched, ok := discordsim.MatchAutoModKeywords(discordsim.AutoModTrigger{RegexPatterns: []string{`gr[a4]pe`}}, "a GR4PE? no, a gr4pe"); !ok || kw != `gr[a4]pe` || matched != "gr4pe" {
		t.Errorf("regex: %q %q %v", kw, matched, ok)
	}
}

// The routes need MANAGE_GUILD, keep the per-guild maximum of KEYWORD
// rules, audit-log their reason; a member's message that matches a rule
// with BLOCK_MESSAGE is not posted.
func TestAutoModRoutes(t *testing.T) {
	t.Parallel()
	sim := discordsim.NewTest(t, discordsim.Options{})
	g := sim.SeedSandbox()
	s := restSession(t, sim)
	rule := &discordgo.AutoModerationRule{Name: "no grapes", EventType: 1, TriggerType: discordgo.AutoModerationEventTriggerKeyword,
		TriggerMetadata: &discordgo.AutoModerationTriggerMetadata{KeywordFilter: []string{"grape*"}},
		Actions:         []discordgo.AutoModerationAction{{Type: discordgo.AutoModerationRuleActionBlockMessage}}}

	_, err := s.AutoModerationRuleCreate(g.ID, rule)
	if code := restCode(err); code != discordsim.CodeMissingPermissions {
		t.Fatalf("without MANAGE_GUILD: %v, want 50013", err)
	}
	g.BotRole().SetPermissions(g.BotRole().Info().Permissions | discordgo.PermissionManageGuild)
	created, err := s.AutoModerationRuleCreate(g.ID, rule, discordgo.WithAuditLogReason("sync"))
	if err != nil {
		t.Fatal(err)
	}
	if created.CreatorID != sim.ApplicationID() || created.Enabled == nil || !*created.Enabled {
		t.Errorf("created: %+v", created)
	}
	for range 5 {
		sim.CreateAutoModRule(g.Owner(), discordsim.AutoModRule{Name: "own", TriggerType: discordsim.TriggerKeyword,
			TriggerMetadata: discordsim.AutoModTrigger{KeywordFilter: []string{"x"}}, Actions: []discordsim.AutoModAction{{Type: discordsim.ActionBlockMessage}}})
	}
	_, err = s.AutoModerationRuleCreate(g.ID, rule)
	if code := restCode(err); code != discordsim.CodeInvalidFormBody {
		t.Errorf("a 7th KEYWORD rule: %v, want 50035", err)
	}
	if vs := sim.TakeViolations(); len(vs) != 1 || vs[0].Rule != "limit" {
		t.Errorf("violations: %v", vs)
	}
	audit := sim.AuditReasons(g.ID)
	if diff := cmp.Diff([]string{"automod-rule-create", "sync"}, []string{audit[len(audit)-1].Action, audit[len(audit)-1].Reason}); diff != "" {
		t.Errorf("audit mismatch (-want +got):\n%s", diff)
	}

	alice := g.MemberByName("alice")
	if m := sim.Say(alice, "", "grapefruit for all"); m != nil {
		t.Errorf("a blocked message was posted: %+v", m)
	}
	if m := sim.Say(alice, "", "melon for all"); m == nil {
		t.Errorf("an innocent message was not posted")
	}
	if got := len(sim.AutoModBlocks()); got != 1 {
		t.Errorf("%d blocks, want 1", got)
	}
}

func restCode(err error) int {
	var re *discordgo.RESTError
	if errors.As(err, &re) && re.Message != nil {
		return re.Message.Code
	}
	if errors.As(err, &re) && re.Response != nil && re.Response.StatusCode == http.StatusForbidden {
		return discordsim.CodeMissingPermissions
	}
	return -1
}

// AutoMod's events follow the intents: rule events need
// AUTO_MODERATION_CONFIGURATION, executions AUTO_MODERATION_EXECUTION, and
// an execution's content and matched_content are empty without
// MESSAGE_CONTENT; a rule with two actions sends two executions.
func TestAutoModEventsHonourIntents(t *testing.T) {
	const (
		config  = discordgo.IntentAutoModerationConfiguration
		execute = discordgo.IntentAutoModerationExecution
	)
	tests := []struct {
		name    string
		intents discordgo.Intent
		want    []string
	}{
		{"without AutoMod intents", discordgo.IntentsGuilds, nil},
		{"configuration only", discordgo.IntentsGuilds | config, []string{"AUTO_MODERATION_RULE_CREATE"}},
		{"execution without Message Content", discordgo.IntentsGuilds | execute, []string{
			"AUTO_MODERATION_ACTION_EXECUTION 1 grape* ``", "AUTO_MODERATION_ACTION_EXECUTION 2 grape* ``"}},
		{"execution with Message Content", discordgo.IntentsGuilds | execute | discordgo.IntentMessageContent, []string{
			"AUTO_MODERATION_ACTION_EXECUTION 1 grape* `grapes!`", "AUTO_MODERATION_ACTION_EXECUTION 2 grape* `grapes!`"}},
	}
	// Sequential, as TestGatewayHonoursIntents: four gateway sessions at
	// once add nothing but load.
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim := discordsim.NewTest(t, discordsim.Options{})
			g := sim.SeedSandbox()
			var (
				mu        sync.Mutex
				events    []string
				recording bool
				ended     = make(chan struct{})
			)
			startBotWith(t, sim, nil, func(s *discordgo.Session) {
				s.Identify.Intents = tt.intents
				s.SyncEvents = true
				s.AddHandler(func(_ *discordgo.Session, e *discordgo.Event) {
					var d struct {
						Role           struct{ Name string }
						Action         struct{ Type int }
						MatchedKeyword string `json:"matched_keyword"`
						Content        string
					}
					_ = json.Unmarshal(e.RawData, &d)
					mu.Lock()
					defer mu.Unlock()
					switch {
					case e.Type == "GUILD_ROLE_CREATE" && d.Role.Name == "end":
						recording = false
						close(ended)
					case e.Type == "GUILD_ROLE_CREATE":
						recording = d.Role.Name == "start"
					case recording && e.Type == "AUTO_MODERATION_ACTION_EXECUTION":
						events = append(events, fmt.Sprintf("%s %d %s `%s`", e.Type, d.Action.Type, d.MatchedKeyword, d.Content))
					case recording && strings.HasPrefix(e.Type, "AUTO_MODERATION"):
						events = append(events, e.Type)
					}
				})
			})
			g.AddRole(discordsim.RoleSpec{Name: "start"})
			sim.CreateAutoModRule(g.Owner(), discordsim.AutoModRule{Name: "grapes", TriggerType: discordsim.TriggerKeyword, Enabled: true,
				TriggerMetadata: discordsim.AutoModTrigger{KeywordFilter: []string{"grape*"}},
				Actions: []discordsim.AutoModAction{{Type: discordsim.ActionBlockMessage},
					{Type: discordsim.ActionSendAlert, Metadata: discordsim.AutoModActionMetadata{ChannelID: g.ChannelID}}}})
			sim.Say(g.MemberByName("alice"), "", "grapes!")
			g.AddRole(discordsim.RoleSpec{Name: "end"})
			select {
			case <-ended:
			case <-time.After(10 * time.Second):
				t.Fatal("no GUILD_ROLE_CREATE end within 10 s")
			}
			mu.Lock()
			defer mu.Unlock()
			if diff := cmp.Diff(tt.want, events); diff != "" {
				t.Errorf("AutoMod events mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
