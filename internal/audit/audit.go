// Package audit records who did what: the append-only, hash-chained
// audit_log of moderator and admin actions, and security_audit_logs of
// refused attempts. Records are never dropped: actions that only change the
// database write their record in the same transaction (store.Tx.Audit);
// everything else goes through a batching Writer that falls back to an
// fsync'd local file while the database is unreachable and replays it, in
// order and exactly once, when it returns. A record the database refuses (a bad value
// or a constraint) is set aside alone, never taking its batch with it: kept
// beside the fallback file, counted and reported (ReadSetAside); so is a
// fallback line a crash tore.
//
// The records' types and SQL live in package store (store.AuditEntry,
// store.SecurityEvent); this package keeps the writer's batching and
// fallback, and the verification of the chain.
package audit

import (
	"github.com/embodied-community/embodied/internal/store"
)

// Entry is one audit_log record.
type Entry = store.AuditEntry

// Severity of a security event, as the table's CHECK allows.
type Severity = store.SecuritySeverity

// Severities.
const (
	Low      = store.SecuritySeverityLow
	Medium   = store.SecuritySeverityMedium
	High     = store.SecuritySeverityHigh
	Critical = store.SecuritySeverityCritical
)

// SecurityEvent is one security_audit_logs record: an attempt that was
// refused.
type SecurityEvent = store.SecurityEvent

// NewID returns a random UUID (version 4) identifying an event, so that a
// replayed event is recognised and never written twice.
func NewID() string { return store.NewEventID() }

// Guild and actor of actions the bot takes on its own (scheduled backups),
// which belong to no guild and no person.
const (
	GlobalGuild = "global"
	SystemActor = "system"
)
