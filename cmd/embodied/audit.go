package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/embodied-community/embodied/internal/audit"
	"github.com/embodied-community/embodied/internal/config"
	"github.com/embodied-community/embodied/internal/store"
)

func init() {
	register("audit", "verify the audit log's hash chain", func(args []string, stdout, _ io.Writer) error {
		fs := flags("audit", "audit verify\n\n"+
			"  verify  recompute the audit_log hash chain and name the first broken row (exit 1)", stdout)
		if err := parse(fs, args); err != nil {
			return err
		}
		if fs.NArg() != 1 || fs.Arg(0) != "verify" {
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
		res, err := audit.Verify(ctx, pool)
		if err != nil {
			return err
		}
		if b := res.FirstBreak; b != nil {
			fmt.Fprintf(stdout, "Audit chain BROKEN at seq %d (row id %d): %s\n", b.Seq, b.ID, b.Reason)
			return errors.New("audit chain verification failed")
		}
		fmt.Fprintf(stdout, "Audit chain OK: %d rows verified (seq %d to %d)\n", res.Rows, res.FromSeq, res.LastSeq)
		return nil
	})
}
