package audit_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/embodied-community/embodied/internal/storetest"
)

// A session of the application role that shadows audit_log with a TEMP
// table of its own (pg_temp comes first in every session's search path) and
// then appends a record to the real table must not steer the chain trigger
// to its forged head: the trigger functions pin search_path to the tables'
// schema, pg_temp last. The role is granted TEMP here on purpose, to show
// the pinning holds even where the migration's REVOKE does not.
func TestTempTableCannotBreakChain(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storetest.New(t)
	for i := range 3 {
		insert(t, db.App, entry(i))
	}
	owner := storetest.Pool(t, db.OwnerURL)
	if _, err := owner.Exec(ctx, "GRANT TEMPORARY ON DATABASE "+pgx.Identifier{db.Name}.Sanitize()+" TO embodied_app"); err != nil {
		t.Fatal(err)
	}

	hostile, err := pgx.Connect(ctx, db.AppURL)
	if err != nil {
		t.Fatal(err)
	}
	defer hostile.Close(ctx)
	var schema string
	if err := hostile.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`CREATE TEMP TABLE audit_log (seq bigint, row_hash bytea)`,
		`INSERT INTO pg_temp.audit_log VALUES (1000, '\xdeadbeef')`,
		`INSERT INTO ` + pgx.Identifier{schema, "audit_log"}.Sanitize() + ` (guild_id, action_type, actor_id)
			VALUES ('111111111111111111', 'warn', '222222222222222222')`,
	} {
		if _, err := hostile.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	// The bot goes on writing through its own pool.
	insert(t, db.App, entry(3))

	res := verify(t, db.App)
	if !res.OK() || res.Rows != 5 || res.LastSeq != 5 {
		t.Errorf("chain after a TEMP audit_log: rows %d, last seq %d, break %+v; want 5 rows to seq 5, no break", res.Rows, res.LastSeq, res.FirstBreak)
	}
}
