package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/embodied-community/embodied/internal/audit"
	"github.com/embodied-community/embodied/internal/backup"
	"github.com/embodied-community/embodied/internal/config"
	"github.com/embodied-community/embodied/internal/store"
)

const auditSynopsis = `audit verify [--anchor SEQ:HASH|MANIFEST]...

  verify  recompute the audit_log hash chain and name the first broken row (exit 1)

  --anchor SEQ:HASH   also check that the row at SEQ still has row_hash HASH (hex):
                      the chain head every backup manifest records ("auditHead")
                      and every health check logs (auditHeadSeq, auditHeadHash).
                      A rewrite by someone holding the schema owner's credentials
                      re-hashes the chain so that it verifies, but changes the
                      anchored hash (exit 1, naming the seq).
  --anchor MANIFEST   the same with the head of a backup's manifest
                      (backup-….sql.gz.manifest.json, or the backup file itself)
  Repeat --anchor to check several.`

// anchorFlags collects --anchor values: SEQ:HASH or a manifest path.
type anchorFlags []audit.Anchor

func (a *anchorFlags) String() string {
	parts := make([]string, len(*a))
	for i, x := range *a {
		parts[i] = x.String()
	}
	return strings.Join(parts, ",")
}

// Set reads SEQ:HASH when the value starts with digits and a colon, else a
// backup manifest (or the backup file beside it).
func (a *anchorFlags) Set(v string) error {
	if seq, _, ok := strings.Cut(v, ":"); ok && seq != "" && strings.Trim(seq, "0123456789") == "" {
		x, err := audit.ParseAnchor(v)
		if err != nil {
			return err
		}
		*a = append(*a, x)
		return nil
	}
	m, err := backup.ReadManifest(v)
	if err != nil {
		return err
	}
	if m.AuditHead == nil {
		return fmt.Errorf("manifest of %s records no audit chain head (made before this version, or the chain was empty)", m.File)
	}
	*a = append(*a, *m.AuditHead)
	return nil
}

func init() {
	register("audit", "verify the audit log's hash chain", func(args []string, stdout, _ io.Writer) error {
		fs := flags("audit", auditSynopsis, stdout)
		var anchors anchorFlags
		fs.Var(&anchors, "anchor", "SEQ:HASH or a backup manifest whose head the chain must still hold (repeatable)")
		pos, err := parseInterspersed(fs, args)
		if err != nil {
			return err
		}
		if len(pos) != 1 || pos[0] != "verify" {
			fs.Usage()
			return usagef("audit: expected the action verify")
		}
		cfg, err := config.Load(false)
		if err != nil {
			return err
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		pool, err := store.Open(ctx, cfg.DatabaseURL, cfg.DBPassword.Reveal())
		if err != nil {
			return err
		}
		defer pool.Close()
		res, err := audit.Verify(ctx, pool, anchors...)
		if err != nil {
			return err
		}
		if b := res.FirstBreak; b != nil {
			fmt.Fprintf(stdout, "Audit chain BROKEN at seq %d (row id %d): %s\n", b.Seq, b.ID, b.Reason)
		}
		for _, b := range res.AnchorBreaks {
			fmt.Fprintf(stdout, "Audit chain does NOT hold anchor seq %d (row id %d): %s\n", b.Seq, b.ID, b.Reason)
		}
		if !res.OK() {
			return errors.New("audit chain verification failed")
		}
		fmt.Fprintf(stdout, "Audit chain OK: %d rows verified (seq %d to %d)", res.Rows, res.FromSeq, res.LastSeq)
		for _, a := range anchors {
			fmt.Fprintf(stdout, "; anchor %d holds", a.Seq)
		}
		fmt.Fprintln(stdout)
		return nil
	})
}
