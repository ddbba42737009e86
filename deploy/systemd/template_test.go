package systemd

import (
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/config"
)

// readDirectives reads and parses a unit or environment file.
func readDirectives(t *testing.T, file string) map[string][]string {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return directives(t, data)
}

// TestTemplateKeepsTheSingleUnitsHardening compares the template with the
// single unit: every directive is the same but for the ones that make an
// instance a shard, and those say what the README promises.
func TestTemplateKeepsTheSingleUnitsHardening(t *testing.T) {
	single := readDirectives(t, unitFile)
	tmpl := readDirectives(t, templateFile)
	differ := map[string][]string{
		"Description":      {"embodied Discord bot (Security & Operations layer), gateway shard %i"},
		"PartOf":           {"embodied-dating-bot.target"},
		"Conflicts":        {"embodied-dating-bot.service"},
		"EnvironmentFile":  {"/etc/embodied/embodied.env", "/etc/embodied/shards.env", "/etc/embodied/shard-%i.env"},
		"Environment":      {"DISCORD_SHARD_ID=%i"},
		"WorkingDirectory": {"/var/lib/embodied/shard-%i"},
		"TimeoutStartSec":  {"180s"},
		"StateDirectory":   {"embodied/backups embodied/keys embodied/shard-%i/logs embodied/shard-%i/exports"},
		"ReadWritePaths":   {"/var/lib/embodied/backups /var/lib/embodied/keys /var/lib/embodied/shard-%i/logs /var/lib/embodied/shard-%i/exports"},
		"WantedBy":         {"embodied-dating-bot.target"},
	}
	want := map[string][]string{}
	for k, v := range single {
		want[k] = v
	}
	for k, v := range differ {
		want[k] = v
	}
	if diff := cmp.Diff(want, tmpl); diff != "" {
		t.Errorf("template directives mismatch (-want +got):\n%s", diff)
	}
	// Every writable path is one systemd creates for the service user.
	var created []string
	for _, d := range strings.Fields(tmpl["StateDirectory"][0]) {
		created = append(created, "/var/lib/"+d)
	}
	if diff := cmp.Diff(created, strings.Fields(tmpl["ReadWritePaths"][0])); diff != "" {
		t.Errorf("ReadWritePaths are not the StateDirectory ones (-want +got):\n%s", diff)
	}
}

// TestShardEnvironment checks the environment the template gives an
// instance: the shard id only from the instance name, a shard count the
// bot accepts, names the bot reads, and shared paths that are absolute
// and writable.
func TestShardEnvironment(t *testing.T) {
	env := readDirectives(t, shardsEnv)
	for _, k := range slices.Sorted(maps.Keys(env)) {
		if !knownEnv(k) {
			t.Errorf("%s sets %s, which the bot does not read", shardsEnv, k)
		}
	}
	if n, err := strconv.Atoi(one(t, env, "DISCORD_SHARD_COUNT")); err != nil || n < 1 {
		t.Errorf("DISCORD_SHARD_COUNT = %q, want a positive number", one(t, env, "DISCORD_SHARD_COUNT"))
	}
	writable := strings.Fields(readDirectives(t, templateFile)["ReadWritePaths"][0])
	for _, k := range []string{"SECOPS_BACKUP_DIR", "COMPONENT_SIGNING_KEY_FILE"} {
		p := one(t, env, k)
		if !filepath.IsAbs(p) || !slices.ContainsFunc(writable, func(w string) bool { return p == w || strings.HasPrefix(p, w+"/") }) {
			t.Errorf("%s = %q: want an absolute path under a shared writable directory %v", k, p, writable)
		}
	}
	// An environment file wins over Environment=: none may set the id.
	presets, err := filepath.Glob("../env/*.env")
	if err != nil || len(presets) == 0 {
		t.Fatalf("no presets in ../env: %v", err)
	}
	for _, f := range append(presets, shardsEnv, "../../.env.example") {
		if _, ok := readDirectives(t, f)["DISCORD_SHARD_ID"]; ok {
			t.Errorf("%s sets DISCORD_SHARD_ID, which would override the instance name", f)
		}
	}
}

// knownEnv is strict: the variables of issue 19 come from config's list
// like every other, and a prefix or an unknown name is not one.
func TestKnownEnv(t *testing.T) {
	for name, want := range map[string]bool{
		"DISCORD_SHARD_ID": true, "DISCORD_SHARD_COUNT": true, "SECOPS_INTERACTIONS_ADDR": true,
		"DISCORD_PUBLIC_KEY": true, "SECOPS_GATEWAY": true, "DISCORD_TOKEN": true,
		"DISCORD_SHARD": false, "SECOPS_GATEWAYS": false, "SECOPS_SHARDS": false,
	} {
		if got := knownEnv(name); got != want {
			t.Errorf("knownEnv(%q) = %v, want %v", name, got, want)
		}
	}
}

// knownEnv reports whether the bot reads the variable name: config's own
// list of the variables it reads (config.Usage) names it.
func knownEnv(name string) bool {
	return regexp.MustCompile(`(?m)^\s*` + regexp.QuoteMeta(name) + `\s`).MatchString(config.Usage())
}

func one(t *testing.T, env map[string][]string, k string) string {
	t.Helper()
	if len(env[k]) != 1 {
		t.Fatalf("%s set %d times, want once", k, len(env[k]))
	}
	return env[k][0]
}
