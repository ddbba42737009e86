package privacy

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/klauspost/compress/gzip"
)

// DefaultAttachmentLimit is Discord's default per-file upload limit, used
// when the caller does not know the interaction's attachment_size_limit.
const DefaultAttachmentLimit = 10 << 20

// File is a finished export on disk.
type File struct {
	// Name is the file name to show: user-data-<userId>-<unix ms>.json,
	// with .gz appended when Gzipped.
	Name string
	// Path is where the file is.
	Path string
	// Size is its size in bytes; RawSize the size of the JSON before
	// compression.
	Size, RawSize int64
	Gzipped       bool
	// Kept reports that the file was too large to attach even compressed,
	// and is kept in the exports directory until ExpiresAt.
	Kept      bool
	ExpiresAt time.Time
	// Counts are the rows exported per key.
	Counts Counts
}

// Open opens the file for reading (to attach it).
func (f *File) Open() (*os.File, error) { return os.Open(f.Path) }

// Remove deletes an attached (not kept) export once it has been sent.
func (f *File) Remove() error {
	if f.Kept {
		return nil
	}
	if err := os.Remove(f.Path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove export %s: %w", f.Path, err)
	}
	return nil
}

const (
	namePrefix    = "user-data-"
	partialPrefix = ".partial-"
)

// FileName is the export's file name for userID at t.
func FileName(userID string, t time.Time) string {
	return namePrefix + userID + "-" + strconv.FormatInt(t.UnixMilli(), 10) + ".json"
}

// Export writes subj's data to a file in the exports directory, streaming
// it from the database. When the JSON is larger than limit bytes (the
// interaction's attachment_size_limit; 0 means DefaultAttachmentLimit) it
// is gzip'd; when that is still larger, the compressed file is kept in the
// directory for the retention period instead of being attached. Expired
// exports are deleted first.
func (s *Service) Export(ctx context.Context, subj Subject, limit int64) (*File, error) {
	if limit <= 0 {
		limit = DefaultAttachmentLimit
	}
	if err := s.ensureDir(); err != nil {
		return nil, err
	}
	if _, err := s.Prune(); err != nil {
		s.log.Warn("Could not delete expired exports", "error", err)
	}
	now := s.opts.Now()
	f := &File{Name: FileName(subj.UserID, now)}

	tmp, err := os.CreateTemp(s.opts.Dir, partialPrefix+"*.json")
	if err != nil {
		return nil, fmt.Errorf("create export file: %w", err)
	}
	defer func() {
		if tmp != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	f.Counts, err = s.WriteJSON(ctx, tmp, subj)
	if err != nil {
		return nil, err
	}
	if f.RawSize, err = tmp.Seek(0, io.SeekCurrent); err != nil {
		return nil, fmt.Errorf("export size: %w", err)
	}
	f.Size = f.RawSize
	if f.RawSize > limit {
		gz, size, err := s.compress(tmp)
		if err != nil {
			return nil, err
		}
		tmp.Close()
		os.Remove(tmp.Name())
		tmp = gz
		f.Name += ".gz"
		f.Size, f.Gzipped = size, true
	}
	if err := tmp.Close(); err != nil {
		return nil, fmt.Errorf("close export file: %w", err)
	}
	if f.Size > limit {
		f.Kept = true
		f.ExpiresAt = now.Add(s.opts.Retention)
		// Two exports of one member in the same millisecond must not
		// overwrite each other: take the next free millisecond.
		for at := now; ; at = at.Add(time.Millisecond) {
			f.Name = strings.TrimSuffix(FileName(subj.UserID, at), ".json") + ".json.gz"
			f.Path = filepath.Join(s.opts.Dir, f.Name)
			if _, err := os.Lstat(f.Path); errors.Is(err, os.ErrNotExist) {
				break
			}
		}
	} else {
		// Attached and removed at once: keep the private temporary name.
		f.Path = tmp.Name() + ".ready"
	}
	if err := os.Rename(tmp.Name(), f.Path); err != nil {
		return nil, fmt.Errorf("finish export file: %w", err)
	}
	tmp = nil
	s.log.Info("Data exported", "userId", subj.UserID, "guildId", subj.GuildID, "rows", f.Counts.Total(),
		"bytes", f.Size, "gzipped", f.Gzipped, "kept", f.Kept)
	return f, nil
}

// compress gzips the JSON in src (positioned at its end) into a new
// partial file and returns it, open, with its size.
func (s *Service) compress(src *os.File) (*os.File, int64, error) {
	if _, err := src.Seek(0, io.SeekStart); err != nil {
		return nil, 0, fmt.Errorf("compress export: %w", err)
	}
	dst, err := os.CreateTemp(s.opts.Dir, partialPrefix+"*.json.gz")
	if err != nil {
		return nil, 0, fmt.Errorf("create compressed export: %w", err)
	}
	fail := func(err error) (*os.File, int64, error) {
		dst.Close()
		os.Remove(dst.Name())
		return nil, 0, fmt.Errorf("compress export: %w", err)
	}
	bw := bufio.NewWriterSize(dst, 64<<10)
	zw, err := gzip.NewWriterLevel(bw, gzip.DefaultCompression)
	if err != nil {
		return fail(err)
	}
	if _, err := io.Copy(zw, bufio.NewReaderSize(src, 64<<10)); err != nil {
		return fail(err)
	}
	if err := zw.Close(); err != nil {
		return fail(err)
	}
	if err := bw.Flush(); err != nil {
		return fail(err)
	}
	size, err := dst.Seek(0, io.SeekCurrent)
	if err != nil {
		return fail(err)
	}
	return dst, size, nil
}

// ensureDir creates the exports directory, private to the bot's user.
func (s *Service) ensureDir() error {
	if err := os.MkdirAll(s.opts.Dir, 0o700); err != nil {
		return fmt.Errorf("create exports directory: %w", err)
	}
	if err := os.Chmod(s.opts.Dir, 0o700); err != nil {
		return fmt.Errorf("restrict exports directory: %w", err)
	}
	return nil
}

// Prune deletes kept exports older than the retention period (by the time
// in their name, on the service's clock) and partial files left by a crash
// more than a day ago. It returns how many files it deleted.
func (s *Service) Prune() (int, error) {
	entries, err := os.ReadDir(s.opts.Dir)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("list exports: %w", err)
	}
	now := s.opts.Now()
	var errs []error
	n := 0
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		name := e.Name()
		expired := false
		switch {
		case strings.HasPrefix(name, namePrefix):
			at, ok := exportTime(name)
			expired = ok && !now.Before(at.Add(s.opts.Retention))
		case strings.HasPrefix(name, partialPrefix):
			info, err := e.Info()
			expired = err == nil && time.Since(info.ModTime()) > 24*time.Hour
		}
		if !expired {
			continue
		}
		if err := os.Remove(filepath.Join(s.opts.Dir, name)); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
			continue
		}
		n++
		s.log.Info("Expired export deleted", "file", name)
	}
	return n, errors.Join(errs...)
}

// exportTime reads the time from user-data-<user>-<unix ms>.json[.gz].
func exportTime(name string) (time.Time, bool) {
	base := strings.TrimSuffix(strings.TrimSuffix(name, ".gz"), ".json")
	i := strings.LastIndexByte(base, '-')
	if i < 0 {
		return time.Time{}, false
	}
	ms, err := strconv.ParseInt(base[i+1:], 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	return time.UnixMilli(ms), true
}
