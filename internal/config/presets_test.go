package config

import (
	"errors"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/joho/godotenv"
)

// systemdGenerator parses environment files with the same code systemd uses
// for EnvironmentFile= (load_env_file) and prints the result.
const systemdGenerator = "/usr/lib/systemd/user-environment-generators/30-systemd-environment-d-generator"

// readWithSystemd returns the variables systemd would load from file.
func readWithSystemd(t *testing.T, file string) map[string]string {
	t.Helper()
	if _, err := os.Stat(systemdGenerator); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("systemd is not installed (%s missing): cannot check the file as an EnvironmentFile", systemdGenerator)
		}
		t.Skipf("systemd is not installed (%s missing): cannot check the file as an EnvironmentFile", systemdGenerator)
	}
	dir := t.TempDir()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "environment.d"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "environment.d", "50-embodied.conf"), data, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(systemdGenerator)
	cmd.Env = []string{"XDG_CONFIG_HOME=" + dir}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("systemd environment parser: %v", err)
	}
	got := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		k, v, _ := strings.Cut(line, "=")
		if strings.HasPrefix(v, `"`) {
			if v, err = strconv.Unquote(v); err != nil {
				t.Fatalf("unquote %s: %v", line, err)
			}
		}
		got[k] = v
	}
	delete(got, "QT_ACCESSIBILITY") // added by the generator itself
	return got
}

func TestPresets(t *testing.T) {
	root := filepath.Join("..", "..")
	tests := []struct {
		file                    string
		env                     Environment
		health, backup, enforce bool
		sslmode                 string // of the database connection
	}{
		{".env.example", EnvDev, false, false, false, "prefer"},
		{"deploy/env/dev.env", EnvDev, false, false, false, "prefer"},
		{"deploy/env/staging.env", EnvStaging, true, true, false, "prefer"},
		// Production verifies the database server's certificate.
		{"deploy/env/prod.env", EnvProduction, true, true, true, "verify-full"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			file := filepath.Join(root, tt.file)
			bot, err := godotenv.Read(file)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(bot, readWithSystemd(t, file)); diff != "" {
				t.Errorf("the bot's reader and systemd read the file differently (-bot +systemd):\n%s", diff)
			}

			clearEnv(t)
			if err := LoadDotEnv(file); err != nil {
				t.Fatal(err)
			}
			_, err = Load(true)
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("a preset with placeholders must not validate, got %v", err)
			}
			wantProblems := []Problem{
				{"ADMIN_USER_ID", `still holds the placeholder "YOUR_DISCORD_ID": fill in your Discord user id`},
				{"DB_PASSWORD", "still holds a placeholder: fill in the real value"},
				{"DISCORD_TOKEN", "still holds a placeholder: fill in the real value"},
			}
			if diff := cmp.Diff(wantProblems, ve.Problems); diff != "" {
				t.Errorf("problems mismatch (-want +got):\n%s", diff)
			}

			// Filled in, the preset gives the rollout matrix's flags.
			t.Setenv("ADMIN_USER_ID", "123456789012345678")
			t.Setenv("DB_PASSWORD", "s3cret")
			t.Setenv("DISCORD_TOKEN", "token")
			c, err := Load(true)
			if err != nil {
				t.Fatal(err)
			}
			u, err := url.Parse(c.DatabaseURL)
			if err != nil {
				t.Fatal(err)
			}
			got := []any{c.Env, c.EnableHealthchecks, c.EnableAutobackup, c.EnforceModeration, c.BackupCron, c.HealthcheckInterval.Minutes(), u.Query().Get("sslmode")}
			want := []any{tt.env, tt.health, tt.backup, tt.enforce, "0 3 * * *", 5.0, tt.sslmode}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("flags mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRealEnvironmentWinsOverDotEnv(t *testing.T) {
	clearEnv(t)
	t.Setenv("SECOPS_ENFORCE_MODERATION", "false") // the seed's rollback scenario B
	t.Setenv("ADMIN_USER_ID", "123456789012345678")
	t.Setenv("DB_PASSWORD", "s3cret")
	t.Setenv("DISCORD_TOKEN", "token")
	if err := LoadDotEnv(filepath.Join("..", "..", "deploy", "env", "prod.env")); err != nil {
		t.Fatal(err)
	}
	c, err := Load(true)
	if err != nil {
		t.Fatal(err)
	}
	if c.EnforceModeration || !c.EnableHealthchecks {
		t.Errorf("enforce = %v, healthchecks = %v: want the real environment's false and the file's true", c.EnforceModeration, c.EnableHealthchecks)
	}
}
