package discordsim

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/gorilla/websocket"
)

// Identify limits, as Discord documents them (Gateway, "Sharding",
// "Session Start Limit Object" and "Rate Limiting"): every IDENTIFY (not a
// RESUME) uses one of SessionStartLimit session starts per 24 hours, and
// shards identify in max_concurrency buckets (shard_id % max_concurrency),
// one identify per bucket per 5 seconds. Identifying faster than that is
// answered with op 9 Invalid Session; using up the session starts
// terminates every session of the application (Discord also resets the
// token and mails the owner; the emulator closes the connections with
// 4004). Both are recorded as violations: a well-behaved bot waits.
//
// The spacing is measured on the wall clock, not Options.Clock: the bot
// waits in real time, and tests that stop the emulator's clock must not
// turn every identify into a violation.

const (
	defaultSessionStarts    = 1000
	defaultIdentifyInterval = 5 * time.Second
	sessionStartWindow      = 24 * time.Hour
)

func withIdentifyDefaults(opts Options) Options {
	if opts.MaxConcurrency <= 0 {
		opts.MaxConcurrency = 1
	}
	if opts.SessionStartLimit <= 0 {
		opts.SessionStartLimit = defaultSessionStarts
	}
	if opts.IdentifyInterval <= 0 {
		opts.IdentifyInterval = defaultIdentifyInterval
	}
	return opts
}

// Identify is one IDENTIFY the gateway received.
type Identify struct {
	Shard, Count int
	// Bucket is Shard % max_concurrency.
	Bucket int
	Time   time.Time
	// Refused is "" for an accepted identify, else the rule it broke
	// ("identify-rate", "session-start-limit").
	Refused string
}

// ShardEvent is one dispatch and the shard it was routed to.
type ShardEvent struct {
	Shard int
	// Name is the event, e.g. "INTERACTION_CREATE".
	Name string
	// GuildID is the payload's guild_id ("" for a DM).
	GuildID string
}

// identifyLimits is the gateway's identify bookkeeping, under gateway.mu.
type identifyLimits struct {
	used      int
	resetAt   time.Time
	lastByKey map[int]time.Time
	log       []Identify
}

// sessionStartLimit is GET /gateway/bot's session_start_limit.
func (s *Server) sessionStartLimit() map[string]int {
	g := &s.gw
	g.mu.Lock()
	defer g.mu.Unlock()
	now := time.Now()
	g.starts.roll(now)
	resetAfter := sessionStartWindow
	if !g.starts.resetAt.IsZero() {
		resetAfter = g.starts.resetAt.Sub(now)
	}
	return map[string]int{"total": s.opts.SessionStartLimit, "remaining": s.opts.SessionStartLimit - g.starts.used,
		"reset_after": int(resetAfter.Milliseconds()), "max_concurrency": s.opts.MaxConcurrency}
}

// roll starts a new 24-hour window once the last one is over.
func (l *identifyLimits) roll(now time.Time) {
	if !l.resetAt.IsZero() && !now.Before(l.resetAt) {
		l.used, l.resetAt = 0, time.Time{}
	}
}

// admitIdentifyLocked applies the identify limits to an IDENTIFY on c for
// shardID; false means it was refused and answered. g.mu is held.
func (s *Server) admitIdentifyLocked(c *gwConn, shardID, count int) bool {
	g := &s.gw
	now := time.Now()
	l := &g.starts
	l.roll(now)
	if l.lastByKey == nil {
		l.lastByKey = map[int]time.Time{}
	}
	bucket := shardID % s.opts.MaxConcurrency
	rec := Identify{Shard: shardID, Count: count, Bucket: bucket, Time: now}
	last, seen := l.lastByKey[bucket]
	switch {
	case l.used >= s.opts.SessionStartLimit:
		rec.Refused = "session-start-limit"
		l.log = append(l.log, rec)
		s.violate(Violation{Route: "GATEWAY IDENTIFY", Rule: rec.Refused, Code: 4004,
			Message: fmt.Sprintf("shard %d identified with no session start left (%d per 24 hours); Discord terminates every session and resets the token", shardID, s.opts.SessionStartLimit)})
		for conn := range g.conns {
			if conn.session != nil {
				conn.session.resumable = false
			}
			conn.wmu.Lock()
			_ = conn.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(4004, "Authentication failed."), now.Add(time.Second))
			conn.wmu.Unlock()
			_ = conn.ws.Close()
		}
		return false
	case seen && now.Sub(last) < s.opts.IdentifyInterval:
		rec.Refused = "identify-rate"
		l.log = append(l.log, rec)
		s.violate(Violation{Route: "GATEWAY IDENTIFY", Rule: rec.Refused,
			Message: fmt.Sprintf("shard %d identified %s after another identify in bucket %d (max_concurrency %d allows one per %s)",
				shardID, now.Sub(last).Round(time.Millisecond), bucket, s.opts.MaxConcurrency, s.opts.IdentifyInterval)})
		c.refused++
		if c.refused > 1 {
			// discordgo answers op 9 with an immediate IDENTIFY; Discord's
			// gateway rate limit ends such a loop with 4008.
			s.closeWS(c, 4008, "Rate limited.")
			_ = c.ws.Close()
			return false
		}
		_ = c.write(frame{Op: 9, D: json.RawMessage("false")})
		return false
	}
	if l.resetAt.IsZero() {
		l.resetAt = now.Add(sessionStartWindow)
	}
	c.refused = 0
	l.used++
	l.lastByKey[bucket] = now
	l.log = append(l.log, rec)
	return true
}

// record notes which shard a dispatch goes to; g.mu is held.
func (g *gateway) record(shardID int, name string, raw json.RawMessage) {
	var d struct {
		GuildID string `json:"guild_id"`
	}
	_ = json.Unmarshal(raw, &d)
	g.received = append(g.received, ShardEvent{Shard: shardID, Name: name, GuildID: d.GuildID})
	if len(g.received) > maxReplay {
		g.received = g.received[len(g.received)-maxReplay:]
	}
}

// Identifies returns every IDENTIFY the gateway received, oldest first.
func (s *Server) Identifies() []Identify {
	s.gw.mu.Lock()
	defer s.gw.mu.Unlock()
	return append([]Identify(nil), s.gw.starts.log...)
}

// ShardEvents returns the dispatches routed so far (the latest 10,000),
// each with the shard it went to.
func (s *Server) ShardEvents() []ShardEvent {
	s.gw.mu.Lock()
	defer s.gw.mu.Unlock()
	return append([]ShardEvent(nil), s.gw.received...)
}

// ConnectedShards lists the shards with a live, identified connection.
func (s *Server) ConnectedShards() []int {
	g := &s.gw
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []int
	for i, sh := range g.shards {
		if sh.session != nil && sh.session.conn != nil {
			out = append(out, i)
		}
	}
	return out
}

// ShardOf is the shard a guild's events go to: (guild_id >> 22) % shards.
func (s *Server) ShardOf(guildID string) int { return s.shardFor(guildID) }

// CreateGuildOnShard is CreateGuild for a guild whose id routes to shard,
// for tests that need guilds on different shards. Ids it skips to get
// there are never used.
func (s *Server) CreateGuildOnShard(shard int, name string, owner UserSpec) *Guild {
	if shard < 0 || shard >= s.opts.Shards {
		panic(fmt.Sprintf("discordsim: no shard %d of %d", shard, s.opts.Shards))
	}
	s.mu.Lock()
	for s.shardFor(snowflake(s.ids.Load()+1)) != shard {
		s.newID()
	}
	s.mu.Unlock()
	return s.CreateGuild(name, owner)
}
