package app_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/apptest"
	"github.com/embodied-community/embodied/internal/config"
	"github.com/embodied-community/embodied/internal/discordsim"
)

// /security status shows a guild admin that guild's figures only; the
// figures of every guild, the backup file names and the memory are for the
// bot owners.
func TestStatusShowsGuildAdminsTheirGuildOnly(t *testing.T) {
	t.Parallel()
	h := apptest.New(t, func(c *config.Config) { c.EnableAutobackup = true })
	const backupFile = "backup-2025-10-07T03-00-00.sql.gz"
	if err := os.MkdirAll(h.Cfg.BackupDir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(h.Cfg.BackupDir, backupFile), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	other := h.Sim.CreateGuild("Other", discordsim.UserSpec{Username: "otherowner"})
	other.AddRole(discordsim.RoleSpec{Name: "Admin", Permissions: discordgo.PermissionAdministrator, Position: 10})
	admin2 := other.AddMember(discordsim.UserSpec{Username: "admin2", Roles: []string{"Admin"}})
	carol := other.AddMember(discordsim.UserSpec{Username: "carol"})

	// The sandbox guild: one flag and one audited action; the other guild:
	// two flags and two audited actions.
	h.Run(h.Alice, "/barbie add", discordsim.String("name", "Sam"), discordsim.String("notes", "This bitch deserves to be ignored"))
	h.Run(h.Admin, "/admin adjust-xp", discordsim.User("user", h.Alice), discordsim.Int("amount", 100))
	for _, n := range []string{"Kim", "Lee"} {
		h.Run(carol, "/barbie add", discordsim.String("name", n), discordsim.String("notes", "This bitch deserves to be ignored"))
		h.Run(admin2, "/admin adjust-xp", discordsim.User("user", carol), discordsim.Int("amount", 10))
	}
	if err := h.App.Audit.Flush(ctx()); err != nil {
		t.Fatal(err)
	}
	auditRows := func(guildID string) int {
		return h.Count(`SELECT count(*) FROM audit_log WHERE guild_id = $1`, guildID)
	}
	thisGuild := func(guildID string, flags int) string {
		return "Audit log rows: " + itoa(auditRows(guildID)) + "\nUnreviewed flags: " + itoa(flags) + "\nRate-limit flagged users (24 h): 0"
	}

	guildFields := []string{"Discord connection", "Database connection", "This server", "Timeouts and bans (24 h)"}
	ownerFields := append(append([]string{}, guildFields...), "Memory", "All servers", "Newest backup", "Alerts", "Table sizes", "Audit records set aside")
	tests := []struct {
		name       string
		who        *discordsim.Member
		wantFields []string
		wantGuild  string // the "This server" field
		wantText   []string
		hidden     []string // what must not appear anywhere in the reply
	}{
		{"guild admin", h.Admin, guildFields, thisGuild(h.Guild.ID, 1), nil, []string{backupFile, "heap", "rss", "audit_log:"}},
		{"admin of the other guild", admin2, guildFields, thisGuild(other.ID, 2), nil, []string{backupFile, "heap", "rss", "audit_log:"}},
		{"bot owner", h.Owner, ownerFields, thisGuild(h.Guild.ID, 1), []string{backupFile, "heapUsed", "audit_log:", "Unreviewed flags: 3"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ix := h.Run(tt.who, "/security status")
			if len(ix.Embeds()) != 1 {
				t.Fatalf("status: %q %v", ix.Content(), ix.Embeds())
			}
			e := ix.Embeds()[0]
			var names []string
			var text strings.Builder
			text.WriteString(e.Title + "\n" + e.Description + "\n")
			fields := map[string]string{}
			for _, f := range e.Fields {
				names = append(names, f.Name)
				fields[f.Name] = f.Value
				text.WriteString(f.Name + "\n" + f.Value + "\n")
			}
			if e.Footer != nil {
				text.WriteString(e.Footer.Text)
			}
			if diff := cmp.Diff(tt.wantFields, names); diff != "" {
				t.Errorf("fields mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantGuild, fields["This server"]); diff != "" {
				t.Errorf("this server's figures mismatch (-want +got):\n%s", diff)
			}
			for _, s := range tt.wantText {
				if !strings.Contains(text.String(), s) {
					t.Errorf("status lacks %q:\n%s", s, text.String())
				}
			}
			for _, s := range tt.hidden {
				if strings.Contains(text.String(), s) {
					t.Errorf("status shows %q to a guild admin:\n%s", s, text.String())
				}
			}
		})
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// The health line under the audit log, which guild admins read, names no
// host figure (memory, backup age): those are for owners' /security status.
func TestAuditFooterShowsGuildAdminsNoHostFigures(t *testing.T) {
	t.Parallel()
	h := apptest.New(t, func(c *config.Config) {
		c.EnableHealthchecks = true
		c.EnableAutobackup = true
		c.HealthcheckInterval = 300 * time.Millisecond
	})
	h.Eventually("a health report", func() bool { return h.App.Health.Snapshot() != nil })
	footer := h.Run(h.Admin, "/security audit").Embeds()[0].Footer
	if footer == nil || !strings.HasPrefix(footer.Text, "Health PASS") {
		t.Fatalf("audit footer: %+v", footer)
	}
	for _, hidden := range []string{"heap", "backup"} {
		if strings.Contains(footer.Text, hidden) {
			t.Errorf("the audit footer shows a guild admin %q: %s", hidden, footer.Text)
		}
	}
}
