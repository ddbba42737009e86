package audit

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/embodied-community/embodied/internal/logging"
	"github.com/embodied-community/embodied/internal/service"
	"github.com/embodied-community/embodied/internal/store"
)

// record is one queued event; exactly one of Audit and Security is set. It
// is also the line format of the fallback file.
type record struct {
	Audit    *Entry         `json:"audit,omitempty"`
	Security *SecurityEvent `json:"security,omitempty"`
}

// eventID, kind and guildID identify a record in log lines.
func (r record) eventID() string {
	if r.Audit != nil {
		return r.Audit.EventID
	}
	return r.Security.EventID
}

func (r record) kind() string {
	if r.Audit != nil {
		return "audit:" + r.Audit.ActionType
	}
	return "security:" + r.Security.EventType
}

func (r record) guildID() string {
	if r.Audit != nil {
		return r.Audit.GuildID
	}
	return r.Security.GuildID
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
	// OnSetAside is called each time records are set aside: refused by the
	// database, or fallback lines that could not be read (metrics and an
	// owner alert; nothing is set aside in normal operation). It runs on
	// the writer's goroutine and must not block.
	OnSetAside func(n int)
}

// Writer batches audit entries and security events into few multi-row
// INSERTs, so that an attack producing thousands of events per second does
// not become thousands of commits. While the database is unreachable the
// events go to the fallback file; they are replayed in order when it
// returns. It is a service: Start runs it, Stop writes what is queued and
// ends it. Safe for concurrent use.
type Writer struct {
	service.StartStop
	db       *store.Store
	fallback *fallback
	log      *slog.Logger
	opts     Options

	in       chan record
	flushReq chan chan error
	done     chan struct{} // closed when the loop ends
}

// NewWriter returns a Writer writing through st with its fallback file at
// path. It tags logger with its component, Audit.
func NewWriter(st *store.Store, path string, logger *slog.Logger, opts Options) (*Writer, error) {
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
	if opts.OnSetAside == nil {
		opts.OnSetAside = func(int) {}
	}
	fb, err := openFallback(path)
	if err != nil {
		return nil, err
	}
	return &Writer{
		db: st, fallback: fb, log: logging.Component(logger, "Audit"), opts: opts,
		in:       make(chan record, opts.QueueSize),
		flushReq: make(chan chan error),
		done:     make(chan struct{}),
	}, nil
}

// Audit queues an audit entry. It never blocks on the database and never
// drops the entry: when the queue is full it goes to the fallback file.
func (w *Writer) Audit(e Entry) {
	e.Fill(w.opts.Now())
	w.enqueue(record{Audit: &e})
}

// Security queues a security event, like Audit.
func (w *Writer) Security(e SecurityEvent) {
	e.Fill(w.opts.Now())
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

// SetAside is the number of records kept in the set-aside files (see
// ReadSetAside), this process's and earlier ones'.
func (w *Writer) SetAside() int { return w.fallback.aside.len() }

// Start runs the writer until Stop (or until ctx ends); the embedded Stop
// writes what is queued, to the database or the fallback file, and waits
// for it.
func (w *Writer) Start(ctx context.Context) error {
	ctx, stopped, err := w.StartInit(ctx)
	if err != nil {
		return fmt.Errorf("audit writer: %w", err)
	}
	go func() {
		defer stopped()
		w.loop(ctx)
	}()
	return nil
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
			if w.fallback.pending() {
				if _, err := w.Replay(ctx); err != nil {
					w.log.Warn("Audit fallback replay failed; will retry", "backlog", w.fallback.len(), "error", err)
				}
			}
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
	if w.fallback.pending() {
		_, err = w.Replay(ctx)
	}
	var aside int
	if err == nil {
		var rest []record
		rest, aside, err = w.store(ctx, batch)
		batch = rest
	}
	if aside > 0 {
		err = errors.Join(err, fmt.Errorf("%d audit records refused by the database and set aside in %s", aside, w.fallback.aside.rejectedPath()))
	}
	if err == nil || len(batch) == 0 {
		return err
	}
	if ferr := w.fallback.append(batch); ferr != nil {
		w.log.Error("Audit records could not be written to the database nor the fallback file", "count", len(batch), "error", errors.Join(err, ferr))
		return errors.Join(err, ferr)
	}
	w.opts.OnFallback(len(batch))
	w.log.Warn("Database unreachable: audit records kept in the fallback file", "count", len(batch), "backlog", w.fallback.len(), "error", err)
	return err
}

// store writes recs in one transaction. When the database refuses the data
// itself (a bad value or a constraint), retrying cannot help, but the rest
// of the batch must not pay for one bad record: the records are written one
// by one and only those refused are set aside. It returns how many were set
// aside and, if the database became unreachable on the way, the records not
// yet written (in order) with the error.
func (w *Writer) store(ctx context.Context, recs []record) (rest []record, aside int, err error) {
	err = insertTx(ctx, w.db, recs)
	if err == nil {
		return nil, 0, nil
	}
	if !rejected(err) {
		return recs, 0, err
	}
	w.log.Warn("Database refused a batch of audit records; writing them one by one", "count", len(recs), "error", err)
	var refused []SetAsideRecord
	defer func() {
		if len(refused) == 0 {
			return
		}
		n, serr := w.fallback.aside.add(refused, nil)
		if serr != nil {
			w.log.Error("Refused audit records could not be kept in the set-aside file", "count", len(refused), "error", serr, "records", refused)
			err = errors.Join(err, serr)
		}
		if n > 0 {
			w.opts.OnSetAside(n)
		}
		aside = len(refused)
	}()
	for i, r := range recs {
		err := insertTx(ctx, w.db, []record{r})
		switch {
		case err == nil:
		case rejected(err):
			w.log.Error("Audit record refused by the database; set aside", "eventId", r.eventID(), "kind", r.kind(),
				"guildId", r.guildID(), "error", err, "file", w.fallback.aside.rejectedPath())
			refused = append(refused, setAside(r, err, w.opts.Now()))
		default:
			return recs[i:], 0, err
		}
	}
	return nil, 0, nil
}

// insertTx writes recs in one transaction.
func insertTx(ctx context.Context, st *store.Store, recs []record) error {
	return st.InTx(ctx, func(tx store.Tx) error { return insertRecords(ctx, tx, recs) })
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
func insertRecords(ctx context.Context, tx store.Tx, recs []record) error {
	for i := 0; i < len(recs); {
		j := i
		if recs[i].Audit != nil {
			var entries []Entry
			for ; j < len(recs) && recs[j].Audit != nil; j++ {
				entries = append(entries, *recs[j].Audit)
			}
			if err := tx.InsertAuditEntries(ctx, entries); err != nil {
				return err
			}
		} else {
			var events []SecurityEvent
			for ; j < len(recs) && recs[j].Security != nil; j++ {
				events = append(events, *recs[j].Security)
			}
			if err := tx.InsertSecurityEvents(ctx, events); err != nil {
				return err
			}
		}
		i = j
	}
	return nil
}

// Replay writes the fallback file's events to the database and empties the
// file. Events already present (same event id) are skipped, so a replay
// interrupted after its commit is harmless. Records the database refuses and
// lines that cannot be read are set aside, not a stop: the file is removed
// only once every line is stored or set aside. It returns the number of
// records stored.
func (w *Writer) Replay(ctx context.Context) (int, error) {
	return w.fallback.replay(func(recs []record) (int, error) {
		rest, aside, err := w.store(ctx, recs)
		if err != nil {
			return 0, err
		}
		return len(recs) - len(rest) - aside, nil
	}, func(n int) {
		w.log.Error("Unreadable audit fallback lines quarantined", "count", n, "file", w.fallback.aside.quarantinePath())
		w.opts.OnSetAside(n)
	})
}

// fallback is the append-only, fsync'd local file of events that could not
// reach the database.
type fallback struct {
	path   string
	mu     sync.Mutex
	n      atomic.Int64 // records in the file
	unread atomic.Bool  // the file has lines to quarantine
	aside  *setAsideFiles
}

func openFallback(path string) (*fallback, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("audit fallback directory: %w", err)
	}
	aside, err := openSetAside(path)
	if err != nil {
		return nil, err
	}
	f := &fallback{path: path, aside: aside}
	if err := endWithNewline(path); err != nil {
		return nil, err
	}
	recs, bad, err := f.read()
	if err != nil {
		return nil, err
	}
	f.n.Store(int64(len(recs)))
	f.unread.Store(len(bad) > 0)
	return f, nil
}

// endWithNewline ends a torn last line, left by a crash in the middle of an
// append, so that records appended after a restart start on a line of their
// own; the torn line is quarantined at the next replay.
func endWithNewline(path string) error {
	file, err := os.OpenFile(path, os.O_RDWR, 0)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("open audit fallback file: %w", err)
	}
	defer file.Close()
	st, err := file.Stat()
	if err != nil || st.Size() == 0 {
		return err
	}
	last := make([]byte, 1)
	if _, err := file.ReadAt(last, st.Size()-1); err != nil {
		return fmt.Errorf("read audit fallback file: %w", err)
	}
	if last[0] == '\n' {
		return nil
	}
	if _, err := file.WriteAt([]byte{'\n'}, st.Size()); err != nil {
		return fmt.Errorf("end the torn line of the audit fallback file: %w", err)
	}
	if err := file.Sync(); err != nil {
		return fmt.Errorf("sync audit fallback file: %w", err)
	}
	return nil
}

func (f *fallback) len() int { return int(f.n.Load()) }

// pending reports whether the file needs a replay.
func (f *fallback) pending() bool { return f.len() > 0 || f.unread.Load() }

func (f *fallback) append(recs []record) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	lines, err := jsonLines(recs)
	if err != nil {
		return err
	}
	if err := appendLines(f.path, lines); err != nil {
		return err
	}
	f.n.Add(int64(len(recs)))
	return nil
}

// jsonLines encodes each item as one JSON line (without its newline).
func jsonLines[T any](items []T) ([][]byte, error) {
	lines := make([][]byte, len(items))
	for i, it := range items {
		b, err := json.Marshal(it)
		if err != nil {
			return nil, fmt.Errorf("encode audit record: %w", err)
		}
		lines[i] = b
	}
	return lines, nil
}

// appendLines appends lines, each ended by a newline, and fsyncs. A failed
// append is cut off again, so that it never leaves a torn line.
func appendLines(path string, lines [][]byte) error {
	if len(lines) == 0 {
		return nil
	}
	var buf []byte
	for _, l := range lines {
		buf = append(append(buf, l...), '\n')
	}
	file, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	st, err := file.Stat()
	if err == nil {
		if _, err = file.Write(buf); err == nil {
			err = file.Sync()
		}
		if err != nil {
			_ = file.Truncate(st.Size())
		}
	}
	if cerr := file.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// read returns the file's records and, verbatim, the lines that are not one
// (a torn line from a crash, or anything else).
func (f *fallback) read() (recs []record, bad [][]byte, err error) {
	err = eachLine(f.path, func(line []byte) {
		var r record
		if json.Unmarshal(line, &r) != nil || (r.Audit == nil) == (r.Security == nil) {
			bad = append(bad, line)
			return
		}
		recs = append(recs, r)
	})
	return recs, bad, err
}

// eachLine calls fn with each non-empty line of the file at path, without
// its newline, whatever its length. A missing file has no lines.
func eachLine(path string, fn func(line []byte)) error {
	file, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	defer file.Close()
	br := bufio.NewReader(file)
	for {
		line, err := br.ReadBytes('\n')
		if line = bytes.TrimSuffix(line, []byte{'\n'}); len(line) > 0 {
			fn(line)
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read %s: %w", path, err)
		}
	}
}

// replay stores the file's records, quarantines its unreadable lines and
// removes it. A failed store leaves the file as it is, for the next replay.
func (f *fallback) replay(store func([]record) (int, error), onQuarantine func(n int)) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	recs, bad, err := f.read()
	if err != nil || len(recs)+len(bad) == 0 {
		return 0, err
	}
	n := 0
	if len(recs) > 0 {
		if n, err = store(recs); err != nil {
			return 0, fmt.Errorf("replay %d audit fallback records: %w", len(recs), err)
		}
	}
	if len(bad) > 0 {
		q, err := f.aside.add(nil, bad)
		if err != nil {
			return n, fmt.Errorf("quarantine %d unreadable audit fallback lines: %w", len(bad), err)
		}
		if q > 0 {
			onQuarantine(q)
		}
	}
	if err := os.Remove(f.path); err != nil {
		return n, fmt.Errorf("empty audit fallback file: %w", err)
	}
	f.n.Store(0)
	f.unread.Store(false)
	return n, nil
}
