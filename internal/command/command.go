// Package command declares the bot's slash commands, one file per command
// group: each declaration names its options and limits, permission level,
// rate limit, moderated text and audit action, and its handler. Handlers
// speak to the store and to domain packages; the bot package does the
// Discord plumbing.
package command

import (
	"strings"
	"time"

	"github.com/embodied-community/embodied/internal/automod"
	"github.com/embodied-community/embodied/internal/backup"
	"github.com/embodied-community/embodied/internal/guildsnap"
	"github.com/embodied-community/embodied/internal/health"
	"github.com/embodied-community/embodied/internal/lockdown"
	"github.com/embodied-community/embodied/internal/metrics"
	"github.com/embodied-community/embodied/internal/middleware"
	"github.com/embodied-community/embodied/internal/modrules"
	"github.com/embodied-community/embodied/internal/privacy"
	"github.com/embodied-community/embodied/internal/raid"
	"github.com/embodied-community/embodied/internal/store"
	"github.com/embodied-community/embodied/internal/strike"
)

// Deps are what the handlers use.
type Deps struct {
	Store *store.Store
	Now   func() time.Time
	// HealthSummary returns a one-line health summary for embed footers
	// (optional).
	HealthSummary func() string
	// Privacy exports and erases members' data (/privacy, /security
	// export-data and erase-data; optional).
	Privacy *privacy.Service
	// Owners are the bot owners (ADMIN_USER_ID), whose data /security
	// erase-data refuses to erase, as it does for guild staff.
	Owners []string
	// Health runs the health checks for /security status (optional).
	Health *health.Checker
	// FlaggedThreshold: more rate-limit violations than this in 24 hours
	// make a flagged user (SECOPS_FLAGGED_USER_THRESHOLD).
	FlaggedThreshold int
	// DiscordQueued reports whether n Discord requests bound to the global
	// rate limit would wait if sent now (nil: never).
	DiscordQueued func(n int) bool
	// Metrics counts warnings and moderation actions (nil: not counted).
	Metrics *metrics.Metrics
	// Backup is the backup engine behind /security backup (optional).
	Backup *backup.Engine
	// Strikes is the warning system (warn, warnings, pardon, untimeout,
	// unban, modlog; optional).
	Strikes *strike.Service
	// ModRules holds guilds' content-moderation rules (/security
	// moderation, dismiss-and-allow; optional).
	ModRules *modrules.Service
	// AuditSetAside counts the audit records set aside for a human, shown
	// to owners by /security status (optional).
	AuditSetAside func() int
	// AutoMod keeps Discord AutoMod in sync (/security automod; optional).
	AutoMod *automod.Service
	// SelfID returns the bot's own user id, whose messages members cannot
	// report (optional).
	SelfID func() string
	// MessageModeration says whether message moderation runs, for
	// /security status (optional).
	MessageModeration func() string
	// Interactions says how interactions reach the process ("" for the
	// gateway only), for /security status.
	Interactions func() string
	// Lockdown locks and unlocks channels (/security lockdown, unlock;
	// optional).
	Lockdown *lockdown.Service
	// RaidDetection says whether raid detection runs, for /security
	// status ("" when it was not asked for).
	RaidDetection func() string
	// Raids is raid detection (nil when off): /security raid.
	Raids *raid.Service
	// GuildSnap keeps guilds' role and channel snapshot (/security
	// nuke-report; optional).
	GuildSnap *guildsnap.Service
}

// Registry is where commands and components are declared (bot.Registry,
// which routes interactions to them and registers them with Discord).
type Registry interface {
	Group(middleware.Group)
	Add(specs ...middleware.Spec)
	AddComponent(cs ...middleware.Component)
}

// Register declares every command and component in reg.
func Register(reg Registry, d Deps) {
	if d.Now == nil {
		d.Now = time.Now
	}
	registerMember(reg, d)
	registerAdmin(reg, d)
	registerSecurity(reg, d)
	registerModeration(reg, d)
	registerPrivacy(reg, d)
	registerStatus(reg, d)
	registerBackup(reg, d)
	registerWarn(reg, d)
	registerAutoMod(reg, d)
	registerAntiNuke(reg, d)
	registerReport(reg, d)
	registerLockdown(reg, d)
	registerRaid(reg, d)
	registerNukeReport(reg, d)
}

// Colours for embeds.
const (
	colorInfo    = 0x5865F2
	colorWarning = 0xFEE75C
	colorDanger  = 0xED4245
	colorOK      = 0x57F287
)

// day returns the calendar day of t in UTC.
func day(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

var markdownEscaper = strings.NewReplacer(`\`, `\\`, `*`, `\*`, `_`, `\_`, "`", "\\`", `~`, `\~`, `|`, `\|`, `>`, `\>`, `#`, `\#`)

// escape keeps member-supplied text from being read as Markdown.
func escape(s string) string { return markdownEscaper.Replace(s) }
