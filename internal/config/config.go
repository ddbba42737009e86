// Package config loads the bot's configuration from the environment (and an
// optional .env file), validates every variable at once and keeps secrets out
// of anything that gets printed.
package config

import (
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/joho/godotenv"
	"github.com/kelseyhightower/envconfig"
	"github.com/robfig/cron/v3"
)

// Environment names a rollout stage of the seed's matrix.
type Environment string

// The rollout stages.
const (
	EnvDev        Environment = "dev"
	EnvStaging    Environment = "staging"
	EnvProduction Environment = "production"
)

// Secret holds a credential. Its String, GoString and slog LogValue forms are
// redacted, so a Secret printed by accident never leaks.
type Secret string

// Redacted is what a non-empty Secret prints as.
const Redacted = "[redacted]"

// String returns a redacted form.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return Redacted
}

// GoString returns a redacted form for %#v.
func (s Secret) GoString() string { return strconv.Quote(s.String()) }

// LogValue keeps the secret out of slog output.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// Reveal returns the secret itself, for the one place that needs it.
func (s Secret) Reveal() string { return string(s) }

// raw mirrors the environment as text; envconfig maps names and defaults, and
// parse turns it into Config while collecting every problem.
type raw struct {
	AppEnv string `envconfig:"APP_ENV" default:"dev"`

	EnableHealthchecks  string `envconfig:"SECOPS_ENABLE_HEALTHCHECKS" default:"false"`
	HealthcheckInterval string `envconfig:"SECOPS_HEALTHCHECK_INTERVAL_MIN" default:"5"`
	HealthcheckOverride string `envconfig:"SECOPS_HEALTHCHECK_INTERVAL"`
	EnableAutobackup    string `envconfig:"SECOPS_ENABLE_AUTOBACKUP" default:"false"`
	BackupCron          string `envconfig:"SECOPS_BACKUP_CRON" default:"0 3 * * *"`
	BackupDir           string `envconfig:"SECOPS_BACKUP_DIR" default:"backups"`
	BackupRetentionDays string `envconfig:"SECOPS_BACKUP_RETENTION_DAYS" default:"30"`
	EnforceModeration   string `envconfig:"SECOPS_ENFORCE_MODERATION" default:"false"`
	ModerateMessages    string `envconfig:"SECOPS_MODERATE_MESSAGES" default:"false"`
	RaidDetection       string `envconfig:"SECOPS_RAID_DETECTION" default:"false"`
	RateLimitStore      string `envconfig:"SECOPS_RATE_LIMIT_STORE" default:"memory"`
	StrikeWindowDays    string `envconfig:"SECOPS_STRIKE_WINDOW_DAYS" default:"30"`
	StrikeTimeoutHours  string `envconfig:"SECOPS_STRIKE_TIMEOUT_HOURS" default:"24"`
	StrikeLadder        string `envconfig:"SECOPS_STRIKE_LADDER" default:"warning,timeout,ban"`
	HTTPAddr            string `envconfig:"SECOPS_HTTP_ADDR" default:"127.0.0.1:9090"`
	InteractionsAddr    string `envconfig:"SECOPS_INTERACTIONS_ADDR"`
	Gateway             string `envconfig:"SECOPS_GATEWAY" default:"true"`
	ShutdownTimeout     string `envconfig:"SECOPS_SHUTDOWN_TIMEOUT" default:"10s"`
	AuditFallbackFile   string `envconfig:"SECOPS_AUDIT_FALLBACK_FILE" default:"logs/audit-fallback.jsonl"`
	ExportDir           string `envconfig:"SECOPS_EXPORT_DIR" default:"exports"`
	ExportRetentionDays string `envconfig:"SECOPS_EXPORT_RETENTION_DAYS" default:"7"`
	AlertChannelID      string `envconfig:"SECOPS_ALERT_CHANNEL_ID"`
	FlaggedThreshold    string `envconfig:"SECOPS_FLAGGED_USER_THRESHOLD" default:"5"`

	AdminUserID string `envconfig:"ADMIN_USER_ID"`

	DBHost         string `envconfig:"DB_HOST" default:"localhost"`
	DBPort         string `envconfig:"DB_PORT" default:"5432"`
	DBName         string `envconfig:"DB_NAME" default:"embodied_dating_bot_dev"`
	DBUser         string `envconfig:"DB_USER" default:"botuser"`
	DBPassword     string `envconfig:"DB_PASSWORD" default:"dev_password"`
	DBPasswordFile string `envconfig:"DB_PASSWORD_FILE"`
	DBSSLMode      string `envconfig:"DB_SSLMODE" default:"prefer"`
	DatabaseURL    string `envconfig:"DATABASE_URL"`
	MigrationURL   string `envconfig:"MIGRATION_DATABASE_URL"`

	DiscordToken        string `envconfig:"DISCORD_TOKEN"`
	DiscordTokenFile    string `envconfig:"DISCORD_TOKEN_FILE"`
	DiscordAPIURL       string `envconfig:"DISCORD_API_URL" default:"https://discord.com"`
	DiscordPublicKey    string `envconfig:"DISCORD_PUBLIC_KEY"`
	DiscordGuildID      string `envconfig:"DISCORD_GUILD_ID"`
	ShardID             string `envconfig:"DISCORD_SHARD_ID"`
	ShardCount          string `envconfig:"DISCORD_SHARD_COUNT" default:"1"`
	HideAdminCommands   string `envconfig:"DISCORD_HIDE_ADMIN_COMMANDS" default:"false"`
	ComponentSigningKey string `envconfig:"COMPONENT_SIGNING_KEY"`
	ComponentKeyFile    string `envconfig:"COMPONENT_SIGNING_KEY_FILE" default:"keys/component-signing.key"`

	LogLevel      string `envconfig:"LOG_LEVEL" default:"info"`
	LogFormat     string `envconfig:"LOG_FORMAT" default:"text"`
	LogFile       string `envconfig:"LOG_FILE"`
	LogMaxSizeMB  string `envconfig:"LOG_MAX_SIZE_MB" default:"50"`
	LogMaxBackups string `envconfig:"LOG_MAX_BACKUPS" default:"5"`
}

// Config is the validated configuration. It is passed to constructors; there
// is no global copy.
type Config struct {
	Env Environment

	EnableHealthchecks  bool
	HealthcheckInterval time.Duration // from SECOPS_HEALTHCHECK_INTERVAL_MIN, or the SECOPS_HEALTHCHECK_INTERVAL override
	EnableAutobackup    bool
	BackupCron          string
	BackupDir           string
	BackupRetention     time.Duration
	EnforceModeration   bool
	ModerateMessages    bool          // check channel messages (asks Discord for the Message Content intent)
	RaidDetection       bool          // watch joins for raids (asks Discord for the Server Members intent)
	RateLimitStore      string        // "memory" (per process) or "postgres" (shared by every process on the database)
	StrikeWindow        time.Duration // how long a strike stays active
	StrikeTimeout       time.Duration // how long a timeout rung lasts
	StrikeLadder        []Rung        // action per active strike count, from e.g. "warning,timeout,ban"
	HTTPAddr            string
	// InteractionsAddr is the listen address of the HTTP interactions
	// endpoint (Discord's Interactions Endpoint URL); "" leaves it off.
	InteractionsAddr string
	// HTTPOnly (SECOPS_GATEWAY=false) makes an HTTP-mode instance: no
	// gateway connection, interactions over HTTP and REST only. The zero
	// value connects to the gateway.
	HTTPOnly          bool
	ShutdownTimeout   time.Duration
	AuditFallbackFile string
	// ExportDir is the private directory of GDPR exports; ExportRetention
	// how long an export too large to attach is kept there.
	ExportDir       string
	ExportRetention time.Duration
	// AlertChannelID is an optional channel for operator alerts, besides
	// the owners' DMs.
	AlertChannelID string
	// FlaggedThreshold: more rate-limit violations than this in 24 hours
	// make a "flagged user" (/security violations, the health alert).
	FlaggedThreshold int

	// Owners are the bot owners from ADMIN_USER_ID (Discord user ids).
	Owners []string

	// DatabaseURL is the application role's connection string without its
	// password; DBPassword carries the password separately.
	DatabaseURL string
	DBPassword  Secret
	// MigrationURL connects as the schema owner for migrations; it defaults
	// to DatabaseURL.
	MigrationURL      string
	MigrationPassword Secret

	DiscordToken  Secret
	DiscordAPIURL string
	// DiscordPublicKey is the application's Ed25519 public key, which
	// verifies the requests to the interactions endpoint. It is public.
	DiscordPublicKey ed25519.PublicKey
	DiscordGuildID   string
	// ShardID and ShardCount are the one gateway shard this process runs
	// (DISCORD_SHARD_ID of DISCORD_SHARD_COUNT). With ShardAuto the count
	// comes from GET /gateway/bot and the process runs every shard.
	ShardID             int
	ShardCount          int
	ShardAuto           bool
	HideAdminCommands   bool
	ComponentSigningKey Secret
	// ComponentSigningKeyFile holds the signing key when
	// COMPONENT_SIGNING_KEY is not set: created with mode 0600 on first
	// start, never copied into the database (whose backups leave the
	// machine). Replacing it rotates the key.
	ComponentSigningKeyFile string

	LogLevel      string
	LogFormat     string
	LogFile       string
	LogMaxSizeMB  int
	LogMaxBackups int
}

// Rung is what one step of the strike ladder does besides recording the
// warning: the first rung applies at one active strike, the second at two,
// and past the top the top rung applies again.
type Rung string

// Rungs.
const (
	RungWarning Rung = "warning"
	RungTimeout Rung = "timeout"
	RungBan     Rung = "ban"
)

// ParseLadder reads a strike ladder such as "warning,timeout,ban"; spaces
// and case do not matter.
func ParseLadder(s string) ([]Rung, error) {
	var ladder []Rung
	for _, f := range strings.Split(strings.ToLower(strings.ReplaceAll(s, " ", "")), ",") {
		switch rung := Rung(f); rung {
		case RungWarning, RungTimeout, RungBan:
			ladder = append(ladder, rung)
		default:
			return nil, fmt.Errorf("%q is not a list of warning, timeout and ban (e.g. warning,timeout,ban)", s)
		}
	}
	return ladder, nil
}

// Problem is one invalid variable and what is wrong with its value.
type Problem struct {
	Var     string
	Message string
}

// ValidationError lists every problem found, so an operator fixes them all in
// one go.
type ValidationError struct {
	Problems []Problem
}

// Error renders one problem per line.
func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString("invalid configuration:")
	for _, p := range e.Problems {
		fmt.Fprintf(&b, "\n  %s: %s", p.Var, p.Message)
	}
	return b.String()
}

// LoadDotEnv reads path (typically ".env") into the process environment
// without overriding variables that are already set. A missing file is fine.
func LoadDotEnv(path string) error {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err := godotenv.Load(path); err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	return nil
}

// Load reads the environment and validates it. needToken says whether a
// Discord token is required (it is for running the bot, not for migrations).
// On invalid input it returns a *ValidationError naming every bad variable.
func Load(needToken bool) (*Config, error) {
	var r raw
	if err := envconfig.Process("", &r); err != nil {
		return nil, fmt.Errorf("read environment: %w", err)
	}
	return r.parse(needToken)
}

// Usage lists the variables the bot reads, for --help.
func Usage() string {
	var b strings.Builder
	_ = envconfig.Usagef("", &raw{}, &b, "  {{range .}}{{usage_key .}}\t{{usage_default .}}\n{{end}}")
	return b.String()
}

type parser struct {
	problems []Problem
}

func (p *parser) add(name, format string, args ...any) {
	p.problems = append(p.problems, Problem{Var: name, Message: fmt.Sprintf(format, args...)})
}

// placeholder reports whether v is a template value from the rollout presets.
func placeholder(v string) bool {
	u := strings.ToUpper(v)
	return strings.HasPrefix(u, "YOUR_") || strings.HasPrefix(u, "CHANGE_ME") ||
		(strings.HasPrefix(v, "<") && strings.HasSuffix(v, ">"))
}

func (p *parser) text(name, v string) string {
	if placeholder(v) {
		p.add(name, "still holds the placeholder %q: fill in the real value", v)
	}
	return v
}

func (p *parser) boolean(name, v string) bool {
	b, err := strconv.ParseBool(strings.TrimSpace(v))
	if err != nil {
		p.add(name, "%q is not a boolean (use true or false)", v)
	}
	return b
}

func (p *parser) integer(name, v string, min int) int {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	switch {
	case err != nil:
		p.add(name, "%q is not a whole number", v)
	case n < min:
		p.add(name, "%d is below the minimum of %d", n, min)
	}
	return n
}

func (p *parser) duration(name, v string) time.Duration {
	d, err := time.ParseDuration(strings.TrimSpace(v))
	switch {
	case err != nil:
		p.add(name, "%q is not a duration (e.g. 2s, 5m)", v)
	case d <= 0:
		p.add(name, "%s must be positive", v)
	}
	return d
}

// secret returns the value of name or the contents of the file named by
// name_FILE, never both.
func (p *parser) secret(name, value, file string) Secret {
	if file == "" {
		if placeholder(value) {
			p.add(name, "still holds a placeholder: fill in the real value")
		}
		return Secret(value)
	}
	if os.Getenv(name) != "" {
		p.add(name+"_FILE", "set together with %s: set only one of them", name)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		p.add(name+"_FILE", "cannot read %s: %v", file, errors.Unwrap(err))
		return ""
	}
	s := strings.TrimRight(string(data), "\r\n")
	if s == "" {
		p.add(name+"_FILE", "%s is empty", file)
	}
	return Secret(s)
}

// IsSnowflake reports whether s looks like a Discord id: a decimal uint64 of
// 17 to 20 digits.
func IsSnowflake(s string) bool {
	if len(s) < 17 || len(s) > 20 {
		return false
	}
	_, err := strconv.ParseUint(s, 10, 64)
	return err == nil
}

func (r raw) parse(needToken bool) (*Config, error) {
	p := &parser{}
	c := &Config{}

	switch env := Environment(strings.ToLower(r.AppEnv)); env {
	case EnvDev, EnvStaging, EnvProduction:
		c.Env = env
	default:
		p.add("APP_ENV", "%q is not one of dev, staging, production", r.AppEnv)
	}

	c.EnableHealthchecks = p.boolean("SECOPS_ENABLE_HEALTHCHECKS", r.EnableHealthchecks)
	c.HealthcheckInterval = time.Duration(p.integer("SECOPS_HEALTHCHECK_INTERVAL_MIN", r.HealthcheckInterval, 1)) * time.Minute
	if r.HealthcheckOverride != "" {
		c.HealthcheckInterval = p.duration("SECOPS_HEALTHCHECK_INTERVAL", r.HealthcheckOverride)
	}
	c.EnableAutobackup = p.boolean("SECOPS_ENABLE_AUTOBACKUP", r.EnableAutobackup)
	c.BackupCron = strings.TrimSpace(r.BackupCron)
	if _, err := cron.ParseStandard(c.BackupCron); err != nil {
		p.add("SECOPS_BACKUP_CRON", "%q is not a cron spec: %v (e.g. \"0 3 * * *\")", r.BackupCron, err)
	}
	c.BackupDir = r.BackupDir
	if c.BackupDir == "" {
		p.add("SECOPS_BACKUP_DIR", "must not be empty")
	}
	c.BackupRetention = time.Duration(p.integer("SECOPS_BACKUP_RETENTION_DAYS", r.BackupRetentionDays, 1)) * 24 * time.Hour
	c.EnforceModeration = p.boolean("SECOPS_ENFORCE_MODERATION", r.EnforceModeration)
	c.ModerateMessages = p.boolean("SECOPS_MODERATE_MESSAGES", r.ModerateMessages)
	c.RaidDetection = p.boolean("SECOPS_RAID_DETECTION", r.RaidDetection)
	switch c.RateLimitStore = r.RateLimitStore; c.RateLimitStore {
	case "memory", "postgres":
	default:
		p.add("SECOPS_RATE_LIMIT_STORE", "%q is neither memory nor postgres", r.RateLimitStore)
	}
	c.StrikeWindow = time.Duration(p.integer("SECOPS_STRIKE_WINDOW_DAYS", r.StrikeWindowDays, 1)) * 24 * time.Hour
	c.StrikeTimeout = time.Duration(p.integer("SECOPS_STRIKE_TIMEOUT_HOURS", r.StrikeTimeoutHours, 1)) * time.Hour
	if c.StrikeTimeout > 28*24*time.Hour {
		p.add("SECOPS_STRIKE_TIMEOUT_HOURS", "%s is above Discord's limit of 672 hours (28 days)", r.StrikeTimeoutHours)
	}
	if ladder, err := ParseLadder(r.StrikeLadder); err != nil {
		p.add("SECOPS_STRIKE_LADDER", "%v", err)
	} else {
		c.StrikeLadder = ladder
	}
	c.HTTPAddr = r.HTTPAddr
	if c.HTTPAddr != "" && c.HTTPAddr != "off" {
		if _, _, err := net.SplitHostPort(c.HTTPAddr); err != nil {
			p.add("SECOPS_HTTP_ADDR", "%q is not host:port (or off)", r.HTTPAddr)
		}
	}
	c.ShutdownTimeout = p.duration("SECOPS_SHUTDOWN_TIMEOUT", r.ShutdownTimeout)
	p.interactions(c, r)
	c.AuditFallbackFile = r.AuditFallbackFile
	c.ExportDir = r.ExportDir
	if c.ExportDir == "" {
		p.add("SECOPS_EXPORT_DIR", "must not be empty")
	}
	c.ExportRetention = time.Duration(p.integer("SECOPS_EXPORT_RETENTION_DAYS", r.ExportRetentionDays, 1)) * 24 * time.Hour
	c.AlertChannelID = r.AlertChannelID
	c.FlaggedThreshold = p.integer("SECOPS_FLAGGED_USER_THRESHOLD", r.FlaggedThreshold, 1)
	if c.AlertChannelID != "" && !IsSnowflake(c.AlertChannelID) {
		p.add("SECOPS_ALERT_CHANNEL_ID", "%q is not a Discord channel id (17 to 20 digits)", r.AlertChannelID)
	}

	c.Owners = p.owners(r.AdminUserID, needToken)

	c.DBPassword = p.secret("DB_PASSWORD", r.DBPassword, r.DBPasswordFile)
	c.DatabaseURL, c.DBPassword = p.databaseURL(r, c.DBPassword)
	c.MigrationURL, c.MigrationPassword = c.DatabaseURL, c.DBPassword
	if r.MigrationURL != "" {
		c.MigrationURL, c.MigrationPassword = p.splitURL("MIGRATION_DATABASE_URL", r.MigrationURL)
	}

	c.DiscordToken = p.secret("DISCORD_TOKEN", r.DiscordToken, r.DiscordTokenFile)
	if needToken && c.DiscordToken == "" {
		p.add("DISCORD_TOKEN", "is required to run the bot: set DISCORD_TOKEN (or DISCORD_TOKEN_FILE) to the bot token from the Discord developer portal")
	}
	c.DiscordAPIURL = strings.TrimRight(r.DiscordAPIURL, "/")
	if u, err := url.Parse(c.DiscordAPIURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		p.add("DISCORD_API_URL", "%q is not an http(s) URL", r.DiscordAPIURL)
	}
	c.DiscordGuildID = r.DiscordGuildID
	if c.DiscordGuildID != "" && !IsSnowflake(c.DiscordGuildID) {
		p.add("DISCORD_GUILD_ID", "%q is not a Discord id (17 to 20 digits)", r.DiscordGuildID)
	}
	c.ShardID, c.ShardCount, c.ShardAuto = p.shards(r.ShardID, r.ShardCount)
	c.HideAdminCommands = p.boolean("DISCORD_HIDE_ADMIN_COMMANDS", r.HideAdminCommands)
	c.ComponentSigningKey = Secret(r.ComponentSigningKey)
	if k := r.ComponentSigningKey; k != "" && len(k) < 32 {
		p.add("COMPONENT_SIGNING_KEY", "is %d characters long: use at least 32 random characters", len(k))
	}
	c.ComponentSigningKeyFile = r.ComponentKeyFile
	switch {
	case r.ComponentSigningKey != "" && os.Getenv("COMPONENT_SIGNING_KEY_FILE") != "":
		p.add("COMPONENT_SIGNING_KEY_FILE", "set together with COMPONENT_SIGNING_KEY: set only one of them")
	case r.ComponentSigningKey == "" && strings.TrimSpace(r.ComponentKeyFile) == "":
		p.add("COMPONENT_SIGNING_KEY_FILE", "must not be empty: the path of the button signing key (created on first start)")
	}

	c.LogLevel = strings.ToLower(r.LogLevel)
	if !slices.Contains([]string{"debug", "info", "warn", "error"}, c.LogLevel) {
		p.add("LOG_LEVEL", "%q is not one of debug, info, warn, error", r.LogLevel)
	}
	c.LogFormat = strings.ToLower(r.LogFormat)
	if c.LogFormat != "text" && c.LogFormat != "json" {
		p.add("LOG_FORMAT", "%q is not text or json", r.LogFormat)
	}
	c.LogFile = r.LogFile
	c.LogMaxSizeMB = p.integer("LOG_MAX_SIZE_MB", r.LogMaxSizeMB, 1)
	c.LogMaxBackups = p.integer("LOG_MAX_BACKUPS", r.LogMaxBackups, 0)

	if len(p.problems) > 0 {
		return nil, &ValidationError{Problems: p.problems}
	}
	return c, nil
}

func (p *parser) owners(v string, required bool) []string {
	v = strings.TrimSpace(v)
	if v == "" {
		if required {
			p.add("ADMIN_USER_ID", "is required: set it to your Discord user id (several owners: comma-separated)")
		}
		return nil
	}
	if placeholder(v) {
		p.add("ADMIN_USER_ID", "still holds the placeholder %q: fill in your Discord user id", v)
		return nil
	}
	var ids []string
	for _, f := range strings.Split(v, ",") {
		f = strings.TrimSpace(f)
		if !IsSnowflake(f) {
			p.add("ADMIN_USER_ID", "%q is not a Discord user id (17 to 20 digits)", f)
			continue
		}
		if !slices.Contains(ids, f) {
			ids = append(ids, f)
		}
	}
	return ids
}

// sslModes are libpq's sslmode values; only verify-ca and verify-full check
// the server's certificate.
var sslModes = []string{"disable", "allow", "prefer", "require", "verify-ca", "verify-full"}

// databaseURL builds the application connection string. DATABASE_URL wins
// over DB_*; the password is always split out of the URL.
func (p *parser) databaseURL(r raw, password Secret) (string, Secret) {
	if r.DatabaseURL != "" {
		u, pw := p.splitURL("DATABASE_URL", r.DatabaseURL)
		if pw == "" {
			pw = password
		}
		return u, pw
	}
	host := p.text("DB_HOST", r.DBHost)
	port := p.integer("DB_PORT", r.DBPort, 1)
	if port > 65535 {
		p.add("DB_PORT", "%d is not a TCP port", port)
	}
	if !slices.Contains(sslModes, r.DBSSLMode) {
		p.add("DB_SSLMODE", "%q is not one of %s (use verify-full for a database on another machine)", r.DBSSLMode, strings.Join(sslModes, ", "))
	}
	u := url.URL{
		Scheme:   "postgres",
		User:     url.User(p.text("DB_USER", r.DBUser)),
		Host:     net.JoinHostPort(host, strconv.Itoa(port)),
		Path:     "/" + p.text("DB_NAME", r.DBName),
		RawQuery: url.Values{"sslmode": {r.DBSSLMode}}.Encode(),
	}
	return u.String(), password
}

// splitURL parses a postgres URL and returns it without the password, and
// the password. Problems never quote the URL, which may hold the password.
func (p *parser) splitURL(name, v string) (string, Secret) {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		p.add(name, "is not a postgres:// URL")
		return "", ""
	}
	var pw string
	if u.User != nil {
		pw, _ = u.User.Password()
		u.User = url.User(u.User.Username())
	}
	// libpq and pgx also take the password as a query parameter.
	if q := u.Query(); q.Has("password") {
		if pw == "" {
			pw = q.Get("password")
		}
		q.Del("password")
		u.RawQuery = q.Encode()
	}
	return u.String(), Secret(pw)
}

// interactions reads the HTTP interactions settings: the endpoint's address,
// the public key it verifies with, and whether the gateway is used.
func (p *parser) interactions(c *Config, r raw) {
	c.InteractionsAddr = strings.TrimSpace(r.InteractionsAddr)
	if c.InteractionsAddr != "" {
		if _, _, err := net.SplitHostPort(c.InteractionsAddr); err != nil {
			p.add("SECOPS_INTERACTIONS_ADDR", "%q is not host:port", r.InteractionsAddr)
		}
	}
	key := strings.TrimSpace(r.DiscordPublicKey)
	switch b, err := hex.DecodeString(key); {
	case key == "" && c.InteractionsAddr != "":
		p.add("DISCORD_PUBLIC_KEY", "is required with SECOPS_INTERACTIONS_ADDR: set it to the application's public key (Developer Portal → General Information → Public Key, 64 hex digits)")
	case key == "":
	case err != nil || len(b) != ed25519.PublicKeySize:
		p.add("DISCORD_PUBLIC_KEY", "%q is not an Ed25519 public key (64 hex digits)", r.DiscordPublicKey)
	default:
		c.DiscordPublicKey = ed25519.PublicKey(b)
	}
	before := len(p.problems)
	c.HTTPOnly = !p.boolean("SECOPS_GATEWAY", r.Gateway)
	if len(p.problems) > before {
		c.HTTPOnly = false
	} else if c.HTTPOnly && c.InteractionsAddr == "" {
		p.add("SECOPS_GATEWAY", "false needs SECOPS_INTERACTIONS_ADDR: an instance without the gateway receives interactions only over HTTP")
	}
}

// Summary returns the effective settings as slog attributes for the startup
// line, secrets redacted.
func (c *Config) Summary() []any {
	return []any{
		"env", string(c.Env),
		"healthchecks", c.EnableHealthchecks,
		"healthcheckInterval", c.HealthcheckInterval.String(),
		"autobackup", c.EnableAutobackup,
		"backupCron", c.BackupCron,
		"backupDir", c.BackupDir,
		"enforceModeration", c.EnforceModeration,
		"moderateMessages", c.ModerateMessages,
		"raidDetection", c.RaidDetection,
		"rateLimitStore", c.RateLimitStore,
		"owners", strings.Join(c.Owners, ","),
		"database", withoutPassword(c.DatabaseURL),
		"dbPassword", c.DBPassword.String(),
		"discordToken", c.DiscordToken.String(),
		"discordApi", c.DiscordAPIURL,
		"guildId", c.DiscordGuildID,
		"shard", c.ShardLabel(),
		"httpAddr", c.HTTPAddr,
		"interactionsAddr", c.InteractionsAddr,
		"gateway", !c.HTTPOnly,
	}
}

// shards reads DISCORD_SHARD_ID and DISCORD_SHARD_COUNT: a count (default
// 1) with an id below it, or "auto" with no id.
func (p *parser) shards(idText, countText string) (id, count int, auto bool) {
	idText, countText = strings.TrimSpace(idText), strings.TrimSpace(countText)
	if strings.EqualFold(countText, "auto") {
		if idText != "" {
			p.add("DISCORD_SHARD_ID", "is set to %q with DISCORD_SHARD_COUNT=auto: auto runs every shard in this process, so leave DISCORD_SHARD_ID empty (or set a number of shards)", idText)
		}
		return 0, 0, true
	}
	count, err := strconv.Atoi(countText)
	if err != nil || count < 1 {
		p.add("DISCORD_SHARD_COUNT", "%q is neither a number of shards (1 or more) nor auto", countText)
		return 0, 1, false
	}
	if idText == "" {
		if count > 1 {
			p.add("DISCORD_SHARD_ID", "is required with DISCORD_SHARD_COUNT=%d: set this process's shard, 0 to %d", count, count-1)
		}
		return 0, count, false
	}
	id, err = strconv.Atoi(idText)
	switch {
	case err != nil:
		p.add("DISCORD_SHARD_ID", "%q is not a whole number", idText)
	case id < 0 || id >= count:
		p.add("DISCORD_SHARD_ID", "%d is not a shard of DISCORD_SHARD_COUNT=%d: use 0 to %d", id, count, count-1)
	}
	return id, count, false
}

// ShardLabel says which shards the process runs, for logs: "0/1", "3/8",
// or "auto".
func (c *Config) ShardLabel() string {
	if c.ShardAuto {
		return "auto"
	}
	return fmt.Sprintf("%d/%d", c.ShardID, c.ShardCount)
}

// withoutPassword strips a password from a connection URL for printing.
func withoutPassword(conn string) string {
	u, err := url.Parse(conn)
	if err != nil {
		return "(unparsable URL)"
	}
	if u.User != nil {
		u.User = url.User(u.User.Username())
	}
	if q := u.Query(); q.Has("password") {
		q.Del("password")
		u.RawQuery = q.Encode()
	}
	return u.String()
}
