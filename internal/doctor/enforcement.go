package doctor

import (
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/embodied-community/embodied/internal/config"
	"github.com/embodied-community/embodied/internal/rollout"
	"github.com/embodied-community/embodied/internal/store"
)

// Soak is how long the bot must have run in safe mode with passing health
// checks before enforcement (the rollout guide's 24-hour staging soak).
const Soak = 24 * time.Hour

// humanChecks are the critical warnings no program can confirm.
var humanChecks = []string{
	"Warning system tested with real users, not only test accounts (critical warning 3)",
	"Admin team trained on the /security commands: warn, warnings, pardon, untimeout, unban (critical warning 5)",
	"Appeal/removal process reviewed and announced to members (critical warning 6)",
	"Staging soak logs reviewed: no error spikes, the 03:00 backup ran (`embodied backup list`)",
	"Maintenance window scheduled and the on-call engineer notified",
}

func checkEnforcement(ctx context.Context, r *Report, cfg *config.Config, db *store.Store, o Options) {
	r.Human = humanChecks
	now := o.Now()
	if db == nil {
		r.add(Fail, "enforcement gate", "the database is unreachable, so the soak, smoke and warning records cannot be read", "fix the database check first")
	} else {
		checkSoak(ctx, r, cfg, db, now)
		checkSmoke(ctx, r, db, now)
		checkDMs(ctx, r, db, now)
		checkDryRun(ctx, r, db, now)
	}
	checkAppeal(r, o.Readme)
}

func checkSoak(ctx context.Context, r *Report, cfg *config.Config, db *store.Store, now time.Time) {
	const name = "24 h of safe mode with passing health checks"
	runs, err := db.HealthRunsSince(ctx, now.Add(-2*Soak))
	if err != nil {
		r.add(Fail, name, err.Error(), "run `embodied migrate up`")
		return
	}
	interval := cfg.HealthcheckInterval
	fix := "run the bot with SECOPS_ENABLE_HEALTHCHECKS=true and SECOPS_ENFORCE_MODERATION=false for 24 hours, then run doctor again"
	if len(runs) == 0 {
		r.add(Fail, name, "no health check runs recorded in the last 48 h", fix)
		return
	}
	if age := now.Sub(runs[0].At); age > 3*interval {
		r.add(Fail, name, fmt.Sprintf("the last health check ran %s: is the bot running with health checks on?", since(now, runs[0].At)), fix)
		return
	}
	s := rollout.CurrentSoak(runs, 3*interval)
	detail := fmt.Sprintf("%s of passing safe-mode checks (%d runs since %s)", s.Duration().Round(time.Minute), s.Runs, s.From.UTC().Format(time.RFC3339))
	if s.BrokenBy != "" {
		detail += "; before that, " + s.BrokenBy
	}
	if s.Duration() < Soak {
		r.add(Fail, name, detail, fix)
		return
	}
	r.add(Pass, name, detail, "")
}

func checkSmoke(ctx context.Context, r *Report, db *store.Store, now time.Time) {
	const name = "last smoke run passed"
	run, err := db.LastSmokeRun(ctx)
	if errors.Is(err, store.ErrNotFound) {
		r.add(Fail, name, "no smoke run recorded", "run `embodied smoke` against this database")
		return
	}
	if err != nil {
		r.add(Fail, name, err.Error(), "run `embodied migrate up`")
		return
	}
	detail := fmt.Sprintf("%d of %d passed, %s", run.Total-run.Failed, run.Total, since(now, run.FinishedAt))
	switch {
	case !run.Passed:
		var failed []string
		for _, x := range run.Results {
			if !x.Passed {
				failed = append(failed, x.Name)
			}
		}
		r.add(Fail, name, detail+"; failed: "+strings.Join(failed, ", "), "fix the failures, then run `embodied smoke` again")
	case now.Sub(run.FinishedAt) > 7*24*time.Hour:
		r.add(Warn, name, detail, "run `embodied smoke` again with this build")
	default:
		r.add(Pass, name, detail, "")
	}
}

func checkDMs(ctx context.Context, r *Report, db *store.Store, now time.Time) {
	const name = "warning DMs delivered recently"
	sent, other, err := db.WarningDMs(ctx, now.Add(-7*24*time.Hour))
	if err != nil {
		r.add(Fail, name, err.Error(), "run `embodied migrate up` (migration 030 adds dm_status)")
		return
	}
	detail := fmt.Sprintf("%d warning DMs delivered, %d not (closed DMs or failures) in 7 days", sent, other)
	switch {
	case sent == 0:
		r.add(Fail, name, detail, "warn a test account with `/security warn` and check it receives \"⚠️ Warning - Strike 1/3\"")
	case other > sent:
		r.add(Warn, name, detail, "most members have DMs closed: consider SECOPS_ALERT_CHANNEL_ID or /security modlog so warnings are seen")
	default:
		r.add(Pass, name, detail, "")
	}
}

func checkDryRun(ctx context.Context, r *Report, db *store.Store, now time.Time) {
	const name = "dry-run record (what enforcement would have done)"
	counts, err := db.DryRunActions(ctx, now.Add(-7*24*time.Hour))
	if err != nil {
		r.add(Fail, name, err.Error(), "run `embodied migrate up`")
		return
	}
	var parts []string
	total := 0
	for _, c := range counts {
		parts = append(parts, fmt.Sprintf("%d %s", c.Count, c.Action))
		total += c.Count
	}
	if total == 0 {
		r.add(Warn, name, "in 7 days of safe mode no warning would have brought a timeout or ban",
			"nothing to review; or the warning system was not used: exercise it on test accounts before enforcing")
		return
	}
	r.add(Pass, name, fmt.Sprintf("in 7 days enforcement would have applied %s (user_moderation rows with enforced = false): review them with /security warnings", strings.Join(parts, ", ")), "")
}

var appealRE = regexp.MustCompile(`(?im)^#{1,6} .*appeal`)

func checkAppeal(r *Report, readme string) {
	const name = "appeal process documented"
	data, err := os.ReadFile(readme)
	if err != nil {
		r.add(Fail, name, err.Error(), "run doctor from the checkout, or pass --readme")
		return
	}
	if m := appealRE.Find(data); m != nil {
		r.add(Pass, name, fmt.Sprintf("%s: %q", readme, strings.TrimSpace(string(m))), "")
		return
	}
	r.add(Fail, name, readme+" has no section about appeals", "add a section \"Appeals and removals\" saying how a member appeals a strike, timeout or ban and who reverses it")
}
