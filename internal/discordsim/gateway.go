package discordsim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// gateway holds the websocket side: one logical session per shard, each possibly
// attached to a live connection, with its dispatch history for RESUME replay.
type gateway struct {
	mu       sync.Mutex
	shards   []*shard
	sessions map[string]*gwSession
	conns    map[*gwConn]bool
	noAcks   bool
	// heartbeat is the interval sent in HELLO: Options.HeartbeatInterval
	// until SetHeartbeatInterval changes it.
	heartbeat time.Duration
	wg        sync.WaitGroup
	nextSess  int
	accepted  int
	// starts enforces and records the identify limits (shards.go).
	starts identifyLimits
	// received records which shard each dispatch went to (shards.go).
	received []ShardEvent
}

// maxReplay bounds each session's dispatch backlog kept for RESUME.
const maxReplay = 10000

type shard struct {
	session *gwSession
	pending []frame // dispatches made while no session existed
}

type gwSession struct {
	id        string
	shard     int
	seq       int64
	history   []frame
	conn      *gwConn
	resumable bool
	// intents are those the session identified with.
	intents int
}

// Gateway intents whose events the emulator withholds as Discord does.
const (
	intentGuildMembers    = 1 << 1
	intentGuildModeration = 1 << 2
	intentGuildPresences  = 1 << 8
	intentGuildMessages   = 1 << 9
	intentDirectMessages  = 1 << 12
	intentMessageContent  = 1 << 15
	// intentsPrivileged must be enabled in the developer portal.
	intentsPrivileged = intentGuildMembers | intentGuildPresences | intentMessageContent
)

type frame struct {
	Op   int             `json:"op"`
	D    json.RawMessage `json:"d"`
	S    *int64          `json:"s"`
	T    *string         `json:"t"`
	name string
}

type gwConn struct {
	ws      *websocket.Conn
	wmu     sync.Mutex
	session *gwSession
	// refused counts the IDENTIFYs in a row refused for their rate.
	refused int
}

func (c *gwConn) write(f any) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.ws.SetWriteDeadline(time.Now().Add(5 * time.Second))
	return c.ws.WriteJSON(f)
}

func (g *gateway) init(n int, heartbeat time.Duration) {
	g.heartbeat = heartbeat
	g.shards = make([]*shard, n)
	for i := range g.shards {
		g.shards[i] = &shard{}
	}
	g.sessions = map[string]*gwSession{}
	g.conns = map[*gwConn]bool{}
}

// dispatch sends an op 0 event to the shard's session, or keeps it until one identifies.
func (g *gateway) dispatch(s *Server, shardID int, name string, data any) {
	raw, err := json.Marshal(wire(data))
	if err != nil {
		panic(fmt.Sprintf("discordsim: marshal %s: %v", name, err))
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.record(shardID, name, raw)
	sh := g.shards[shardID]
	if sh.session == nil {
		sh.pending = append(sh.pending, frame{Op: 0, D: raw, name: name})
		return
	}
	g.sendLocked(s, sh.session, frame{Op: 0, D: raw, name: name})
}

func (g *gateway) sendLocked(s *Server, sess *gwSession, f frame) {
	f, ok := s.forIntents(sess.intents, f)
	if !ok {
		return
	}
	sess.seq++
	seq := sess.seq
	name := f.name
	f.S, f.T = &seq, &name
	sess.history = append(sess.history, f)
	if len(sess.history) > maxReplay {
		// Like Discord, only a bounded backlog can be replayed; older RESUMEs get op 9.
		sess.history = slices.Delete(sess.history, 0, len(sess.history)-maxReplay)
	}
	if sess.conn != nil {
		if err := sess.conn.write(f); err != nil {
			s.logger.Debug("discordsim gateway write", "error", err)
		}
	}
}

var upgrader = websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}

func (s *Server) serveGateway(w http.ResponseWriter, r *http.Request) {
	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	c := &gwConn{ws: ws}
	g := &s.gw
	g.mu.Lock()
	select {
	case <-s.done:
		g.mu.Unlock()
		ws.Close()
		return
	default:
	}
	g.conns[c] = true
	g.accepted++
	g.wg.Add(1)
	g.mu.Unlock()
	go func() {
		defer g.wg.Done()
		s.readLoop(c)
	}()
}

func (s *Server) readLoop(c *gwConn) {
	g := &s.gw
	defer func() {
		g.mu.Lock()
		delete(g.conns, c)
		if c.session != nil && c.session.conn == c {
			c.session.conn = nil
		}
		g.mu.Unlock()
		c.ws.Close()
	}()
	g.mu.Lock()
	interval := g.heartbeat
	g.mu.Unlock()
	hello, _ := json.Marshal(map[string]any{"heartbeat_interval": interval.Milliseconds()})
	if err := c.write(frame{Op: 10, D: hello}); err != nil {
		return
	}
	for {
		_, msg, err := c.ws.ReadMessage()
		if err != nil {
			return
		}
		var in struct {
			Op int             `json:"op"`
			D  json.RawMessage `json:"d"`
		}
		if err := json.Unmarshal(msg, &in); err != nil {
			s.closeWS(c, 4002, "Error while decoding payload.")
			return
		}
		switch in.Op {
		case 1:
			g.mu.Lock()
			noAcks := g.noAcks
			g.mu.Unlock()
			if !noAcks {
				_ = c.write(frame{Op: 11, D: json.RawMessage("null")})
			}
		case 2:
			if !s.identify(c, in.D) {
				return
			}
		case 6:
			if !s.resume(c, in.D) {
				return
			}
		case 3, 4, 8:
			// presence, voice state, request guild members: accepted and ignored.
		default:
			s.closeWS(c, 4001, "Unknown opcode.")
			return
		}
	}
}

func (s *Server) closeWS(c *gwConn, code int, text string) {
	c.wmu.Lock()
	_ = c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, text), time.Now().Add(time.Second))
	c.wmu.Unlock()
}

func (s *Server) tokenOK(tok string) bool {
	return strings.TrimPrefix(tok, "Bot ") == s.opts.Token
}

func (s *Server) identify(c *gwConn, d json.RawMessage) bool {
	var id struct {
		Token   string `json:"token"`
		Intents *int   `json:"intents"`
		Shard   *[2]int
	}
	_ = json.Unmarshal(d, &id)
	if !s.tokenOK(id.Token) {
		s.closeWS(c, 4004, "Authentication failed.")
		return false
	}
	shardID, count := 0, 1
	if id.Shard != nil {
		shardID, count = id.Shard[0], id.Shard[1]
	}
	if count != s.opts.Shards || shardID < 0 || shardID >= count {
		s.closeWS(c, 4010, "Invalid shard.")
		return false
	}
	if id.Intents == nil {
		s.closeWS(c, 4013, "Invalid intent(s).")
		return false
	}
	if *id.Intents&intentsPrivileged&^s.portalIntents() != 0 {
		s.closeWS(c, 4014, "Disallowed intent(s).")
		return false
	}
	g := &s.gw
	g.mu.Lock()
	defer g.mu.Unlock()
	if !s.admitIdentifyLocked(c, shardID, count) {
		return true
	}
	sh := g.shards[shardID]
	if old := sh.session; old != nil {
		// A new IDENTIFY replaces the shard's session; an older connection on it is closed.
		if old.conn != nil && old.conn != c {
			_ = old.conn.ws.Close()
		}
		old.conn = nil
		old.resumable = false
	}
	g.nextSess++
	sess := &gwSession{id: fmt.Sprintf("sim-session-%d-%d", shardID, g.nextSess), shard: shardID, conn: c, resumable: true,
		intents: *id.Intents}
	g.sessions[sess.id] = sess
	sh.session = sess
	c.session = sess

	s.mu.Lock()
	var guilds []*Guild
	var unavailable []map[string]any
	for _, gd := range s.guilds {
		if s.shardFor(gd.ID) == shardID {
			guilds = append(guilds, gd)
			unavailable = append(unavailable, map[string]any{"id": gd.ID, "unavailable": true})
		}
	}
	bot := copyUser(s.bot)
	s.mu.Unlock()
	if unavailable == nil {
		unavailable = []map[string]any{}
	}
	ready, _ := json.Marshal(map[string]any{
		"v": 9, "user": bot, "guilds": unavailable, "session_id": sess.id,
		"resume_gateway_url": s.gatewayURL(), "shard": []int{shardID, count},
		"application":      map[string]any{"id": s.opts.ApplicationID, "flags": 0},
		"private_channels": []any{},
	})
	g.sendLocked(s, sess, frame{Op: 0, D: ready, name: "READY"})
	for _, gd := range guilds {
		raw, _ := json.Marshal(s.guildPayload(gd))
		g.sendLocked(s, sess, frame{Op: 0, D: raw, name: "GUILD_CREATE"})
	}
	pending := sh.pending
	sh.pending = nil
	for _, f := range pending {
		g.sendLocked(s, sess, f)
	}
	return true
}

func (s *Server) resume(c *gwConn, d json.RawMessage) bool {
	var r struct {
		Token     string `json:"token"`
		SessionID string `json:"session_id"`
		Seq       int64  `json:"seq"`
	}
	_ = json.Unmarshal(d, &r)
	if !s.tokenOK(r.Token) {
		s.closeWS(c, 4004, "Authentication failed.")
		return false
	}
	g := &s.gw
	g.mu.Lock()
	defer g.mu.Unlock()
	sess := g.sessions[r.SessionID]
	tooOld := sess != nil && len(sess.history) > 0 && *sess.history[0].S > r.Seq+1
	if sess == nil || !sess.resumable || g.shards[sess.shard].session != sess || tooOld {
		_ = c.write(frame{Op: 9, D: json.RawMessage("false")})
		return true
	}
	if sess.conn != nil && sess.conn != c {
		_ = sess.conn.ws.Close()
	}
	sess.conn = c
	c.session = sess
	for _, f := range sess.history {
		if *f.S > r.Seq {
			_ = c.write(f)
		}
	}
	g.sendLocked(s, sess, frame{Op: 0, D: json.RawMessage("{}"), name: "RESUMED"})
	return true
}

func (s *Server) gatewayURL() string {
	return "ws" + strings.TrimPrefix(s.url, "http") + "/gateway"
}

func (g *gateway) closeAll() {
	g.mu.Lock()
	defer g.mu.Unlock()
	for c := range g.conns {
		_ = c.ws.Close()
	}
}

// DropConnections closes every gateway connection abruptly (no close frame), as a
// network failure would. Sessions stay resumable and keep recording dispatches.
func (s *Server) DropConnections() {
	g := &s.gw
	g.mu.Lock()
	defer g.mu.Unlock()
	for c := range g.conns {
		_ = c.ws.Close()
		if c.session != nil && c.session.conn == c {
			c.session.conn = nil
		}
	}
}

// SendReconnect sends op 7 RECONNECT on every connection.
func (s *Server) SendReconnect() {
	g := &s.gw
	g.mu.Lock()
	defer g.mu.Unlock()
	for c := range g.conns {
		_ = c.write(frame{Op: 7, D: json.RawMessage("null")})
	}
}

// SendInvalidSession sends op 9 INVALID_SESSION on every connection. When resumable is
// false the sessions are discarded and the client must IDENTIFY again.
func (s *Server) SendInvalidSession(resumable bool) {
	g := &s.gw
	g.mu.Lock()
	defer g.mu.Unlock()
	for c := range g.conns {
		if c.session != nil && !resumable {
			c.session.resumable = false
		}
		_ = c.write(frame{Op: 9, D: json.RawMessage(fmt.Sprint(resumable))})
	}
}

// StopHeartbeatACKs makes the gateway stop (true) or resume (false) answering
// heartbeats, so the client eventually declares the connection zombied.
func (s *Server) StopHeartbeatACKs(stop bool) {
	s.gw.mu.Lock()
	s.gw.noAcks = stop
	s.gw.mu.Unlock()
}

// SetHeartbeatInterval changes the interval sent in the HELLO of connections
// opened from now on (Discord may send a different one on every connection);
// connections already open keep theirs.
func (s *Server) SetHeartbeatInterval(d time.Duration) {
	s.gw.mu.Lock()
	s.gw.heartbeat = d
	s.gw.mu.Unlock()
}

// Connected reports how many shards have a live, identified connection.
func (s *Server) Connected() int {
	g := &s.gw
	g.mu.Lock()
	defer g.mu.Unlock()
	n := 0
	for _, sh := range g.shards {
		if sh.session != nil && sh.session.conn != nil {
			n++
		}
	}
	return n
}

// GatewayConnects counts the websocket connections accepted so far (reconnects
// included), for tests that wait for a client to come back.
func (s *Server) GatewayConnects() int {
	s.gw.mu.Lock()
	defer s.gw.mu.Unlock()
	return s.gw.accepted
}

// forIntents shapes a dispatch for a session's intents as Discord documents
// (Gateway, "List of Intents" and "Caveats"; Gateway Events, "Guild
// Create"): GUILD_MEMBER_ADD, _UPDATE and _REMOVE need GUILD_MEMBERS, but an
// update of the bot's own member is sent regardless; without
// GUILD_PRESENCES, GUILD_CREATE's members are the bot alone (and members in
// voice, which the emulator has none of); MESSAGE_* events are shaped by
// messageForIntents. ok is false for a dispatch the session does not get.
func (s *Server) forIntents(intents int, f frame) (_ frame, ok bool) {
	if f, ok, handled := autoModForIntents(intents, f); handled {
		return f, ok
	}
	members := intents&intentGuildMembers != 0
	switch f.name {
	case "MESSAGE_CREATE", "MESSAGE_UPDATE", "MESSAGE_DELETE":
		return s.messageForIntents(intents, f)
	case "GUILD_MEMBER_ADD", "GUILD_MEMBER_REMOVE":
		return f, members
	case "GUILD_AUDIT_LOG_ENTRY_CREATE":
		return f, intents&intentGuildModeration != 0
	case "GUILD_MEMBER_UPDATE":
		var d struct{ User struct{ ID string } }
		_ = json.Unmarshal(f.D, &d)
		return f, members || d.User.ID == s.opts.ApplicationID
	case "GUILD_CREATE":
		if intents&intentGuildPresences == 0 {
			f.D = s.onlyBotMember(f.D)
		}
	}
	return f, true
}

// onlyBotMember returns a GUILD_CREATE payload whose members are the bot's
// alone.
func (s *Server) onlyBotMember(raw json.RawMessage) json.RawMessage {
	var guild map[string]json.RawMessage
	var members []json.RawMessage
	if json.Unmarshal(raw, &guild) != nil || json.Unmarshal(guild["members"], &members) != nil {
		return raw
	}
	kept := []json.RawMessage{}
	for _, m := range members {
		var d struct{ User struct{ ID string } }
		if json.Unmarshal(m, &d) == nil && d.User.ID == s.opts.ApplicationID {
			kept = append(kept, m)
		}
	}
	guild["members"], _ = json.Marshal(kept)
	out, err := json.Marshal(guild)
	if err != nil {
		return raw
	}
	return out
}
