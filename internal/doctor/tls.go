package doctor

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"

	"github.com/embodied-community/embodied/internal/config"
)

// tlsFix is the advice for a database connection that does not verify the
// server.
const tlsFix = "set DB_SSLMODE=verify-full (or sslmode=verify-full in DATABASE_URL) and give the server's CA with sslrootcert= unless the system trusts it"

// checkDatabaseTLS warns when a database on another machine is reached with
// an sslmode that does not verify the server's certificate: every sslmode
// but verify-ca and verify-full lets anyone on the path read the password
// exchange and the rows, or pose as the database. The migration role's
// connection is checked too when it differs.
func checkDatabaseTLS(r *Report, cfg *config.Config) {
	checkConnTLS(r, "DATABASE_URL", cfg.DatabaseURL)
	if cfg.MigrationURL != "" && cfg.MigrationURL != cfg.DatabaseURL {
		checkConnTLS(r, "MIGRATION_DATABASE_URL", cfg.MigrationURL)
	}
}

func checkConnTLS(r *Report, name, conn string) {
	const check = "database connection verifies the server (TLS)"
	u, err := url.Parse(conn)
	if err != nil {
		// Never quote the URL: it may hold a password.
		r.add(Warn, check, name+" is not a URL the doctor can read", "use a postgres:// URL")
		return
	}
	q := u.Query()
	hosts := u.Hostname()
	if h := q.Get("host"); h != "" {
		hosts = h
	}
	if hosts == "" {
		hosts = "localhost" // libpq and pgx default to the local socket or localhost
	}
	var remote []string
	for _, h := range strings.Split(hosts, ",") {
		if !local(h) {
			remote = append(remote, h)
		}
	}
	if len(remote) == 0 {
		r.add(Pass, check, fmt.Sprintf("%s: %s is on this machine", name, hosts), "")
		return
	}
	mode := q.Get("sslmode")
	if mode == "" {
		mode = os.Getenv("PGSSLMODE")
	}
	if mode == "" {
		mode = "prefer" // the default of libpq and pgx
	}
	where := fmt.Sprintf("%s: %s with sslmode=%s", name, strings.Join(remote, ","), mode)
	switch mode {
	case "verify-full", "verify-ca":
		r.add(Pass, check, where, "")
	case "disable":
		r.add(Warn, check, where+": the password and every row cross the network in plain text", tlsFix)
	case "allow", "prefer":
		r.add(Warn, check, where+": the connection may fall back to plain text and is not checked against the server's certificate", tlsFix)
	default:
		r.add(Warn, check, where+": the connection is not checked against the server's certificate, so anyone on the path can pose as the database", tlsFix)
	}
}

// local reports whether host is a Unix socket directory or a loopback
// name or address.
func local(host string) bool {
	if strings.HasPrefix(host, "/") || host == "localhost" {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}
