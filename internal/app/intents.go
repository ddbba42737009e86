package app

import (
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/bwmarrin/discordgo"

	"github.com/embodied-community/embodied/internal/discordhttp"
)

// privilegedIntent is one privileged gateway intent a feature asks for
// (Message Content for message moderation, Server Members for raid
// detection): whether the configuration asked for it and whether Discord
// refused it.
type privilegedIntent struct {
	requested bool
	// bits are the intents the feature adds to IDENTIFY, left out again
	// when Discord refuses them.
	bits discordgo.Intent
	// refusedText is logged when Discord refuses the intent.
	refusedText string
	// statusText is the feature's /security status line.
	statusText func(requested, refused bool) string
	// probe opens a separate gateway session asking for the intent and
	// returns Open's error (nil: granted).
	probe   func() error
	refused atomic.Bool
}

// status is the feature's line of /security status.
func (p *privilegedIntent) status() string { return p.statusText(p.requested, p.refused.Load()) }

// intentSet opens the gateway session with the privileged intents the
// configuration asked for, and without those Discord refuses.
type intentSet struct {
	list []*privilegedIntent
	// sessions are the shards' sessions: a refused intent is left out of
	// every one's next IDENTIFY.
	sessions []*discordgo.Session

	mu sync.Mutex
	// shards is each shard session's run of disconnects: one shard's READY
	// says nothing of another's, so the counts are kept apart.
	shards  map[*discordgo.Session]*shardRun
	probing bool
}

// shardRun is one shard session's connection history as watch sees it.
type shardRun struct {
	// ready: a READY or RESUMED came since the last disconnect.
	ready bool
	// failures counts the disconnects in a row with no READY or RESUMED
	// before them.
	failures int
}

// run returns s's history; set.mu is held.
func (set *intentSet) run(s *discordgo.Session) *shardRun {
	if set.shards == nil {
		set.shards = map[*discordgo.Session]*shardRun{}
	}
	r := set.shards[s]
	if r == nil {
		r = &shardRun{}
		set.shards[s] = r
	}
	return r
}

// requested lists the intents asked for and not refused yet.
func (set *intentSet) requested() []*privilegedIntent {
	var out []*privilegedIntent
	for _, p := range set.list {
		if p.requested && !p.refused.Load() {
			out = append(out, p)
		}
	}
	return out
}

// open opens the gateway session. discordgo's Open returns the close frame
// of a refused IDENTIFY as a *websocket.CloseError; left alone, a 4014 for
// a privileged intent would fail the start-up on every restart. When
// Discord refuses, open finds which intents it refuses (asking the gateway
// for each in a session of its own when several were asked for), says
// what to enable in the developer portal and opens the session again
// without them: the bot serves its commands, without those features,
// until an operator enables the intents and restarts it.
func (set *intentSet) open(s *discordgo.Session, log *slog.Logger) error {
	err := s.Open()
	if set == nil || !discordhttp.DisallowedIntents(err) {
		return err
	}
	asked := set.requested()
	if len(asked) == 0 {
		return err
	}
	refused := asked
	if len(asked) > 1 {
		refused = nil
		for _, p := range asked {
			if p.probe != nil && discordhttp.DisallowedIntents(p.probe()) {
				refused = append(refused, p)
			}
		}
		if len(refused) == 0 {
			refused = asked
		}
	}
	for _, p := range refused {
		set.refuse(p, log, err)
	}
	return s.Open()
}

// refuse records the refusal, says what to enable, and leaves the
// intent's bits out of every shard session's next IDENTIFY. discordgo
// reads Identify in Open, under the session's lock.
func (set *intentSet) refuse(p *privilegedIntent, log *slog.Logger, err error) {
	if p.refused.Swap(true) {
		return
	}
	log.Error(p.refusedText, "closeCode", discordhttp.CloseDisallowedIntents, "error", err)
	for _, s := range set.sessions {
		s.Lock()
		s.Identify.Intents &^= p.bits
		s.Unlock()
	}
}

// watch covers a refusal after the start: when an intent is switched off
// while the bot runs, Discord accepts RESUMEs but refuses the next
// IDENTIFY (after an INVALID_SESSION) with 4014, which discordgo's
// listener sees only as a read error: it closes and reconnects, again and
// again, without a READY and without saying why. After two such
// disconnects in a row of one shard watch asks the gateway itself for each intent, in
// a separate session; the session's next IDENTIFY leaves out those Discord
// refuses and the bot comes back without their features.
//
// on adds the handlers to every shard's session (App.onGateway).
func (set *intentSet) watch(on func(any) func(), log *slog.Logger) {
	if set == nil || len(set.requested()) == 0 {
		return
	}
	up := func(s *discordgo.Session) {
		set.mu.Lock()
		set.run(s).ready = true
		set.mu.Unlock()
	}
	on(func(s *discordgo.Session, _ *discordgo.Ready) { up(s) })
	on(func(s *discordgo.Session, _ *discordgo.Resumed) { up(s) })
	on(func(s *discordgo.Session, _ *discordgo.Disconnect) {
		set.mu.Lock()
		r := set.run(s)
		if r.ready {
			r.ready, r.failures = false, 0
		} else {
			r.failures++
		}
		check := r.failures >= 2 && !set.probing && len(set.requested()) > 0
		set.probing = set.probing || check
		set.mu.Unlock()
		if !check {
			return
		}
		defer func() {
			set.mu.Lock()
			set.probing = false
			set.mu.Unlock()
		}()
		for _, p := range set.requested() {
			if p.probe == nil {
				continue
			}
			if err := p.probe(); discordhttp.DisallowedIntents(err) {
				set.refuse(p, log, err)
			}
		}
	})
}

// asShardOf makes an intent probe identify as primary's shard, through the
// same identify gate (primary's Dialer), so that a sharded gateway accepts
// it and the bucket's spacing holds.
func asShardOf(primary *discordgo.Session) func(*discordgo.Session) {
	return func(s *discordgo.Session) {
		s.ShardID, s.ShardCount, s.Dialer = primary.ShardID, primary.ShardCount, primary.Dialer
	}
}
