package store_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/embodied-community/embodied/internal/store"
	"github.com/embodied-community/embodied/internal/storetest"
)

func TestTableSizes(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	ctx := context.Background()
	if _, err := db.App.Exec(ctx, `INSERT INTO audit_log (guild_id, action_type, actor_id) SELECT 'g', 'warn', 'a' FROM generate_series(1, 2000)`); err != nil {
		t.Fatal(err)
	}
	sizes, err := store.New(db.App).TableSizes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range sizes {
		names = append(names, s.Table)
		if s.Bytes <= 0 || s.Size == "" {
			t.Errorf("%s: size %q (%d bytes)", s.Table, s.Size, s.Bytes)
		}
	}
	if len(names) == 0 || names[0] != "audit_log" {
		t.Errorf("largest table = %v, want audit_log first", names)
	}
	if diff := cmp.Diff(store.SecurityTables, names, cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
		t.Errorf("tables mismatch (-want +got):\n%s", diff)
	}
}
