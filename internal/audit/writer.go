package audit

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// record is one queued event; exactly one of Audit and Security is set. It
// is also the line format of the fallback file.
type record struct {
	Audit    *Entry         `json:"audit,omitempty"`
	Security *SecurityEvent `json:"security,omitempty"`
}

// Options tunes a Writer. Zero values take the defaults.
type Options struct {
	BatchSize      int           // events per INSERT (default 500)
	FlushInterval  time.Duration // longest an event waits in memory (default 50ms)
	ReplayInterval time.Duration // how often a fallback backlog is retried (default 5s)
	QueueSize      int           // events buffered before writers go straight to the file (default 10000)
	Now            func() time.Time
	// OnFallback is called each time events go to the fallback file
	// (metrics: fallback use while the database is healthy is an alert).
	OnFallback func(n int)
}

// Writer batches audit entries and security events into few multi-row
// INSERTs, so that an attack producing thousands of events per second does
// not become thousands of commits. While the database is unreachable the
// events go to the fallback file; they are replayed in order when it
// returns. Safe for concurrent use.
type Writer struct {
	pool     *pgxpool.Pool
	fallback *fallback
	log      *slog.Logger
	opts     Options

	in       chan record
	flushReq chan chan error
	stop     chan struct{}
	done     chan struct{}
	started  atomic.Bool
	stopOnce sync.Once
}

// NewWriter returns a Writer for pool with its fallback file at path.
func NewWriter(pool *pgxpool.Pool, path string, logger *slog.Logger, opts Options) (*Writer, error) {
	if opts.BatchSize <= 0 {
		opts.BatchSize = 500
	}
	if opts.FlushInterval <= 0 {
		opts.FlushInterval = 50 * time.Millisecond
	}
	if opts.ReplayInterval <= 0 {
		opts.ReplayInterval = 5 * time.Second
	}
	if opts.QueueSize <= 0 {
		opts.QueueSize = 10000
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.OnFallback == nil {
		opts.OnFallback = func(int) {}
	}
	fb, err := openFallback(path)
	if err != nil {
		return nil, err
	}
	return &Writer{
		pool: pool, fallback: fb, log: logger, opts: opts,
		in:       make(chan record, opts.QueueSize),
		flushReq: make(chan chan error),
		stop:     make(chan struct{}),
		done:     make(chan struct{}),
	}, nil
}

// Audit queues an audit entry. It never blocks on the database and never
// drops the entry: when the queue is full it goes to the fallback file.
func (w *Writer) Audit(e Entry) {
	e.fill(w.opts.Now())
	w.enqueue(record{Audit: &e})
}

// Security queues a security event, like Audit.
func (w *Writer) Security(e SecurityEvent) {
	e.fill(w.opts.Now())
	w.enqueue(record{Security: &e})
}

func (w *Writer) enqueue(r record) {
	select {
	case w.in <- r:
	default:
		if err := w.fallback.append([]record{r}); err != nil {
			w.log.Error("Audit queue full and fallback file unwritable", "error", err, "event", r)
			return
		}
		w.opts.OnFallback(1)
	}
}

// Backlog is the number of events waiting in the fallback file.
func (w *Writer) Backlog() int { return w.fallback.len() }

// Start runs the writer until Stop.
func (w *Writer) Start(ctx context.Context) {
	if !w.started.CompareAndSwap(false, true) {
		return
	}
	go w.loop(ctx)
}

// Stop writes what is queued (to the database, or the fallback file) and
// ends the writer.
func (w *Writer) Stop() {
	w.stopOnce.Do(func() { close(w.stop) })
	if w.started.Load() {
		<-w.done
	}
}

// Flush waits until every event queued before the call is written to the
// database or the fallback file, and returns the database error if any.
func (w *Writer) Flush(ctx context.Context) error {
	ack := make(chan error, 1)
	select {
	case w.flushReq <- ack:
	case <-ctx.Done():
		return ctx.Err()
	case <-w.done:
		return errors.New("audit writer stopped")
	}
	select {
	case err := <-ack:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (w *Writer) loop(ctx context.Context) {
	defer close(w.done)
	var batch []record
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	replay := time.NewTicker(w.opts.ReplayInterval)
	defer replay.Stop()
	drain := func() {
		for {
			select {
			case r := <-w.in:
				batch = append(batch, r)
			default:
				return
			}
		}
	}
	write := func() error {
		err := w.write(batch)
		batch = batch[:0]
		return err
	}
	for {
		select {
		case r := <-w.in:
			if len(batch) == 0 {
				timer.Reset(w.opts.FlushInterval)
			}
			batch = append(batch, r)
			if len(batch) >= w.opts.BatchSize {
				write()
			}
		case <-timer.C:
			write()
		case ack := <-w.flushReq:
			drain()
			ack <- write()
		case <-replay.C:
			if w.fallback.len() > 0 {
				if _, err := w.Replay(ctx); err != nil {
					w.log.Warn("Audit fallback replay failed; will retry", "backlog", w.fallback.len(), "error", err)
				}
			}
		case <-w.stop:
			drain()
			write()
			return
		case <-ctx.Done():
			drain()
			write()
			return
		}
	}
}

// write stores a batch. A backlog in the fallback file is replayed first so
// that order is kept; if the database is unreachable the batch joins it.
func (w *Writer) write(batch []record) error {
	if len(batch) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var err error
	if w.fallback.len() > 0 {
		_, err = w.Replay(ctx)
	}
	if err == nil {
		err = pgx.BeginFunc(ctx, w.pool, func(tx pgx.Tx) error { return insertRecords(ctx, tx, batch) })
	}
	if err == nil {
		return nil
	}
	if rejected(err) {
		// The server refused the data itself: retrying cannot help. Keep the
		// records beside the fallback file for a human and say so loudly.
		w.log.Error("Audit records refused by the database; kept in the rejected file", "count", len(batch), "error", err, "file", w.fallback.path+".rejected")
		return errors.Join(err, appendLines(w.fallback.path+".rejected", batch))
	}
	if ferr := w.fallback.append(batch); ferr != nil {
		w.log.Error("Audit records could not be written to the database nor the fallback file", "count", len(batch), "error", errors.Join(err, ferr))
		return errors.Join(err, ferr)
	}
	w.opts.OnFallback(len(batch))
	w.log.Warn("Database unreachable: audit records kept in the fallback file", "count", len(batch), "backlog", w.fallback.len(), "error", err)
	return err
}

// rejected reports whether the server refused the data (a bad value or a
// constraint), as opposed to being unreachable.
func rejected(err error) bool {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return false
	}
	class := pgErr.Code[:2]
	return class == "22" || class == "23"
}

// insertRecords writes records in order, batching consecutive ones of the
// same kind.
func insertRecords(ctx context.Context, tx pgx.Tx, recs []record) error {
	for i := 0; i < len(recs); {
		j := i
		if recs[i].Audit != nil {
			var entries []Entry
			for ; j < len(recs) && recs[j].Audit != nil; j++ {
				entries = append(entries, *recs[j].Audit)
			}
			if err := insertEntries(ctx, tx, entries); err != nil {
				return err
			}
		} else {
			var events []SecurityEvent
			for ; j < len(recs) && recs[j].Security != nil; j++ {
				events = append(events, *recs[j].Security)
			}
			if err := insertSecurityEvents(ctx, tx, events); err != nil {
				return err
			}
		}
		i = j
	}
	return nil
}

// Replay writes the fallback file's events to the database in one
// transaction and empties the file. Events already present (same event id)
// are skipped, so a replay interrupted after its commit is harmless.
func (w *Writer) Replay(ctx context.Context) (int, error) {
	return w.fallback.replay(func(recs []record) error {
		return pgx.BeginFunc(ctx, w.pool, func(tx pgx.Tx) error { return insertRecords(ctx, tx, recs) })
	})
}

// fallback is the append-only, fsync'd local file of events that could not
// reach the database.
type fallback struct {
	path string
	mu   sync.Mutex
	n    atomic.Int64
}

func openFallback(path string) (*fallback, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("audit fallback directory: %w", err)
	}
	f := &fallback{path: path}
	recs, err := f.read()
	if err != nil {
		return nil, err
	}
	f.n.Store(int64(len(recs)))
	return f, nil
}

func (f *fallback) len() int { return int(f.n.Load()) }

func (f *fallback) append(recs []record) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := appendLines(f.path, recs); err != nil {
		return err
	}
	f.n.Add(int64(len(recs)))
	return nil
}

// appendLines appends one JSON line per record and fsyncs.
func appendLines(path string, recs []record) error {
	file, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("open audit fallback file: %w", err)
	}
	bw := bufio.NewWriter(file)
	enc := json.NewEncoder(bw)
	for _, r := range recs {
		if err := enc.Encode(r); err != nil {
			file.Close()
			return fmt.Errorf("encode audit fallback record: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		file.Close()
		return fmt.Errorf("write audit fallback file: %w", err)
	}
	if err := file.Sync(); err != nil {
		file.Close()
		return fmt.Errorf("sync audit fallback file: %w", err)
	}
	return file.Close()
}

func (f *fallback) read() ([]record, error) {
	file, err := os.Open(f.path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("open audit fallback file: %w", err)
	}
	defer file.Close()
	var recs []record
	sc := bufio.NewScanner(file)
	sc.Buffer(make([]byte, 64*1024), 4*1024*1024)
	for sc.Scan() {
		var r record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			// A torn last line from a crash mid-write: everything before
			// it was fsync'd whole, so stop here.
			break
		}
		if r.Audit != nil || r.Security != nil {
			recs = append(recs, r)
		}
	}
	return recs, sc.Err()
}

func (f *fallback) replay(store func([]record) error) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	recs, err := f.read()
	if err != nil || len(recs) == 0 {
		return 0, err
	}
	if err := store(recs); err != nil {
		return 0, fmt.Errorf("replay %d audit fallback records: %w", len(recs), err)
	}
	if err := os.Remove(f.path); err != nil {
		return len(recs), fmt.Errorf("empty audit fallback file: %w", err)
	}
	f.n.Store(0)
	return len(recs), nil
}
