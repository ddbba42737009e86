package main

import (
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/embodied-community/embodied/internal/audit"
	"github.com/embodied-community/embodied/internal/config"
)

func init() {
	register("audit rejected", "list the audit records set aside (refused by the database, or unreadable)", func(args []string, stdout, _ io.Writer) error {
		fs := flags("audit rejected", "audit rejected [--json]\n\n"+
			"  Lists the audit and security records the bot set aside beside its fallback file\n"+
			"  (SECOPS_AUDIT_FALLBACK_FILE): records the database refused (.rejected), with its\n"+
			"  error, and fallback lines that could not be read (.quarantine), verbatim. They are\n"+
			"  kept, never deleted by the bot; fix the cause and re-enter them by hand if needed.", stdout)
		asJSON := fs.Bool("json", false, "print one JSON object per record")
		if err := parse(fs, args); err != nil {
			return err
		}
		if fs.NArg() != 0 {
			fs.Usage()
			return usagef("audit rejected: unexpected argument %q", fs.Arg(0))
		}
		cfg, err := config.Load(false)
		if err != nil {
			return err
		}
		recs, err := audit.ReadSetAside(cfg.AuditFallbackFile)
		if err != nil {
			return err
		}
		if *asJSON {
			return printSetAsideJSON(stdout, recs)
		}
		printSetAside(stdout, cfg.AuditFallbackFile, recs)
		return nil
	})
}

func printSetAside(w io.Writer, path string, recs []audit.SetAsideRecord) {
	if len(recs) == 0 {
		fmt.Fprintf(w, "No audit records set aside (%s, %s).\n", audit.RejectedPath(path), audit.QuarantinePath(path))
		return
	}
	fmt.Fprintf(w, "%d audit record(s) set aside (kept in %s and %s):\n", len(recs), audit.RejectedPath(path), audit.QuarantinePath(path))
	for i, r := range recs {
		at := "time unknown"
		if !r.At.IsZero() {
			at = r.At.UTC().Format(time.RFC3339)
		}
		switch {
		case r.Audit != nil:
			e := r.Audit
			fmt.Fprintf(w, "%d. refused %s: audit %s, guild %s, actor %s, target %s, event %s\n",
				i+1, at, e.ActionType, e.GuildID, e.ActorID, e.TargetID, e.EventID)
			if e.Reason != "" {
				fmt.Fprintf(w, "   reason: %q\n", e.Reason)
			}
		case r.Security != nil:
			e := r.Security
			fmt.Fprintf(w, "%d. refused %s: security %s (%s), guild %s, actor %s, target %s, event %s\n",
				i+1, at, e.EventType, e.Severity, e.GuildID, e.ActorID, e.TargetID, e.EventID)
			if e.Attempted != "" {
				fmt.Fprintf(w, "   attempted: %q\n", e.Attempted)
			}
		default:
			fmt.Fprintf(w, "%d. quarantined line: %q\n", i+1, r.Raw)
		}
		fmt.Fprintf(w, "   why: %s\n", r.Error)
	}
}

// printSetAsideJSON prints each record as a JSON object; a quarantined line
// is {"raw": …, "error": …}.
func printSetAsideJSON(w io.Writer, recs []audit.SetAsideRecord) error {
	enc := json.NewEncoder(w)
	for _, r := range recs {
		var v any = r
		if r.Raw != "" {
			v = map[string]string{"raw": r.Raw, "error": r.Error}
		}
		if err := enc.Encode(v); err != nil {
			return fmt.Errorf("print set-aside record: %w", err)
		}
	}
	return nil
}
