package bot_test

import (
	"context"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/bot"
	"github.com/embodied-community/embodied/internal/storetest"
)

const (
	dbKey   = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
	fileKey = "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100"
)

// LoadKey never leaves the key in the database: whatever it finds, after it
// the bot_settings row is gone and the key file (mode 0600) holds the key
// the bot signs with.
func TestLoadKey(t *testing.T) {
	tests := []struct {
		name       string
		configured string
		stored     string // the bot_settings row an earlier version left
		file       string // the key file's content before start
		fileMode   os.FileMode
		wantKey    string // hex; "new" for a fresh random key
		wantFile   string // the key file after start: hex, "new", or "" for none
		wantErr    string
	}{
		{name: "first start", wantKey: "new", wantFile: "new"},
		{name: "upgrade: the key moves from the database to the file", stored: dbKey, wantKey: dbKey, wantFile: dbKey},
		{name: "restart", file: fileKey + "\n", wantKey: fileKey, wantFile: fileKey},
		{name: "the file wins over a stale database key", stored: dbKey, file: fileKey, wantKey: fileKey, wantFile: fileKey},
		{name: "configured key", configured: strings.Repeat("k", 32), stored: dbKey, wantKey: hex.EncodeToString([]byte(strings.Repeat("k", 32)))},
		{name: "a file others may read is refused", stored: dbKey, file: fileKey, fileMode: 0o644, wantErr: "run chmod 600"},
		{name: "a damaged file is refused", file: "not hex", wantErr: "is not 32 or more bytes in hex"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			db := storetest.New(t)
			ctx := context.Background()
			path := filepath.Join(t.TempDir(), "conf", "component-signing.key")
			if tt.stored != "" {
				if _, err := db.App.Exec(ctx, `INSERT INTO bot_settings (key, value) VALUES ('component_signing_key', $1)`, tt.stored); err != nil {
					t.Fatal(err)
				}
			}
			if tt.file != "" {
				mode := tt.fileMode
				if mode == 0 {
					mode = 0o600
				}
				os.MkdirAll(filepath.Dir(path), 0o700)
				if err := os.WriteFile(path, []byte(tt.file), mode); err != nil {
					t.Fatal(err)
				}
				os.Chmod(path, mode)
			}
			src := bot.KeySource{Configured: tt.configured, File: path}
			if tt.configured != "" {
				src.File = ""
			}
			key, err := bot.LoadKey(ctx, db.Store, src)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("LoadKey error %v, want %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), fileKey) || strings.Contains(err.Error(), tt.file) {
					t.Errorf("the error quotes the key: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := hex.EncodeToString(key)
			if tt.wantKey == "new" {
				if len(key) != 32 || got == dbKey || got == fileKey {
					t.Errorf("new key %d bytes", len(key))
				}
			} else if got != tt.wantKey {
				t.Errorf("key %s, want %s", got, tt.wantKey)
			}
			var rows int
			if err := db.App.QueryRow(ctx, `SELECT count(*) FROM bot_settings`).Scan(&rows); err != nil {
				t.Fatal(err)
			}
			if rows != 0 {
				t.Errorf("%d rows left in bot_settings", rows)
			}
			data, err := os.ReadFile(path)
			switch {
			case tt.wantFile == "":
				if err == nil {
					t.Errorf("a key file was written beside a configured key")
				}
				return
			case err != nil:
				t.Fatal(err)
			}
			wantFile := tt.wantFile
			if wantFile == "new" {
				wantFile = got
			}
			st, _ := os.Stat(path)
			if diff := cmp.Diff([]any{wantFile, os.FileMode(0o600)}, []any{strings.TrimSpace(string(data)), st.Mode().Perm()}); diff != "" {
				t.Errorf("key file mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// Two processes starting at once on a fresh install sign with one key.
func TestLoadKeyConcurrentFirstStart(t *testing.T) {
	db := storetest.New(t)
	path := filepath.Join(t.TempDir(), "component-signing.key")
	keys := make([]string, 8)
	var wg sync.WaitGroup
	for i := range keys {
		wg.Add(1)
		go func() {
			defer wg.Done()
			k, err := bot.LoadKey(context.Background(), db.Store, bot.KeySource{File: path})
			if err != nil {
				t.Error(err)
			}
			keys[i] = hex.EncodeToString(k)
		}()
	}
	wg.Wait()
	for _, k := range keys[1:] {
		if k != keys[0] {
			t.Fatalf("keys differ: %q", keys)
		}
	}
}
