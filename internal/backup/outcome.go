package backup

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/embodied-community/embodied/internal/audit"
)

// Metrics records backups; *metrics.Metrics implements it.
type Metrics interface {
	Backup(ok bool, size int64, d time.Duration, at time.Time)
}

// Outcome is one finished backup, made or failed, on any surface.
type Outcome struct {
	Trigger string
	// Command names the CLI command in the audit record ("" elsewhere).
	Command string
	Label   string
	Result  Result
	Err     error
}

// SizeLevel is the backup's size level (LevelOK when it failed).
func (o Outcome) SizeLevel() string {
	if o.Err != nil {
		return LevelOK
	}
	return SizeLevel(o.Result.Size)
}

// Details are the audit record's details: the trigger, whether the backup
// was made and either its error or its file, size and checksum.
func (o Outcome) Details() map[string]any {
	d := map[string]any{"trigger": o.Trigger, "ok": o.Err == nil}
	if o.Command != "" {
		d["command"] = o.Command
	}
	if o.Label != "" {
		d["label"] = o.Label
	}
	if o.Err != nil {
		d["error"] = o.Err.Error()
	} else {
		o.Result.AddDetails(d)
	}
	return d
}

// AddDetails adds the backup's file, size and checksum to audit details.
func (r Result) AddDetails(d map[string]any) {
	d["file"], d["size"], d["sha256"] = r.File, r.Size, r.SHA256
}

// Thresholds words the size thresholds as the alerts show them:
// "warning > 100 MB, critical > 500 MB".
func Thresholds() string {
	return fmt.Sprintf("warning > %d MB, critical > %d MB", WarnSize/MB, CriticalSize/MB)
}

// Reporter handles a backup's outcome the same way on every surface (the
// scheduled job, /security backup and `embodied backup`): it records the
// metrics, writes the audit record and alerts the owners when the backup
// failed or crossed WarnSize. A surface leaves out what it cannot do or
// does elsewhere.
type Reporter struct {
	// Metrics receives every outcome; nil records none (the CLI has no
	// /metrics).
	Metrics Metrics
	// Audit writes the audit record; nil when the surface's own audit layer
	// records the action (the slash command's middleware, which gets
	// Result.AddDetails).
	Audit func(ctx context.Context, e audit.Entry) error
	// Actor is the audit record's actor: audit.SystemActor for the
	// schedule, operator:<login> for the CLI.
	Actor string
	// Alert tells the owners; nil when the surface cannot reach them (the
	// CLI) or answers the person who asked instead (the slash command).
	Alert func(ctx context.Context, text string) error
	// Logger logs undelivered alerts; nil discards them.
	Logger *slog.Logger
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// Report handles o and returns why its audit record could not be written.
// Alerts that cannot be delivered are logged, not returned: the backup's
// record matters more than its notification.
func (r *Reporter) Report(ctx context.Context, o Outcome) error {
	now := r.Now
	if now == nil {
		now = time.Now
	}
	if r.Metrics != nil {
		r.Metrics.Backup(o.Err == nil, o.Result.Size, o.Result.Duration, now())
	}
	if r.Alert != nil {
		r.alert(ctx, o)
	}
	if r.Audit == nil {
		return nil
	}
	e := audit.Entry{GuildID: audit.GlobalGuild, ActionType: "backup", ActorID: r.Actor, Details: o.Details()}
	return r.Audit(ctx, e)
}

func (r *Reporter) alert(ctx context.Context, o Outcome) {
	log := r.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if o.Err != nil {
		if err := r.Alert(ctx, fmt.Sprintf("🚨 %s backup failed: %s", capitalize(o.Trigger), o.Err)); err != nil {
			log.Error("Backup failure alert not delivered", "error", err)
		}
		return
	}
	if lvl := o.SizeLevel(); lvl != LevelOK {
		msg := fmt.Sprintf("⚠️ Backup %s is %s (%s level: %s)", o.Result.File, FormatSize(o.Result.Size), lvl, Thresholds())
		if err := r.Alert(ctx, msg); err != nil {
			log.Error("Backup size alert not delivered", "error", err)
		}
	}
}

// capitalize turns a trigger into the start of a sentence ("Scheduled").
func capitalize(s string) string {
	if s == "" {
		return "The"
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
