// Package doctor is the preflight before each rollout step: it checks the
// configuration against APP_ENV, the database, the migrations, pg_dump, the
// backup directory, the Discord token and, in every guild, the permissions
// and role position that timeouts and bans need and the bot's permissions in
// its mod-log channel. With Enforcement it is the gate before
// SECOPS_ENFORCE_MODERATION=true: the safe-mode soak, the last smoke run,
// warning DM delivery, the dry-run record and the appeal process, plus the
// list of what only a person can confirm.
package doctor

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/embodied-community/embodied/internal/config"
	"github.com/embodied-community/embodied/internal/store"
)

// Status is a check's verdict.
type Status int

// The verdicts, mildest first.
const (
	Pass Status = iota
	Warn
	Fail
)

func (s Status) String() string { return [...]string{"PASS", "WARN", "FAIL"}[s] }

// Result is one check: what was found and, unless it passed, the fix.
type Result struct {
	Status Status
	Check  string
	Detail string
	Fix    string
}

// Report is a doctor run.
type Report struct {
	Results []Result
	// Human lists what no program can check, for a person to confirm.
	Human []string
}

// Failed reports whether any check failed.
func (r *Report) Failed() bool {
	for _, x := range r.Results {
		if x.Status == Fail {
			return true
		}
	}
	return false
}

// Print writes one line per check with its fix, and the human checklist.
func (r *Report) Print(w io.Writer) {
	n := map[Status]int{}
	for _, x := range r.Results {
		n[x.Status]++
		fmt.Fprintf(w, "%s  %s: %s\n", x.Status, x.Check, x.Detail)
		if x.Status != Pass && x.Fix != "" {
			fmt.Fprintf(w, "      fix: %s\n", x.Fix)
		}
	}
	if len(r.Human) > 0 {
		fmt.Fprintln(w, "\nTo confirm by a person (no program can check these):")
		for _, h := range r.Human {
			fmt.Fprintf(w, "  [ ] %s\n", h)
		}
	}
	fmt.Fprintf(w, "\n%d passed, %d warnings, %d failed\n", n[Pass], n[Warn], n[Fail])
}

func (r *Report) add(s Status, check, detail, fix string) {
	r.Results = append(r.Results, Result{Status: s, Check: check, Detail: detail, Fix: fix})
}

// Options configures a run.
type Options struct {
	// Config is the configuration to check; ConfigErr is why loading it
	// with the token required failed (nil when it did not).
	Config    *config.Config
	ConfigErr error
	// Enforcement adds the gate before SECOPS_ENFORCE_MODERATION=true.
	Enforcement bool
	// Readme is the file that must document the appeal process.
	Readme string
	// PgDump is the pg_dump binary (default "pg_dump" on PATH).
	PgDump string
	// SkipDiscord leaves out the token and guild checks.
	SkipDiscord bool
	Logger      *slog.Logger
	Now         func() time.Time
}

// Run runs every check and returns the report.
func Run(ctx context.Context, o Options) *Report {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.PgDump == "" {
		o.PgDump = "pg_dump"
	}
	if o.Readme == "" {
		o.Readme = "README.md"
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	r := &Report{}
	checkConfig(r, o.Config, o.ConfigErr)
	if o.Config == nil {
		return r
	}
	cfg := o.Config
	checkInteractions(r, cfg)
	checkDatabaseTLS(r, cfg)
	pool := checkDatabase(ctx, r, cfg)
	var db *store.Store
	if pool != nil {
		defer pool.Close()
		db = store.New(pool)
		checkMigrations(ctx, r, pool)
		checkPgDump(ctx, r, db, o.PgDump)
		checkAutoMod(ctx, r, db)
	}
	checkBackupDir(ctx, r, cfg, db)
	checkSigningKey(ctx, r, cfg, db)
	if !o.SkipDiscord {
		var ml modLogs
		if db != nil {
			ml = db
		}
		r.Results = append(r.Results, checkDiscord(ctx, cfg, ml, o.Logger)...)
	}
	if o.Enforcement {
		checkEnforcement(ctx, r, cfg, db, o)
	}
	return r
}

// checkConfig validates the settings against the rollout guide's matrix for
// APP_ENV.
func checkConfig(r *Report, cfg *config.Config, loadErr error) {
	if loadErr != nil {
		r.add(Fail, "configuration", strings.ReplaceAll(loadErr.Error(), "\n", "\n      "),
			"set the variables named above (environment, .env or EnvironmentFile); see `embodied run --help`")
	}
	if cfg == nil {
		return
	}
	env := cfg.Env
	name := fmt.Sprintf("configuration for APP_ENV=%s", env)
	bad := 0
	if cfg.EnforceModeration && !cfg.EnableHealthchecks {
		r.add(Fail, name, "SECOPS_ENFORCE_MODERATION=true with SECOPS_ENABLE_HEALTHCHECKS=false: real timeouts and bans with nobody watching the bot's health",
			"set SECOPS_ENABLE_HEALTHCHECKS=true (or SECOPS_ENFORCE_MODERATION=false)")
		bad++
	}
	if env == config.EnvProduction {
		if !cfg.EnableHealthchecks {
			r.add(Fail, name, "health checks are off in production", "set SECOPS_ENABLE_HEALTHCHECKS=true")
			bad++
		}
		if !cfg.EnableAutobackup {
			r.add(Fail, name, "daily backups are off in production", "set SECOPS_ENABLE_AUTOBACKUP=true")
			bad++
		}
		if cfg.DiscordAPIURL != "https://discord.com" {
			r.add(Warn, name, "DISCORD_API_URL is "+cfg.DiscordAPIURL+", not Discord", "unset DISCORD_API_URL in production")
			bad++
		}
	}
	if env == config.EnvStaging {
		if cfg.EnforceModeration {
			r.add(Warn, name, "enforcement is on in staging; the guide keeps staging in safe mode", "set SECOPS_ENFORCE_MODERATION=false in staging")
			bad++
		}
		if !cfg.EnableHealthchecks || !cfg.EnableAutobackup {
			r.add(Warn, name, "the staging soak needs health checks and backups on", "set SECOPS_ENABLE_HEALTHCHECKS=true and SECOPS_ENABLE_AUTOBACKUP=true")
			bad++
		}
	}
	if env == config.EnvDev && cfg.EnforceModeration {
		r.add(Warn, name, "enforcement is on in dev: warnings bring real timeouts and bans", "set SECOPS_ENFORCE_MODERATION=false in dev")
		bad++
	}
	if bad == 0 {
		mode := "safe mode (warnings only)"
		if cfg.EnforceModeration {
			mode = "ENFORCEMENT ON (run `embodied doctor --enforcement` first)"
		}
		r.add(Pass, name, fmt.Sprintf("health checks %v, auto-backup %v, %s", cfg.EnableHealthchecks, cfg.EnableAutobackup, mode), "")
	}
}

func checkDatabase(ctx context.Context, r *Report, cfg *config.Config) *pgxpool.Pool {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	pool, err := store.Open(ctx, cfg.DatabaseURL, cfg.DBPassword.Reveal())
	if err == nil {
		err = pool.Ping(ctx)
	}
	if err != nil {
		if pool != nil {
			pool.Close()
		}
		r.add(Fail, "database reachable", err.Error(), "check DATABASE_URL (or DB_HOST, DB_PORT, DB_NAME, DB_USER, DB_PASSWORD) and that PostgreSQL is running")
		return nil
	}
	version, _ := store.New(pool).ServerVersion(ctx)
	r.add(Pass, "database reachable", "PostgreSQL "+version, "")
	return pool
}
