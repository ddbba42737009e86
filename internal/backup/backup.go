// Package backup makes, lists, verifies, restores and prunes the bot's
// database backups. One Engine serves the /security backup command, the
// cron job (Scheduler) and the `embodied backup` CLI.
//
// A backup is pg_dump's plain SQL streamed through an in-process parallel
// gzip writer into a temporary file that is fsync'd and renamed, so a file
// with a final name (backup-2025-10-07T14-30-15.sql.gz) is always complete.
// A manifest beside it (backup-….sql.gz.manifest.json) records the SHA-256,
// sizes, versions and the row count of every table, counted in the very
// snapshot pg_dump dumps (read from the COPY sections as they stream by).
// A PostgreSQL advisory lock makes sure that with
// several bot processes on one database exactly one backup runs at a time.
//
// Sizes follow the seed's convention: 1 MB is 1024*1024 bytes, as in its
// `(size / 1024 / 1024).toFixed(2) + ' MB'`, and the warning (100 MB) and
// critical (500 MB) thresholds use the same unit. A Reporter handles a
// finished backup (metrics, audit record, owner alerts) for every surface.
//
// The package runs its own SQL, the store's one exception besides the
// schema package: every statement runs on a connection the engine opens
// itself (MIGRATION_DATABASE_URL: the schema owner, or the application
// role when only DATABASE_URL is set), not on the bot's
// pool, and belongs to the dump or the restore rather than to the bot's
// data. The session advisory lock must be held on the very connection whose
// snapshot transaction pg_dump imports (pg_export_snapshot); the row counts
// and the audit chain head are read inside that snapshot so they match
// what pg_dump writes; and CREATE/DROP DATABASE, the scratch database's
// size and row counts of a restore act on other databases than the bot's.
// Moving them into the store would split one snapshot across two packages
// or give the store a second role and connection kind.
package backup

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/embodied-community/embodied/internal/audit"
	"github.com/embodied-community/embodied/internal/config"
	"github.com/embodied-community/embodied/internal/logging"
)

// StartingMessage is the seed's first reply to /security backup.
const StartingMessage = "Starting database backup..."

// MB is the seed's megabyte: sizes are shown as size/MB with two decimals.
const MB = 1024 * 1024

// Size thresholds from the seed: above WarnSize a backup warns, above
// CriticalSize it is critical.
const (
	WarnSize     = 100 * MB
	CriticalSize = 500 * MB
)

// Size levels returned by SizeLevel.
const (
	LevelOK       = "ok"
	LevelWarning  = "warning"
	LevelCritical = "critical"
)

// Triggers say who asked for a backup; they are recorded in the manifest.
const (
	TriggerManual    = "manual"
	TriggerScheduled = "scheduled"
	TriggerCLI       = "cli"
)

// Defaults used when Options leaves a field zero.
const (
	DefaultKeepNewest = 3
	timeLayout        = "2006-01-02T15-04-05"
	fileExt           = ".sql.gz"
	manifestExt       = ".manifest.json"
	tempPrefix        = ".tmp-"
)

// ErrRunning matches (with errors.Is) the *RunningError returned when a
// backup is requested while another one runs, in this process or another.
var ErrRunning = errors.New("a backup is already running")

// ErrDiskFull matches errors caused by the backup directory running out of
// space (or hitting a file-size or quota limit).
var ErrDiskFull = errors.New("disk full")

// RunningError reports that another backup holds the lock. Its message is
// the one the slash command shows verbatim.
type RunningError struct {
	// Started is when the running backup began; zero when unknown.
	Started time.Time
}

// Error returns "A backup is already running (started <time>)".
func (e *RunningError) Error() string {
	started := "at an unknown time"
	if !e.Started.IsZero() {
		started = e.Started.UTC().Format("2006-01-02 15:04:05 UTC")
	}
	return fmt.Sprintf("A backup is already running (started %s)", started)
}

// Is makes errors.Is(err, ErrRunning) true.
func (e *RunningError) Is(target error) bool { return target == ErrRunning }

// Options configures an Engine.
type Options struct {
	// Dir holds the backups (created 0700 when missing).
	Dir string
	// Retention is how old a backup may get before Prune deletes it; zero
	// disables pruning.
	Retention time.Duration
	// KeepNewest backups are never pruned, whatever their age (default 3).
	KeepNewest int
	// DatabaseURL is the postgres:// URL of the database to back up. Use the
	// schema owner (MIGRATION_DATABASE_URL): the application role cannot
	// read every table. A password in the URL is moved out of it.
	DatabaseURL string
	// Password is the database password; it reaches pg_dump only through
	// its environment (PGPASSWORD), never its argv.
	Password config.Secret
	// AdminURL and AdminPassword connect as a role with CREATEDB (the
	// schema owner) for restore drills and restores. Default: DatabaseURL.
	AdminURL      string
	AdminPassword config.Secret
	// PgDumpPath and PsqlPath name the client programs (default: looked up
	// on PATH). They must not be older than the server's major version.
	PgDumpPath string
	PsqlPath   string
	// CountInSnapshot also counts every table's rows with SQL in the
	// snapshot pg_dump dumps and fails the backup when a count differs from
	// the rows in the dump. The manifest's counts always come from the dump
	// itself; this cross-check costs a second scan of every table.
	CountInSnapshot bool
	// Now returns the current time (default time.Now); tests forge it.
	Now func() time.Time
}

// Engine makes and manages backups. It is safe for concurrent use; at most
// one backup runs at a time across every process sharing the database.
type Engine struct {
	dir             string
	retention       time.Duration
	keepNewest      int
	db              conn
	admin           conn
	pgDump          string
	psql            string
	now             func() time.Time
	countInSnapshot bool
	logger          *slog.Logger

	mu        sync.Mutex
	running   time.Time          // start of the backup running in this process
	cancel    context.CancelFunc // ends it
	cancelled bool               // Cancel was called: no more backups
	status    Status
}

// Status is the engine's recent history, for the health checks.
type Status struct {
	// Running is set while a backup runs in this process, since RunningSince.
	Running      bool
	RunningSince time.Time
	// LastSuccess is the last completed backup; LastSuccessAt is zero when
	// none completed since the process started.
	LastSuccess   Result
	LastSuccessAt time.Time
	// LastError is the last failure (nil when the last run succeeded).
	LastError   error
	LastErrorAt time.Time
}

// New returns an Engine for opts. It checks the options but does not
// connect; the first Run does.
func New(opts Options, logger *slog.Logger) (*Engine, error) {
	if opts.Dir == "" {
		return nil, errors.New("backup: no backup directory configured")
	}
	db, err := parseConn(opts.DatabaseURL, opts.Password.Reveal())
	if err != nil {
		return nil, fmt.Errorf("backup: database URL: %w", err)
	}
	admin := db
	if opts.AdminURL != "" {
		if admin, err = parseConn(opts.AdminURL, opts.AdminPassword.Reveal()); err != nil {
			return nil, fmt.Errorf("backup: admin URL: %w", err)
		}
	}
	if opts.KeepNewest <= 0 {
		opts.KeepNewest = DefaultKeepNewest
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Engine{
		dir:             opts.Dir,
		retention:       opts.Retention,
		keepNewest:      opts.KeepNewest,
		db:              db,
		admin:           admin,
		pgDump:          program(opts.PgDumpPath, "pg_dump"),
		psql:            program(opts.PsqlPath, "psql"),
		now:             opts.Now,
		countInSnapshot: opts.CountInSnapshot,
		logger:          logging.Component(logger, "Backup"),
	}, nil
}

func program(path, name string) string {
	if path != "" {
		return path
	}
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	return name
}

// Dir returns the backup directory.
func (e *Engine) Dir() string { return e.dir }

// Status returns the engine's recent history.
func (e *Engine) Status() Status {
	e.mu.Lock()
	defer e.mu.Unlock()
	s := e.status
	s.Running, s.RunningSince = !e.running.IsZero(), e.running
	return s
}

// conn is a parsed connection: the URL without its password, the password,
// and the database name.
type conn struct {
	url      string
	password string
	dbname   string
}

// parseConn splits the password out of a postgres:// URL: from its user
// part (postgres://user:pw@host/db) and from a password query parameter
// (?password=pw). An explicit password wins over the URL's.
func parseConn(raw, password string) (conn, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return conn{}, errors.New("not a postgres:// URL")
	}
	if u.User != nil {
		if pw, ok := u.User.Password(); ok {
			if password == "" {
				password = pw
			}
			u.User = url.User(u.User.Username())
		}
	}
	if u.RawQuery != "" {
		q, err := url.ParseQuery(u.RawQuery)
		if err != nil {
			return conn{}, errors.New("the URL's query is malformed")
		}
		// libpq knows only "password"; other spellings go too, to be safe.
		if password == "" {
			password = q.Get("password")
		}
		stripped := false
		for k, vs := range q {
			if strings.EqualFold(k, "password") {
				if password == "" && len(vs) > 0 {
					password = vs[0]
				}
				delete(q, k)
				stripped = true
			}
		}
		if stripped {
			u.RawQuery = q.Encode()
		}
	}
	name := strings.TrimPrefix(u.Path, "/")
	if name == "" {
		return conn{}, errors.New("the URL names no database")
	}
	return conn{url: u.String(), password: password, dbname: name}, nil
}

// withDatabase returns c pointing at database name.
func (c conn) withDatabase(name string) conn {
	u, _ := url.Parse(c.url)
	u.Path = "/" + name
	c.url, c.dbname = u.String(), name
	return c
}

// appName is the application_name pg_dump and psql connect with (unless
// the URL sets one), so pg_stat_activity shows who they are.
const appName = "embodied-backup"

// childEnv is the environment of pg_dump and psql. They get only what they
// need: PATH, HOME, the locale and time zone, the temporary directory and
// the libpq settings (PG*) of ours, never any other variable — the bot's
// environment holds DISCORD_TOKEN, DB_PASSWORD and other secrets. Inherited
// libpq password settings (PGPASSWORD, PGPASSFILE) are dropped too; the
// connection's own password travels as PGPASSWORD.
func (c conn) childEnv() []string {
	return childEnv(os.Environ(), c.password)
}

func childEnv(parent []string, password string) []string {
	var env []string
	hasApp := false
	for _, kv := range parent {
		k, _, ok := strings.Cut(kv, "=")
		if !ok || !childVar(k) {
			continue
		}
		hasApp = hasApp || k == "PGAPPNAME"
		env = append(env, kv)
	}
	if !hasApp {
		env = append(env, "PGAPPNAME="+appName)
	}
	if password != "" {
		env = append(env, "PGPASSWORD="+password)
	}
	return env
}

// childVar reports whether the environment variable k reaches pg_dump and
// psql.
func childVar(k string) bool {
	switch k {
	case "PATH", "HOME", "LANG", "LANGUAGE", "TZ", "TMPDIR":
		return true
	case "PGPASSWORD", "PGPASSFILE":
		return false
	}
	return strings.HasPrefix(k, "LC_") || strings.HasPrefix(k, "PG")
}

// Request asks for one backup.
type Request struct {
	// Label, when set, makes a labelled backup (backup-LABEL-<time>.sql.gz)
	// that retention never deletes. Letters, digits, '.', '_' and '-'.
	Label string
	// Trigger is TriggerManual, TriggerScheduled or TriggerCLI.
	Trigger string
	// Progress, when set, is called with the compressed bytes written so
	// far, at most about once a second and once at the end, from the
	// goroutine writing the file: it must return quickly (a slash command
	// hands the number to its own rate-limited reply editor).
	Progress func(bytesWritten int64)
}

// Result describes a completed backup.
type Result struct {
	File          string           `json:"file"` // base name
	Path          string           `json:"-"`
	Label         string           `json:"label,omitempty"`
	Trigger       string           `json:"trigger"`
	Database      string           `json:"database"`
	Started       time.Time        `json:"started"`
	Duration      time.Duration    `json:"durationNs"`
	Size          int64            `json:"size"`    // bytes in the .sql.gz file
	RawSize       int64            `json:"rawSize"` // bytes of SQL
	SHA256        string           `json:"sha256"`  // hex, of the .sql.gz file
	ServerVersion string           `json:"serverVersion"`
	PgDumpVersion string           `json:"pgDumpVersion"`
	Tables        map[string]int64 `json:"tables"` // schema.table → rows
	Pruned        []string         `json:"-"`      // files retention deleted after this backup
	// AuditHead is the audit chain's head in the dumped snapshot, an anchor
	// for `embodied audit verify --anchor`; nil before migration 011 or
	// while the chain is empty.
	AuditHead *audit.Anchor `json:"auditHead,omitempty"`
}

// Summary is the seed's final reply, e.g.
// "Backup completed!\nFile: backup-2025-10-07T14-30-15.sql.gz\nSize: 2.34 MB".
func (r Result) Summary() string {
	return fmt.Sprintf("Backup completed!\nFile: %s\nSize: %s", r.File, FormatSize(r.Size))
}

// FormatSize renders n bytes as the seed does: megabytes (1024*1024 bytes)
// with two decimals, e.g. "2.34 MB".
func FormatSize(n int64) string {
	return fmt.Sprintf("%.2f MB", float64(n)/MB)
}

// SizeLevel classifies a backup size with the seed's thresholds: "ok",
// "warning" over 100 MB, "critical" over 500 MB.
func SizeLevel(size int64) string {
	switch {
	case size > CriticalSize:
		return LevelCritical
	case size > WarnSize:
		return LevelWarning
	default:
		return LevelOK
	}
}

var labelRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// ValidLabel reports whether label may name a backup.
func ValidLabel(label string) bool { return labelRE.MatchString(label) }

// FileName returns the backup file name for a label (may be empty) and time,
// in UTC: backup-2025-10-07T14-30-15.sql.gz or
// backup-pre-phase11-prod-2025-10-07T14-30-15.sql.gz.
func FileName(label string, t time.Time) string {
	ts := t.UTC().Format(timeLayout)
	if label == "" {
		return "backup-" + ts + fileExt
	}
	return "backup-" + label + "-" + ts + fileExt
}

var nameRE = regexp.MustCompile(`^backup-(?:([A-Za-z0-9][A-Za-z0-9._-]{0,63})-)?(\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2})\.sql\.gz$`)

// ParseFileName reports whether name is one of our backup file names and
// returns its label and time.
func ParseFileName(name string) (label string, t time.Time, ok bool) {
	m := nameRE.FindStringSubmatch(name)
	if m == nil {
		return "", time.Time{}, false
	}
	t, err := time.ParseInLocation(timeLayout, m[2], time.UTC)
	if err != nil {
		return "", time.Time{}, false
	}
	return m[1], t, true
}

// ManifestName returns the manifest file name of a backup file.
func ManifestName(file string) string { return file + manifestExt }

// OptionsFromConfig returns the engine options for the bot's configuration.
// Backups connect as MIGRATION_DATABASE_URL, which defaults to DATABASE_URL:
// the schema owner when the operator gives it (it has the CREATEDB right
// restore drills and restores need), else the application role, which
// reads every table, sequence and row (migration 096, `migrate verify`), so
// that a bot given only its own login still makes complete backups.
func OptionsFromConfig(cfg *config.Config) Options {
	return Options{
		Dir:           cfg.BackupDir,
		Retention:     cfg.BackupRetention,
		DatabaseURL:   cfg.MigrationURL,
		Password:      cfg.MigrationPassword,
		AdminURL:      cfg.MigrationURL,
		AdminPassword: cfg.MigrationPassword,
	}
}
