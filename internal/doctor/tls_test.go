package doctor

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/config"
)

// A database reached over the network with an sslmode that does not verify
// the server is a warning with the fix; a loopback or Unix-socket database,
// or verify-ca/verify-full, passes.
func TestCheckDatabaseTLS(t *testing.T) {
	const check = "database connection verifies the server (TLS)"
	const fix = "set DB_SSLMODE=verify-full (or sslmode=verify-full in DATABASE_URL) and give the server's CA with sslrootcert= unless the system trusts it"
	tests := []struct {
		name string
		url  string
		want Result
	}{
		{"remote, require", "postgres://bot@db.example.com:5432/embodied?sslmode=require",
			Result{Warn, check, "DATABASE_URL: db.example.com with sslmode=require: the connection is not checked against the server's certificate, so anyone on the path can pose as the database", fix}},
		{"remote, no sslmode (prefer)", "postgres://bot@10.0.0.5/embodied",
			Result{Warn, check, "DATABASE_URL: 10.0.0.5 with sslmode=prefer: the connection may fall back to plain text and is not checked against the server's certificate", fix}},
		{"remote, disable", "postgres://bot@db.example.com/embodied?sslmode=disable",
			Result{Warn, check, "DATABASE_URL: db.example.com with sslmode=disable: the password and every row cross the network in plain text", fix}},
		{"remote, allow", "postgres://bot@db.example.com/embodied?sslmode=allow",
			Result{Warn, check, "DATABASE_URL: db.example.com with sslmode=allow: the connection may fall back to plain text and is not checked against the server's certificate", fix}},
		{"remote host in the query", "postgres://bot@/embodied?host=db.example.com&sslmode=require",
			Result{Warn, check, "DATABASE_URL: db.example.com with sslmode=require: the connection is not checked against the server's certificate, so anyone on the path can pose as the database", fix}},
		{"remote, verify-full", "postgres://bot@db.example.com/embodied?sslmode=verify-full",
			Result{Pass, check, "DATABASE_URL: db.example.com with sslmode=verify-full", ""}},
		{"remote, verify-ca", "postgres://bot@db.example.com/embodied?sslmode=verify-ca",
			Result{Pass, check, "DATABASE_URL: db.example.com with sslmode=verify-ca", ""}},
		{"loopback", "postgres://bot@127.0.0.1:5432/embodied?sslmode=disable",
			Result{Pass, check, "DATABASE_URL: 127.0.0.1 is on this machine", ""}},
		{"localhost", "postgres://bot@localhost/embodied",
			Result{Pass, check, "DATABASE_URL: localhost is on this machine", ""}},
		{"IPv6 loopback", "postgres://bot@[::1]:5432/embodied?sslmode=disable",
			Result{Pass, check, "DATABASE_URL: ::1 is on this machine", ""}},
		{"Unix socket", "postgres://bot@/embodied?host=/var/run/postgresql",
			Result{Pass, check, "DATABASE_URL: /var/run/postgresql is on this machine", ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("PGSSLMODE", "")
			r := &Report{}
			checkDatabaseTLS(r, &config.Config{DatabaseURL: tt.url, MigrationURL: tt.url})
			if diff := cmp.Diff([]Result{tt.want}, r.Results); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// The migration role's connection is checked too when it differs.
func TestCheckDatabaseTLSMigrationURL(t *testing.T) {
	t.Setenv("PGSSLMODE", "")
	r := &Report{}
	checkDatabaseTLS(r, &config.Config{DatabaseURL: "postgres://bot@localhost/embodied",
		MigrationURL: "postgres://owner@db.example.com/embodied?sslmode=require"})
	var got []string
	for _, x := range r.Results {
		name, _, _ := strings.Cut(x.Detail, ":")
		got = append(got, x.Status.String()+" "+name)
	}
	want := []string{"PASS DATABASE_URL", "WARN MIGRATION_DATABASE_URL"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}
