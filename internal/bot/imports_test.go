package bot

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Discord stays at the edge: the domain packages, the middleware and the
// commands import no discordgo, directly or through another package. They
// speak in plain types (middleware.Interaction, view) that this package
// translates.
func TestDomainPackagesImportNoDiscordgo(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("go"); err != nil {
		t.Fatal("the go command is not on PATH: this test runs go list")
	}
	domain := []string{"middleware", "middleware/auditlog", "middleware/moderator", "middleware/permission",
		"middleware/ratelimit", "command", "view", "strike", "backup", "privacy", "health", "moderation", "modrules",
		"audit", "store", "automod", "chatmod", "antinuke", "raid", "lockdown", "guildsnap"}
	args := []string{"list", "-f", `{{.ImportPath}}{{range .Deps}} {{.}}{{end}}`}
	for _, p := range domain {
		args = append(args, "../"+p)
	}
	out, err := exec.Command("go", args...).Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var offenders []string
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	for _, line := range lines {
		deps := strings.Fields(line)
		for _, d := range deps[1:] {
			if d == "github.com/bwmarrin/discordgo" || strings.HasPrefix(d, "github.com/bwmarrin/discordgo/") {
				offenders = append(offenders, deps[0])
				break
			}
		}
	}
	if len(lines) != len(domain) {
		t.Fatalf("go list listed %d packages, want %d:\n%s", len(lines), len(domain), out)
	}
	if diff := cmp.Diff([]string(nil), offenders); diff != "" {
		t.Errorf("packages depending on discordgo mismatch (-want +got):\n%s", diff)
	}
}
