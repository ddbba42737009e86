package schema_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/embodied-community/embodied/internal/schema"
	"github.com/embodied-community/embodied/internal/storetest"
)

type probeArgs struct{}

func (probeArgs) Kind() string { return "schema_probe" }

// riverResults returns the River checks' outcomes by name.
func riverResults(t *testing.T, ownerURL string) map[string]bool {
	t.Helper()
	results, err := schema.Verify(context.Background(), storetest.Pool(t, ownerURL))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, r := range results {
		if r.Check.Kind == "river_version" || r.Check.Kind == "river_grants" || r.Check.Table == "river_job" {
			out[r.Check.String()] = r.OK
		}
	}
	return out
}

// migrate up leaves River's tables at the version this binary needs, usable
// by the application role; verify notices a River schema one step behind.
func TestRiverUpVerify(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storetest.New(t)
	version := fmt.Sprint(schema.RiverVersion())
	all := map[string]bool{"table river_job": true, "River's schema at version " + version: true,
		"River's tables and sequences granted to embodied_app": true}
	if diff := cmp.Diff(all, riverResults(t, db.OwnerURL)); diff != "" {
		t.Errorf("verify after up mismatch (-want +got):\n%s", diff)
	}

	// The bot's role inserts a job.
	client, err := river.NewClient(riverpgxv5.New(db.App), &river.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.Insert(ctx, probeArgs{}, nil); err != nil {
		t.Fatalf("insert a job as embodied_app: %v", err)
	}

	// One River migration rolled back: verify fails that check only.
	m, err := rivermigrate.New(riverpgxv5.New(storetest.Pool(t, db.OwnerURL)), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionDown, &rivermigrate.MigrateOpts{MaxSteps: 1}); err != nil {
		t.Fatal(err)
	}
	all["River's schema at version "+version] = false
	if diff := cmp.Diff(all, riverResults(t, db.OwnerURL)); diff != "" {
		t.Errorf("verify after one River step down mismatch (-want +got):\n%s", diff)
	}
}
