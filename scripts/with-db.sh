#!/usr/bin/env bash
# with-db.sh CMD [ARGS…]: run CMD with a PostgreSQL database.
#
# When DATABASE_URL is already set, CMD runs against it unchanged. Otherwise a
# throwaway cluster is created from the installed server binaries (under
# .data/, or a temporary directory when the postgres user cannot reach the
# checkout), with a schema-owner role and a non-superuser application role;
# DATABASE_URL, MIGRATION_DATABASE_URL and SUPERUSER_DATABASE_URL point CMD
# at it, and the cluster is stopped and deleted when CMD ends. Passwords travel
# only through the environment and stdin, never through argv.
set -euo pipefail

if [ -n "${DATABASE_URL:-}" ]; then
  exec "$@"
fi

root=$(cd "$(dirname "$0")/.." && pwd)

bindir=""
if command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ]; then
  bindir=$(pg_config --bindir)
fi
if [ -z "$bindir" ]; then
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$d/initdb" ]; then bindir=$d; break; fi
  done
fi
if [ -z "$bindir" ]; then
  cat >&2 <<MSG
No PostgreSQL server binaries (initdb, pg_ctl) found.
Install them (Debian/Ubuntu: sudo apt-get install postgresql) or set DATABASE_URL
(and MIGRATION_DATABASE_URL for the schema owner) to an existing database, e.g.
  export DATABASE_URL=postgres://botuser@localhost:5432/embodied_dating_bot_dev
MSG
  exit 2
fi

# As root, the cluster runs as the postgres user.
as_pg=()
if [ "$(id -u)" = 0 ]; then
  if ! id postgres >/dev/null 2>&1; then
    echo "Running as root but there is no postgres user to run the server as." >&2
    exit 2
  fi
  as_pg=(runuser -u postgres --)
fi

mkdir -p "$root/.data"
data=$(mktemp -d "$root/.data/pg.XXXXXX")
if [ ${#as_pg[@]} -gt 0 ]; then
  chown postgres "$data"
  if ! "${as_pg[@]}" test -w "$data"; then
    rmdir "$data"
    data=$(mktemp -d /tmp/embodied-pg.XXXXXX)
    chown postgres "$data"
  fi
fi

cleanup() {
  "${as_pg[@]}" "$bindir/pg_ctl" -D "$data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$data"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

secret() { head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
super_pw=$(secret); owner_pw=$(secret); app_pw=$(secret)

pwfile="$data/.pw"
printf '%s\n' "$super_pw" >"$pwfile"
[ ${#as_pg[@]} -gt 0 ] && chown postgres "$pwfile"
"${as_pg[@]}" "$bindir/initdb" -D "$data/db" -U postgres -E UTF8 --no-locale \
  --auth-local=trust --auth-host=scram-sha-256 --pwfile="$pwfile" >"$data/initdb.log" 2>&1 || {
  cat "$data/initdb.log" >&2; exit 1; }
rm -f "$pwfile"

port=""
for _ in $(seq 1 50); do
  p=$(( 20000 + RANDOM % 40000 ))
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then port=$p; break; fi
done
[ -n "$port" ] || { echo "no free port for PostgreSQL" >&2; exit 1; }

"${as_pg[@]}" "$bindir/pg_ctl" -D "$data/db" -l "$data/server.log" -w -t 60 \
  -o "-p $port -k $data -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c max_connections=200" \
  start >/dev/null || { cat "$data/server.log" >&2; exit 1; }
# Stop uses the data directory, not the wrapper folder.
cleanup() {
  "${as_pg[@]}" "$bindir/pg_ctl" -D "$data/db" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$data"
}

"${as_pg[@]}" "$bindir/psql" -h "$data" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -q <<SQL
CREATE ROLE embodied_owner LOGIN CREATEDB CREATEROLE PASSWORD '$owner_pw';
CREATE ROLE embodied_app NOLOGIN;
CREATE ROLE embodied_bot LOGIN PASSWORD '$app_pw' IN ROLE embodied_app;
CREATE DATABASE embodied_dating_bot_dev OWNER embodied_owner;
SQL

base="127.0.0.1:$port/embodied_dating_bot_dev?sslmode=disable"
export DATABASE_URL="postgres://embodied_bot:$app_pw@$base"
export MIGRATION_DATABASE_URL="postgres://embodied_owner:$owner_pw@$base"
export SUPERUSER_DATABASE_URL="postgres://postgres:$super_pw@$base"
export PATH="$bindir:$PATH"
echo "with-db: throwaway PostgreSQL on 127.0.0.1:$port (data in $data, removed on exit)" >&2

set +e
"$@"
rc=$?
set -e
exit $rc
