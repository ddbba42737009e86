package backup

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"time"
)

// Entry is one backup file in the directory.
type Entry struct {
	File    string // base name
	Path    string
	Label   string
	Time    time.Time // from the name, UTC
	ModTime time.Time
	Size    int64
	// Manifest is the backup's manifest; nil when it is missing or
	// unreadable (ManifestErr says why).
	Manifest    *Result
	ManifestErr error
}

// List returns our backups in the directory, newest first. Files that do
// not have our name format are ignored.
func (e *Engine) List() ([]Entry, error) {
	entries, err := os.ReadDir(e.dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list backups: %w", err)
	}
	var out []Entry
	for _, ent := range entries {
		label, t, ok := ParseFileName(ent.Name())
		if !ok || !ent.Type().IsRegular() {
			continue
		}
		info, err := ent.Info()
		if err != nil {
			continue // deleted meanwhile
		}
		en := Entry{File: ent.Name(), Path: filepath.Join(e.dir, ent.Name()), Label: label, Time: t,
			ModTime: info.ModTime(), Size: info.Size()}
		if m, err := readManifest(e.dir, ent.Name()); err != nil {
			en.ManifestErr = err
		} else {
			en.Manifest = &m
		}
		out = append(out, en)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Time.Equal(out[j].Time) {
			return out[i].Time.After(out[j].Time)
		}
		return out[i].File > out[j].File
	})
	return out, nil
}

// Prune applies retention at time now and returns the deleted files. A
// backup is deleted only when it is ours (our name format, a regular file),
// unlabelled, not among the KeepNewest newest unlabelled backups, and both
// the time in its name and its modification time are older than the
// retention. Its manifest goes with it.
func (e *Engine) Prune(now time.Time) ([]string, error) {
	if e.retention <= 0 {
		return nil, nil
	}
	list, err := e.List()
	if err != nil {
		return nil, err
	}
	cutoff := now.Add(-e.retention)
	var deleted []string
	var errs []error
	kept := 0
	for _, en := range list {
		if en.Label != "" {
			continue
		}
		if kept < e.keepNewest {
			kept++
			continue
		}
		if !en.Time.Before(cutoff) || !en.ModTime.Before(cutoff) {
			continue
		}
		if err := os.Remove(en.Path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, fmt.Errorf("delete %s: %w", en.File, err))
			continue
		}
		if err := os.Remove(filepath.Join(e.dir, ManifestName(en.File))); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, fmt.Errorf("delete manifest of %s: %w", en.File, err))
		}
		e.logger.Info("Deleted old backup", "file", en.File, "age", now.Sub(en.Time).Round(time.Hour).String())
		deleted = append(deleted, en.File)
	}
	if len(deleted) > 0 {
		if err := syncDir(e.dir); err != nil {
			errs = append(errs, fmt.Errorf("sync backup directory: %w", err))
		}
	}
	return deleted, errors.Join(errs...)
}
