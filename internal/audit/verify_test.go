package audit_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/embodied-community/embodied/internal/audit"
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

// rewrite does what someone holding the schema owner's credentials can:
// switch the append-only trigger off, change the reason of the row at seq
// and recompute every later digest and hash, so that the chain verifies.
func rewrite(t *testing.T, db *storetest.DB, seq int64) {
	t.Helper()
	ctx := context.Background()
	owner := storetest.Pool(t, db.OwnerURL)
	err := pgx.BeginFunc(ctx, owner, func(tx pgx.Tx) error {
		for _, q := range []string{
			`ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only`,
			`UPDATE audit_log SET reason = 'nothing happened' WHERE seq = ` + strconv.FormatInt(seq, 10),
			`DO $$
			DECLARE
				r record;
				prev bytea;
			BEGIN
				prev := coalesce((SELECT row_hash FROM audit_log WHERE seq = ` + strconv.FormatInt(seq-1, 10) + `), '\x'::bytea);
				FOR r IN SELECT id FROM audit_log WHERE seq >= ` + strconv.FormatInt(seq, 10) + ` ORDER BY seq LOOP
					UPDATE audit_log SET prev_hash = prev,
						content_digest = audit_content_digest(salt, actor_id, target_id, reason, details)
					WHERE id = r.id;
					UPDATE audit_log SET row_hash = audit_row_hash(prev_hash, seq, guild_id, action_type, created_at, content_digest)
					WHERE id = r.id RETURNING row_hash INTO prev;
				END LOOP;
			END
			$$`,
			`ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only`,
		} {
			if _, err := tx.Exec(ctx, q); err != nil {
				return fmt.Errorf("%s: %w", q, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func head(t *testing.T, pool *pgxpool.Pool) audit.Anchor {
	t.Helper()
	a, err := audit.Head(context.Background(), pool)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// The chain head kept outside PostgreSQL catches a rewrite that plain
// verification cannot: the owner re-hashes the chain after changing seq 2.
func TestVerifyAnchor(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	if got := head(t, db.App); !got.IsZero() {
		t.Errorf("head of an empty chain = %v, want none", got)
	}
	for i := range 3 {
		insert(t, db.App, entry(i))
	}
	atThree := head(t, db.App)
	for i := 3; i < 5; i++ {
		insert(t, db.App, entry(i))
	}
	atFive := head(t, db.App)
	if atThree.Seq != 3 || atFive.Seq != 5 || len(atFive.Hash) != 64 {
		t.Fatalf("heads %v and %v, want seq 3 and 5 with a SHA-256 hash", atThree, atFive)
	}
	parsed, err := audit.ParseAnchor(strings.ToUpper(atFive.String()))
	if err != nil || parsed != atFive {
		t.Fatalf("ParseAnchor(%q) = %v, %v; want %v", strings.ToUpper(atFive.String()), parsed, err, atFive)
	}
	forged := audit.Anchor{Seq: 4, Hash: strings.Repeat("ab", 32)}
	beyond := audit.Anchor{Seq: 9, Hash: atFive.Hash}

	type breaks = []audit.Break
	check := func(when string, anchors []audit.Anchor, want breaks) {
		t.Helper()
		res, err := audit.Verify(context.Background(), db.App, anchors...)
		if err != nil {
			t.Fatal(err)
		}
		if res.FirstBreak != nil {
			t.Errorf("%s: plain verification broke: %+v", when, res.FirstBreak)
		}
		got := breaks{}
		for _, b := range res.AnchorBreaks {
			b.ID = 0
			b.Reason, _, _ = strings.Cut(b.Reason, ":")
			got = append(got, b)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: anchor breaks mismatch (-want +got):\n%s", when, diff)
		}
		if res.OK() != (len(want) == 0) {
			t.Errorf("%s: OK() = %v with breaks %v", when, res.OK(), got)
		}
	}
	check("untouched", []audit.Anchor{atThree, atFive}, breaks{})
	check("forged and beyond", []audit.Anchor{forged, beyond}, breaks{
		{Seq: 4, Reason: "row_hash " + hashAt(t, db, 4) + " is not the anchor's " + forged.Hash},
		{Seq: 9, Reason: "the chain ends at seq 5, before the anchor's seq 9"},
	})

	rewrite(t, db, 2)
	after := head(t, db.App)
	check("rewritten", []audit.Anchor{atThree, atFive, after}, breaks{
		{Seq: 3, Reason: "row_hash " + hashAt(t, db, 3) + " is not the anchor's " + atThree.Hash},
		{Seq: 5, Reason: "row_hash " + after.Hash + " is not the anchor's " + atFive.Hash},
	})
}

func hashAt(t *testing.T, db *storetest.DB, seq int64) string {
	t.Helper()
	var h string
	if err := db.App.QueryRow(context.Background(), `SELECT encode(row_hash, 'hex') FROM audit_log WHERE seq = $1`, seq).Scan(&h); err != nil {
		t.Fatal(err)
	}
	return h
}

// Archived rows are summarised by a checkpoint: an anchor at the checkpoint
// is checked against it; one below it cannot be confirmed, and says so
// rather than passing (archiving must not hide a rewrite).
func TestVerifyAnchorAtAndBelowCheckpoint(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storetest.New(t)
	for i := range 3 {
		insert(t, db.App, entry(i))
	}
	at2 := audit.Anchor{Seq: 2, Hash: hashAt(t, db, 2)}
	owner := storetest.Pool(t, db.OwnerURL)
	if _, err := owner.Exec(ctx, `INSERT INTO audit_checkpoints (seq, row_hash, rows) SELECT seq, row_hash, 2 FROM audit_log WHERE seq = 2`); err != nil {
		t.Fatal(err)
	}
	res, err := audit.Verify(ctx, db.App, at2, audit.Anchor{Seq: 1, Hash: hashAt(t, db, 1)})
	if err != nil {
		t.Fatal(err)
	}
	want := []audit.Break{{Seq: 1, Reason: "seq 1 was archived (the chain starts after the checkpoint at seq 2): the anchor cannot be confirmed; use a newer one"}}
	if diff := cmp.Diff(want, res.AnchorBreaks); diff != "" || res.FromSeq != 3 || res.FirstBreak != nil {
		t.Errorf("from seq %d, break %+v; anchor breaks mismatch (-want +got):\n%s", res.FromSeq, res.FirstBreak, diff)
	}
}
