// Package migrations embeds the SQL migrations so that `embodied migrate`
// applies exactly the files an operator can also run by hand with psql -f.
//
// Files follow golang-migrate's convention, NNN_name.up.sql and
// NNN_name.down.sql. Up to 060 numbers went by area (001–009 host baseline,
// 010 security audit, 011–019 command pipeline and audit, 020–029
// moderation, 030–039 strikes, 050–059 health, 060 privacy). golang-migrate
// applies only versions above a database's current one, so a new migration
// takes the next free number after 060, whatever its area: 061 erasure that
// keeps accountability, 062 audit chain hardening (search_path pinned, no
// TEMP for the application role), 063 audit set-aside records (reserved),
// 064 guild rule budget (reserved), 065 signing key removal (reserved).
package migrations

import "embed"

// FS holds every migration file.
//
//go:embed *.sql
var FS embed.FS
