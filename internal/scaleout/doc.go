// Package scaleout is issue 19's acceptance test with real processes: the
// `embodied` binary, built once, runs as two gateway shard processes
// (DISCORD_SHARD_ID 0 and 1 of 2) and one HTTP-mode process
// (SECOPS_GATEWAY=false) on one PostgreSQL database, against one discordsim
// emulator with two shards and a guild on each. It proves that every
// interaction is answered exactly once by the process that owns it (the
// guild's shard over the gateway, the HTTP-mode process once the
// Interactions Endpoint URL is set), that DMs arrive on shard 0, that a
// scheduled backup runs once per tick across the processes, that a rule
// changed through one process is enforced by the others on the very next
// message (LISTEN/NOTIFY, not the cache's version check), that a user's
// rate limit is exact across processes, that a forged signature is
// refused, and that a shard killed with SIGKILL takes only its own guilds
// down and serves them again once restarted. Everything here is in _test
// files; this file only names the package.
package scaleout
