package backup

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestFileNames(t *testing.T) {
	at := time.Date(2025, 10, 7, 14, 30, 15, 0, time.UTC)
	tests := []struct {
		label, want string
	}{
		{"", "backup-2025-10-07T14-30-15.sql.gz"},
		{"pre-phase11-prod", "backup-pre-phase11-prod-2025-10-07T14-30-15.sql.gz"},
	}
	for _, tt := range tests {
		got := FileName(tt.label, at.In(time.FixedZone("CEST", 2*3600)))
		if got != tt.want {
			t.Errorf("FileName(%q) = %q, want %q", tt.label, got, tt.want)
		}
		label, when, ok := ParseFileName(got)
		if !ok || label != tt.label || !when.Equal(at) {
			t.Errorf("ParseFileName(%q) = %q, %v, %v", got, label, when, ok)
		}
	}
	for _, name := range []string{
		"backup-pre-phase11-staging.sql.gz", "backup-2025-10-07T14-30-15.sql", "backup-2025-10-07T14-30-15.sql.gz.manifest.json",
		".tmp-backup-2025-10-07T14-30-15.sql.gz.123", "notes-2025-10-07T14-30-15.sql.gz", "backup-2025-13-07T14-30-15.sql.gz",
	} {
		if _, _, ok := ParseFileName(name); ok {
			t.Errorf("ParseFileName(%q) accepted a name that is not ours", name)
		}
	}
}

func TestSummaryAndSizeLevel(t *testing.T) {
	tests := []struct {
		size    int64
		summary string
		level   string
	}{
		{2453668, "Backup completed!\nFile: backup-2025-10-07T14-30-15.sql.gz\nSize: 2.34 MB", LevelOK},
		{0, "Backup completed!\nFile: backup-2025-10-07T14-30-15.sql.gz\nSize: 0.00 MB", LevelOK},
		{100 * MB, "Backup completed!\nFile: backup-2025-10-07T14-30-15.sql.gz\nSize: 100.00 MB", LevelOK},
		{100*MB + 1, "Backup completed!\nFile: backup-2025-10-07T14-30-15.sql.gz\nSize: 100.00 MB", LevelWarning},
		{500 * MB, "Backup completed!\nFile: backup-2025-10-07T14-30-15.sql.gz\nSize: 500.00 MB", LevelWarning},
		{500*MB + 1, "Backup completed!\nFile: backup-2025-10-07T14-30-15.sql.gz\nSize: 500.00 MB", LevelCritical},
	}
	for _, tt := range tests {
		r := Result{File: "backup-2025-10-07T14-30-15.sql.gz", Size: tt.size}
		if got := r.Summary(); got != tt.summary {
			t.Errorf("Summary() with %d bytes = %q, want %q", tt.size, got, tt.summary)
		}
		if got := SizeLevel(tt.size); got != tt.level {
			t.Errorf("SizeLevel(%d) = %q, want %q", tt.size, got, tt.level)
		}
	}
}

func TestPrune(t *testing.T) {
	now := time.Date(2025, 10, 7, 3, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	type file struct {
		name string
		age  time.Duration // modification time before now
	}
	old := func(d int) string { return FileName("", now.Add(-time.Duration(d)*day)) }
	tests := []struct {
		name       string
		keepNewest int
		files      []file
		wantGone   []string
	}{
		{
			name:       "older than 30 days go, the newest stay",
			keepNewest: 2,
			files: []file{
				{old(0), 0}, {old(1), day}, {old(29), 29 * day}, {old(31), 31 * day}, {old(45), 45 * day},
			},
			wantGone: []string{old(31), old(45)},
		},
		{
			name:       "the newest few stay even when old",
			keepNewest: 3,
			files:      []file{{old(40), 40 * day}, {old(50), 50 * day}, {old(60), 60 * day}, {old(70), 70 * day}},
			wantGone:   []string{old(70)},
		},
		{
			name:       "labelled backups and files that are not ours stay",
			keepNewest: 1,
			files: []file{
				{old(0), 0},
				{FileName("pre-phase11-prod", now.Add(-90*day)), 90 * day},
				{"backup-pre-phase11-staging.sql.gz", 90 * day},
				{"notes.txt", 90 * day},
				{"backup-2025-01-01T00-00-00.sql", 90 * day},
				{old(40), 40 * day},
			},
			wantGone: []string{old(40)},
		},
		{
			name:       "an old name with a recent modification time stays (copied back in)",
			keepNewest: 1,
			files:      []file{{old(0), 0}, {old(40), 2 * day}, {old(41), 41 * day}},
			wantGone:   []string{old(41)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			e, err := New(Options{Dir: dir, Retention: 30 * day, KeepNewest: tt.keepNewest, DatabaseURL: "postgres://u@localhost/db"}, nil)
			if err != nil {
				t.Fatal(err)
			}
			var all []string
			for _, f := range tt.files {
				for _, name := range []string{f.name, ManifestName(f.name)} {
					p := filepath.Join(dir, name)
					if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
						t.Fatal(err)
					}
					mt := now.Add(-f.age)
					if err := os.Chtimes(p, mt, mt); err != nil {
						t.Fatal(err)
					}
				}
				all = append(all, f.name)
			}
			gone, err := e.Prune(now)
			if err != nil {
				t.Fatalf("Prune: %v", err)
			}
			if diff := cmp.Diff(tt.wantGone, gone); diff != "" {
				t.Errorf("deleted mismatch (-want +got):\n%s", diff)
			}
			for _, name := range all {
				_, err := os.Stat(filepath.Join(dir, name))
				_, merr := os.Stat(filepath.Join(dir, ManifestName(name)))
				deleted := slices.Contains(tt.wantGone, name)
				if deleted != os.IsNotExist(err) || deleted != os.IsNotExist(merr) {
					t.Errorf("%s: file err %v, manifest err %v, want deleted=%v", name, err, merr, deleted)
				}
			}
		})
	}
}
