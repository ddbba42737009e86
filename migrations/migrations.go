// Package migrations embeds the SQL migrations so that `embodied migrate`
// applies exactly the files an operator can also run by hand with psql -f.
//
// Files follow golang-migrate's convention, NNN_name.up.sql and
// NNN_name.down.sql. Numbers are reserved by area: 001–009 host baseline,
// 010 security audit, 011–019 command pipeline and audit, 020–029
// moderation, 030–039 strikes, 040–049 backups, 050–059 health, 060–069
// privacy, 070–079 guild isolation.
package migrations

import "embed"

// FS holds every migration file.
//
//go:embed *.sql
var FS embed.FS
