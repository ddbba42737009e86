package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// Tx is a transaction begun by InTx. Store methods that must commit together
// with others (a strike and its audit record, a review and the rule change it
// makes) are methods of Tx; Lock serialises them per member or guild.
type Tx struct {
	tx pgx.Tx
}

// InTx runs fn in one transaction, committing when fn returns nil and rolling
// back otherwise (fn's error is returned unwrapped, so errors.Is works).
func (s *Store) InTx(ctx context.Context, fn func(Tx) error) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error { return fn(Tx{tx: tx}) })
}

// Lock takes a transaction-scoped advisory lock named by parts joined with
// ":" (e.g. "strike", guildID, userID), held until the transaction ends. The
// lock key is hashtextextended(name, 30), the same key the strike service
// has always used, so processes of two versions still exclude each other.
func (t Tx) Lock(ctx context.Context, parts ...string) error {
	name := strings.Join(parts, ":")
	if _, err := t.tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 30))`, name); err != nil {
		return fmt.Errorf("lock %s: %w", name, err)
	}
	return nil
}
