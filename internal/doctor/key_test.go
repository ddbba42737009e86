package doctor

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/config"
	"github.com/embodied-community/embodied/internal/store"
	"github.com/embodied-community/embodied/internal/storetest"
)

// doctor says where the component signing key is: a key file others may
// read fails, a key still in the database (so in every backup) warns until
// the bot's next start moves it out.
func TestCheckSigningKey(t *testing.T) {
	const check = "component signing key outside the database"
	tests := []struct {
		name     string
		mode     os.FileMode // of the key file; 0 for none
		inDB     bool
		want     Status
		wantFix  bool
		wantText string
	}{
		{name: "key file 0600", mode: 0o600, want: Pass, wantText: "in KEY with mode 0600"},
		{name: "no key file yet", want: Pass, wantText: "KEY is created on first start"},
		{name: "key file others may read", mode: 0o644, want: Fail, wantFix: true, wantText: "KEY has mode 0644: others may read it and forge the bot's buttons"},
		{name: "key still in the database", mode: 0o600, inDB: true, want: Warn, wantFix: true,
			wantText: "the key is still in the database (bot_settings), so in every backup: the bot's next start moves it to KEY and deletes it"},
	}
	db := storetest.New(t)
	ctx := context.Background()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "component-signing.key")
			if tt.mode != 0 {
				if err := os.WriteFile(path, []byte("00\n"), tt.mode); err != nil {
					t.Fatal(err)
				}
				os.Chmod(path, tt.mode)
			}
			db.App.Exec(ctx, `DELETE FROM bot_settings`)
			if tt.inDB {
				if _, err := db.App.Exec(ctx, `INSERT INTO bot_settings (key, value) VALUES ('component_signing_key', 'x')`); err != nil {
					t.Fatal(err)
				}
			}
			r := &Report{}
			checkSigningKey(ctx, r, &config.Config{ComponentSigningKeyFile: path}, store.New(db.App))
			if len(r.Results) != 1 {
				t.Fatalf("results %+v", r.Results)
			}
			got := r.Results[0]
			want := Result{Status: tt.want, Check: check, Detail: replaceKey(tt.wantText, path), Fix: got.Fix}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
			if (got.Fix != "") != tt.wantFix {
				t.Errorf("fix %q", got.Fix)
			}
		})
	}
}

func replaceKey(s, path string) string {
	abs, _ := filepath.Abs(path)
	return strings.ReplaceAll(s, "KEY", abs)
}
