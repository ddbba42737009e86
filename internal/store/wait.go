package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Bounded waits. Work that can wait (the audit writer, backups, the CLI)
// waits for the database as long as its own context says. An interaction
// cannot: Discord gives the bot 3 seconds to answer, and a database that
// does not answer (a network cut leaves connections open and silent) would
// hold the member's command until Discord shows "This interaction failed".
// The interaction path therefore runs under WithWait: every Store and Tx
// call then waits at most that long (acquiring or opening a connection, the
// statement, reading its rows), and fails with ErrUnavailable past it, in
// time for the member to be told what happened.

// ErrUnavailable marks an error as the database being unreachable or not
// answering within the wait, as opposed to refusing a statement.
var ErrUnavailable = errors.New("database unavailable")

// errWaitOver is the cause of a context whose wait ran out.
var errWaitOver = errors.New("database wait over")

type waitKey struct{}

// waitState is one WithWait context's bound. Once a call has waited in
// vain, later calls under the same context fail at once: an interaction
// that has already waited for an unresponsive database does not wait again.
type waitState struct {
	d       time.Duration
	expired atomic.Bool
}

// WithWait returns a context under which every Store and Tx call waits at
// most d for the database; past it the call fails with an error matching
// ErrUnavailable.
func WithWait(ctx context.Context, d time.Duration) context.Context {
	return context.WithValue(ctx, waitKey{}, &waitState{d: d})
}

// Wait returns ctx bounded by the wait WithWait set on it (or ctx itself
// when none was set) and its cancel function, for a wait on the database
// outside the store, such as a flush of the audit writer. WaitOver then
// tells whether the wait is what ended it.
func Wait(ctx context.Context) (context.Context, context.CancelFunc) {
	w, _ := ctx.Value(waitKey{}).(*waitState)
	if w == nil {
		return ctx, func() {}
	}
	d := w.d
	if w.expired.Load() {
		d = 0
	}
	return context.WithTimeoutCause(ctx, d, errWaitOver)
}

// WaitOver reports whether ctx, from Wait, ended because its wait ran out;
// it then marks the wait as spent for later calls.
func WaitOver(ctx context.Context) bool {
	if !errors.Is(context.Cause(ctx), errWaitOver) {
		return false
	}
	if w, _ := ctx.Value(waitKey{}).(*waitState); w != nil {
		w.expired.Store(true)
	}
	return true
}

// Unavailable reports whether err says that the database could not be
// reached, dropped the connection or did not answer within the wait: an
// error of a Store or Tx call marked with ErrUnavailable.
func Unavailable(err error) bool { return errors.Is(err, ErrUnavailable) }

// lostConnection reports whether err, from a database call, says that the
// connection could not be opened or was lost, as opposed to the server
// refusing a statement.
func lostConnection(err error) bool {
	var connectErr *pgconn.ConnectError
	var netErr *net.OpError
	var pgErr *pgconn.PgError
	switch {
	case errors.As(err, &connectErr), errors.Is(err, pgconn.ErrConnClosed),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.As(err, &netErr):
		return true
	case errors.As(err, &pgErr):
		// Class 08 is connection exception; 57P01-57P03 are the server
		// shutting down or not accepting connections yet.
		return pgErr.Code[:2] == "08" || pgErr.Code == "57P01" || pgErr.Code == "57P02" || pgErr.Code == "57P03"
	}
	return false
}

// mark wraps err with ErrUnavailable when the wait of bounded ran out or
// the connection was lost.
func mark(bounded context.Context, err error) error {
	switch {
	case err == nil || errors.Is(err, ErrUnavailable):
		return err
	case WaitOver(bounded):
		return fmt.Errorf("%w: no answer within the wait: %w", ErrUnavailable, err)
	case lostConnection(err):
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return err
}

// querier runs statements: the pool or a transaction.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// waitExec, waitQuery and waitQueryRow run a statement on q bounded by the
// context's wait.
func waitExec(ctx context.Context, q querier, sql string, args []any) (pgconn.CommandTag, error) {
	ctx, cancel := Wait(ctx)
	defer cancel()
	tag, err := q.Exec(ctx, sql, args...)
	return tag, mark(ctx, err)
}

func waitQuery(ctx context.Context, q querier, sql string, args []any) (pgx.Rows, error) {
	ctx, cancel := Wait(ctx)
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		cancel()
	}
	return &waitRows{Rows: rows, ctx: ctx, cancel: cancel}, mark(ctx, err)
}

func waitQueryRow(ctx context.Context, q querier, sql string, args []any) pgx.Row {
	ctx, cancel := Wait(ctx)
	return &waitRow{ctx: ctx, cancel: cancel, row: q.QueryRow(ctx, sql, args...)}
}

// db is the pool as the store's methods use it: every call bounded by the
// context's wait.
type db struct{ pool *pgxpool.Pool }

func (d db) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	return waitExec(ctx, d.pool, sql, args)
}

func (d db) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	return waitQuery(ctx, d.pool, sql, args)
}

func (d db) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	return waitQueryRow(ctx, d.pool, sql, args)
}

func (d db) Begin(ctx context.Context) (pgx.Tx, error) {
	return d.BeginTx(ctx, pgx.TxOptions{})
}

func (d db) BeginTx(ctx context.Context, opts pgx.TxOptions) (pgx.Tx, error) {
	bctx, cancel := Wait(ctx)
	defer cancel()
	tx, err := d.pool.BeginTx(bctx, opts)
	if err != nil {
		return nil, mark(bctx, err)
	}
	return waitTx{Tx: tx}, nil
}

func (d db) Ping(ctx context.Context) error {
	ctx, cancel := Wait(ctx)
	defer cancel()
	return mark(ctx, d.pool.Ping(ctx))
}

// waitTx is a transaction whose statements are bounded like db's.
type waitTx struct{ pgx.Tx }

func (t waitTx) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	return waitExec(ctx, t.Tx, sql, args)
}

func (t waitTx) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	return waitQuery(ctx, t.Tx, sql, args)
}

func (t waitTx) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	return waitQueryRow(ctx, t.Tx, sql, args)
}

func (t waitTx) Commit(ctx context.Context) error {
	ctx, cancel := Wait(ctx)
	defer cancel()
	return mark(ctx, t.Tx.Commit(ctx))
}

func (t waitTx) Rollback(ctx context.Context) error {
	ctx, cancel := Wait(ctx)
	defer cancel()
	return mark(ctx, t.Tx.Rollback(ctx))
}

// waitRow is a QueryRow result whose wait ends with Scan.
type waitRow struct {
	ctx    context.Context
	cancel context.CancelFunc
	row    pgx.Row
}

func (r *waitRow) Scan(dest ...any) error {
	defer r.cancel()
	return mark(r.ctx, r.row.Scan(dest...))
}

// waitRows are Query results whose wait ends with Close.
type waitRows struct {
	pgx.Rows
	ctx    context.Context
	cancel context.CancelFunc
}

func (r *waitRows) Close() {
	r.Rows.Close()
	r.cancel()
}

func (r *waitRows) Err() error { return mark(r.ctx, r.Rows.Err()) }

func (r *waitRows) Scan(dest ...any) error { return mark(r.ctx, r.Rows.Scan(dest...)) }
