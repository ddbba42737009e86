package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// clearEnv unsets every variable the config reads, restoring them after t.
func clearEnv(t *testing.T) {
	t.Helper()
	v := reflect.TypeOf(raw{})
	for i := 0; i < v.NumField(); i++ {
		name := v.Field(i).Tag.Get("envconfig")
		t.Setenv(name, "")
		os.Unsetenv(name)
	}
	for _, name := range []string{"DISCORD_TOKEN_FILE", "DB_PASSWORD_FILE"} {
		t.Setenv(name, "")
		os.Unsetenv(name)
	}
}

func setEnv(t *testing.T, env map[string]string) {
	t.Helper()
	clearEnv(t)
	for k, v := range env {
		t.Setenv(k, v)
	}
}

const owner = "123456789012345678"

func TestLoadDefaults(t *testing.T) {
	setEnv(t, map[string]string{"ADMIN_USER_ID": owner, "DISCORD_TOKEN": "tok"})
	c, err := Load(true)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]any{
		"healthchecks": c.EnableHealthchecks, "interval": c.HealthcheckInterval,
		"autobackup": c.EnableAutobackup, "cron": c.BackupCron, "enforce": c.EnforceModeration, "messages": c.ModerateMessages,
		"db": c.DatabaseURL, "password": c.DBPassword.Reveal(), "backupDir": c.BackupDir,
		"http": c.HTTPAddr, "api": c.DiscordAPIURL, "owners": c.Owners, "env": c.Env,
		"rateLimitStore": c.RateLimitStore, "httpOnly": c.HTTPOnly, "interactions": c.InteractionsAddr,
		"shard": c.ShardLabel(),
	}
	want := map[string]any{
		"healthchecks": false, "interval": 5 * time.Minute,
		"autobackup": false, "cron": "0 3 * * *", "enforce": false, "messages": false,
		"db":       "postgres://botuser@localhost:5432/embodied_dating_bot_dev?sslmode=prefer",
		"password": "dev_password", "backupDir": "backups",
		"http": "127.0.0.1:9090", "api": "https://discord.com", "owners": []string{owner}, "env": EnvDev,
		"rateLimitStore": "memory", "httpOnly": false, "interactions": "",
		"shard": "0/1",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("defaults mismatch (-want +got):\n%s", diff)
	}
}

func TestLoadProblems(t *testing.T) {
	tests := []struct {
		name      string
		env       map[string]string
		needToken bool
		want      []Problem
	}{
		{
			name: "bad cron",
			env:  map[string]string{"SECOPS_BACKUP_CRON": "0 3 * *"},
			want: []Problem{{"SECOPS_BACKUP_CRON", `"0 3 * *" is not a cron spec: expected exactly 5 fields, found 4: [0 3 * *] (e.g. "0 3 * * *")`}},
		},
		{
			name: "shard id without count",
			env:  map[string]string{"DISCORD_SHARD_ID": "1"},
			want: []Problem{{"DISCORD_SHARD_ID", "1 is not a shard of DISCORD_SHARD_COUNT=1: use 0 to 0"}},
		},
		{
			name: "shard id not below count",
			env:  map[string]string{"DISCORD_SHARD_ID": "2", "DISCORD_SHARD_COUNT": "2"},
			want: []Problem{{"DISCORD_SHARD_ID", "2 is not a shard of DISCORD_SHARD_COUNT=2: use 0 to 1"}},
		},
		{
			name: "shard count without id",
			env:  map[string]string{"DISCORD_SHARD_COUNT": "4"},
			want: []Problem{{"DISCORD_SHARD_ID", "is required with DISCORD_SHARD_COUNT=4: set this process's shard, 0 to 3"}},
		},
		{
			name: "shard id with auto",
			env:  map[string]string{"DISCORD_SHARD_ID": "0", "DISCORD_SHARD_COUNT": "auto"},
			want: []Problem{{"DISCORD_SHARD_ID", `is set to "0" with DISCORD_SHARD_COUNT=auto: auto runs every shard in this process, so leave DISCORD_SHARD_ID empty (or set a number of shards)`}},
		},
		{
			name: "shard count not a number",
			env:  map[string]string{"DISCORD_SHARD_COUNT": "0"},
			want: []Problem{{"DISCORD_SHARD_COUNT", `"0" is neither a number of shards (1 or more) nor auto`}},
		},
		{
			name: "shard id not a number",
			env:  map[string]string{"DISCORD_SHARD_ID": "one", "DISCORD_SHARD_COUNT": "2"},
			want: []Problem{{"DISCORD_SHARD_ID", `"one" is not a whole number`}},
		},
		{
			name: "rate limit store",
			env:  map[string]string{"SECOPS_RATE_LIMIT_STORE": "redis"},
			want: []Problem{{"SECOPS_RATE_LIMIT_STORE", `"redis" is neither memory nor postgres`}},
		},
		{
			name: "interactions endpoint without a public key",
			env:  map[string]string{"SECOPS_INTERACTIONS_ADDR": "127.0.0.1:8080"},
			want: []Problem{{"DISCORD_PUBLIC_KEY", "is required with SECOPS_INTERACTIONS_ADDR: set it to the application's public key (Developer Portal → General Information → Public Key, 64 hex digits)"}},
		},
		{
			name: "interactions endpoint with a malformed key and address",
			env:  map[string]string{"SECOPS_INTERACTIONS_ADDR": "8080", "DISCORD_PUBLIC_KEY": "abc"},
			want: []Problem{
				{"SECOPS_INTERACTIONS_ADDR", `"8080" is not host:port`},
				{"DISCORD_PUBLIC_KEY", `"abc" is not an Ed25519 public key (64 hex digits)`},
			},
		},
		{
			name: "gateway off without the endpoint",
			env:  map[string]string{"SECOPS_GATEWAY": "false"},
			want: []Problem{{"SECOPS_GATEWAY", "false needs SECOPS_INTERACTIONS_ADDR: an instance without the gateway receives interactions only over HTTP"}},
		},
		{
			name: "gateway not a boolean",
			env:  map[string]string{"SECOPS_GATEWAY": "maybe"},
			want: []Problem{{"SECOPS_GATEWAY", `"maybe" is not a boolean (use true or false)`}},
		},
		{
			name: "interval below one",
			env:  map[string]string{"SECOPS_HEALTHCHECK_INTERVAL_MIN": "0"},
			want: []Problem{{"SECOPS_HEALTHCHECK_INTERVAL_MIN", "0 is below the minimum of 1"}},
		},
		{
			name: "interval not a number",
			env:  map[string]string{"SECOPS_HEALTHCHECK_INTERVAL_MIN": "five"},
			want: []Problem{{"SECOPS_HEALTHCHECK_INTERVAL_MIN", `"five" is not a whole number`}},
		},
		{
			name: "admin not a snowflake",
			env:  map[string]string{"ADMIN_USER_ID": "123456789012345678,bob"},
			want: []Problem{{"ADMIN_USER_ID", `"bob" is not a Discord user id (17 to 20 digits)`}},
		},
		{
			name: "admin placeholder",
			env:  map[string]string{"ADMIN_USER_ID": "YOUR_DISCORD_ID"},
			want: []Problem{{"ADMIN_USER_ID", `still holds the placeholder "YOUR_DISCORD_ID": fill in your Discord user id`}},
		},
		{
			name:      "token and owner missing for run",
			env:       map[string]string{},
			needToken: true,
			want: []Problem{
				{"ADMIN_USER_ID", "is required: set it to your Discord user id (several owners: comma-separated)"},
				{"DISCORD_TOKEN", "is required to run the bot: set DISCORD_TOKEN (or DISCORD_TOKEN_FILE) to the bot token from the Discord developer portal"},
			},
		},
		{
			name: "booleans",
			env:  map[string]string{"SECOPS_ENABLE_HEALTHCHECKS": "yes", "SECOPS_ENFORCE_MODERATION": "on", "SECOPS_MODERATE_MESSAGES": "1x"},
			want: []Problem{
				{"SECOPS_ENABLE_HEALTHCHECKS", `"yes" is not a boolean (use true or false)`},
				{"SECOPS_ENFORCE_MODERATION", `"on" is not a boolean (use true or false)`},
				{"SECOPS_MODERATE_MESSAGES", `"1x" is not a boolean (use true or false)`},
			},
		},
		{
			name: "signing key and key file",
			env:  map[string]string{"COMPONENT_SIGNING_KEY": strings.Repeat("k", 32), "COMPONENT_SIGNING_KEY_FILE": "/etc/embodied/signing.key"},
			want: []Problem{{"COMPONENT_SIGNING_KEY_FILE", "set together with COMPONENT_SIGNING_KEY: set only one of them"}},
		},
		{
			name: "unknown sslmode",
			env:  map[string]string{"DB_SSLMODE": "verify_full"},
			want: []Problem{{"DB_SSLMODE", `"verify_full" is not one of disable, allow, prefer, require, verify-ca, verify-full (use verify-full for a database on another machine)`}},
		},
		{
			name: "password placeholder",
			env:  map[string]string{"DB_PASSWORD": "CHANGE_ME"},
			want: []Problem{{"DB_PASSWORD", "still holds a placeholder: fill in the real value"}},
		},
		{
			name: "every problem at once",
			env: map[string]string{
				"SECOPS_BACKUP_CRON": "nope", "SECOPS_HEALTHCHECK_INTERVAL_MIN": "-1", "ADMIN_USER_ID": "x",
				"DISCORD_GUILD_ID": "42", "LOG_FORMAT": "xml", "SECOPS_HTTP_ADDR": "nohost",
			},
			want: []Problem{
				{"SECOPS_HEALTHCHECK_INTERVAL_MIN", "-1 is below the minimum of 1"},
				{"SECOPS_BACKUP_CRON", `"nope" is not a cron spec: expected exactly 5 fields, found 1: [nope] (e.g. "0 3 * * *")`},
				{"SECOPS_HTTP_ADDR", `"nohost" is not host:port (or off)`},
				{"ADMIN_USER_ID", `"x" is not a Discord user id (17 to 20 digits)`},
				{"DISCORD_GUILD_ID", `"42" is not a Discord id (17 to 20 digits)`},
				{"LOG_FORMAT", `"xml" is not text or json`},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			setEnv(t, tt.env)
			_, err := Load(tt.needToken)
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Load() error = %v, want a ValidationError", err)
			}
			if diff := cmp.Diff(tt.want, ve.Problems); diff != "" {
				t.Errorf("problems mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLoadShards(t *testing.T) {
	tests := []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"DISCORD_SHARD_ID": "3", "DISCORD_SHARD_COUNT": "8"}, "3/8"},
		{map[string]string{"DISCORD_SHARD_COUNT": "auto"}, "auto"},
		{map[string]string{"DISCORD_SHARD_COUNT": "AUTO"}, "auto"},
		{map[string]string{"DISCORD_SHARD_ID": "0"}, "0/1"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			tt.env["ADMIN_USER_ID"], tt.env["DISCORD_TOKEN"] = owner, "tok"
			setEnv(t, tt.env)
			c, err := Load(true)
			if err != nil {
				t.Fatal(err)
			}
			if got := c.ShardLabel(); got != tt.want {
				t.Errorf("ShardLabel() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestDatabaseURLWinsAndSecretsStaySecret(t *testing.T) {
	const canary = "Canary-Pw-7f3a9"
	setEnv(t, map[string]string{
		"DATABASE_URL": "postgres://bot:" + canary + "@db:5433/live?sslmode=disable",
		"DB_HOST":      "ignored", "DISCORD_TOKEN": "Canary-Token-55", "ADMIN_USER_ID": owner,
	})
	c, err := Load(true)
	if err != nil {
		t.Fatal(err)
	}
	if c.DatabaseURL != "postgres://bot@db:5433/live?sslmode=disable" || c.DBPassword.Reveal() != canary {
		t.Errorf("DATABASE_URL not split: %q", c.DatabaseURL)
	}
	printed := fmt.Sprintln(c.Summary()...) + fmt.Sprintf("%v %+v %#v", c, *c, *c)
	for _, secret := range []string{canary, "Canary-Token-55"} {
		if strings.Contains(printed, secret) {
			t.Errorf("summary leaks a secret: %s", printed)
		}
	}

	// The password may also come as a query parameter.
	t.Setenv("DATABASE_URL", "postgres://bot@db:5433/live?password="+canary+"&sslmode=disable")
	c, err = Load(true)
	if err != nil {
		t.Fatal(err)
	}
	if c.DatabaseURL != "postgres://bot@db:5433/live?sslmode=disable" || c.DBPassword.Reveal() != canary {
		t.Errorf("query password not split: %q", c.DatabaseURL)
	}
	if s := fmt.Sprintln(c.Summary()...); strings.Contains(s, canary) {
		t.Errorf("summary leaks the query password: %s", s)
	}
}

func TestSecretFiles(t *testing.T) {
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "token")
	if err := os.WriteFile(tokenFile, []byte("from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	setEnv(t, map[string]string{"DISCORD_TOKEN_FILE": tokenFile, "ADMIN_USER_ID": owner})
	c, err := Load(true)
	if err != nil {
		t.Fatal(err)
	}
	if c.DiscordToken.Reveal() != "from-file" {
		t.Errorf("token = %q, want from-file", c.DiscordToken.Reveal())
	}

	setEnv(t, map[string]string{"DISCORD_TOKEN_FILE": tokenFile, "DISCORD_TOKEN": "x", "DB_PASSWORD_FILE": filepath.Join(dir, "missing")})
	_, err = Load(false)
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("want ValidationError, got %v", err)
	}
	want := []Problem{
		{"DB_PASSWORD_FILE", "cannot read " + filepath.Join(dir, "missing") + ": no such file or directory"},
		{"DISCORD_TOKEN_FILE", "set together with DISCORD_TOKEN: set only one of them"},
	}
	if diff := cmp.Diff(want, ve.Problems); diff != "" {
		t.Errorf("problems mismatch (-want +got):\n%s", diff)
	}
}

func TestOwnersAndOverride(t *testing.T) {
	setEnv(t, map[string]string{
		"ADMIN_USER_ID":               " 123456789012345678, 223456789012345678 ,123456789012345678",
		"SECOPS_HEALTHCHECK_INTERVAL": "2s",
	})
	c, err := Load(false)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"123456789012345678", "223456789012345678"}, c.Owners); diff != "" {
		t.Errorf("owners mismatch (-want +got):\n%s", diff)
	}
	if c.HealthcheckInterval != 2*time.Second {
		t.Errorf("interval = %v, want 2s", c.HealthcheckInterval)
	}
}

func TestSecretFormatting(t *testing.T) {
	s := Secret("hunter2")
	for _, got := range []string{s.String(), s.GoString(), s.LogValue().String()} {
		if strings.Contains(got, "hunter2") {
			t.Errorf("secret printed as %q", got)
		}
	}
}

func TestParseLadder(t *testing.T) {
	tests := []struct {
		in      string
		want    []Rung
		wantErr bool
	}{
		{in: "warning,timeout,ban", want: []Rung{RungWarning, RungTimeout, RungBan}},
		{in: " Warning, warning ,timeout,BAN", want: []Rung{RungWarning, RungWarning, RungTimeout, RungBan}},
		{in: "warning,kick", wantErr: true},
		{in: "warning,,ban", wantErr: true},
		{in: "", wantErr: true},
	}
	for _, tt := range tests {
		got, err := ParseLadder(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParseLadder(%q): err = %v, want error %v", tt.in, err, tt.wantErr)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("ParseLadder(%q) mismatch (-want +got):\n%s", tt.in, diff)
		}
	}
}

// The ladder is parsed once, here: Load returns typed rungs, and a bad
// ladder is reported with the other problems.
func TestLoadLadder(t *testing.T) {
	setEnv(t, map[string]string{"SECOPS_STRIKE_LADDER": "warning, Ban"})
	c, err := Load(false)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]Rung{RungWarning, RungBan}, c.StrikeLadder); diff != "" {
		t.Errorf("ladder mismatch (-want +got):\n%s", diff)
	}

	setEnv(t, map[string]string{"SECOPS_STRIKE_LADDER": "warning,kick", "LOG_FORMAT": "xml"})
	_, err = Load(false)
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("Load() error = %v, want a ValidationError", err)
	}
	want := []Problem{
		{"SECOPS_STRIKE_LADDER", `"warning,kick" is not a list of warning, timeout and ban (e.g. warning,timeout,ban)`},
		{"LOG_FORMAT", `"xml" is not text or json`},
	}
	if diff := cmp.Diff(want, ve.Problems); diff != "" {
		t.Errorf("problems mismatch (-want +got):\n%s", diff)
	}
}
