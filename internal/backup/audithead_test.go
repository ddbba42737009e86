package backup

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/audit"
	"github.com/embodied-community/embodied/internal/storetest"
)

// The manifest records the audit chain's head as of the dumped snapshot; a
// restore of the backup holds that anchor, and its application role cannot
// create TEMP tables (a dump carries no database privileges).
func TestManifestRecordsAuditHead(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storetest.New(t)
	e := newEngine(t, db, nil)

	empty, err := e.Run(ctx, Request{Trigger: TriggerCLI, Label: "empty"})
	if err != nil {
		t.Fatal(err)
	}
	if empty.AuditHead != nil {
		t.Errorf("empty chain: manifest head %v, want none", empty.AuditHead)
	}

	owner := storetest.Pool(t, db.OwnerURL)
	for range 3 {
		addAudit(t, owner, "warn", "spam")
	}
	want, err := audit.Head(ctx, db.App)
	if err != nil {
		t.Fatal(err)
	}
	res, err := e.Run(ctx, Request{Trigger: TriggerCLI})
	if err != nil {
		t.Fatal(err)
	}
	m, err := ReadManifest(res.Path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&want, m.AuditHead); want.Seq != 3 || diff != "" {
		t.Errorf("manifest head mismatch (-want +got):\n%s", diff)
	}
	if byManifest, err := ReadManifest(res.Path + manifestExt); err != nil || !cmp.Equal(byManifest.AuditHead, m.AuditHead) {
		t.Errorf("ReadManifest by the manifest's own path = %v, %v", byManifest.AuditHead, err)
	}

	target := randomName("test_restore_")
	dropDatabase(t, target)
	if err := e.Restore(ctx, res.File, target, false); err != nil {
		t.Fatal(err)
	}
	_, ownerURL := storetest.URLs(t)
	restored := storetest.Pool(t, storetest.WithDatabase(ownerURL, target))
	v, err := audit.Verify(ctx, restored, want)
	if err != nil || !v.OK() {
		t.Errorf("restored chain with the manifest's anchor: %+v, %v", v, err)
	}
	var publicTemp bool
	if err := restored.QueryRow(ctx, `SELECT has_database_privilege('public', current_database(), 'TEMPORARY')`).Scan(&publicTemp); err != nil {
		t.Fatal(err)
	}
	if publicTemp {
		t.Error("the restored database lets PUBLIC create TEMP tables")
	}
}
