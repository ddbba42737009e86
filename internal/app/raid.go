package app

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/embodied-community/embodied/internal/discordact"
	"github.com/embodied-community/embodied/internal/discordhttp"
	"github.com/embodied-community/embodied/internal/logging"
	"github.com/embodied-community/embodied/internal/raid"
	"github.com/embodied-community/embodied/internal/service"
	"github.com/embodied-community/embodied/internal/store"
)

// raidCheckInterval is how often raid modes are checked for their quiet
// period's end.
const raidCheckInterval = 15 * time.Second

// buildRaids sets up raid detection when SECOPS_RAID_DETECTION asks for
// it: the Server Members intent (GUILD_MEMBER_ADD) and the service, acting
// through the bot's Discord adapter and alerting the guild's owner and mod
// log.
func (a *App) buildRaids(discord *discordact.Discord, alert func(ctx context.Context, guildID, text string) error) {
	a.membersIntent = &privilegedIntent{requested: a.cfg.RaidDetection, bits: discordgo.IntentsGuildMembers,
		refusedText: raid.IntentRefused, statusText: raid.Status, probe: a.probeMembersIntent}
	a.intents.list = append(a.intents.list, a.membersIntent)
	if !a.cfg.RaidDetection {
		return
	}
	a.Session.Identify.Intents |= discordgo.IntentsGuildMembers
	a.Raids = raid.New(raidStore{a.Store}, discord, raid.Options{Enforce: a.cfg.EnforceModeration, Audit: a.Audit.Audit,
		Security: a.Audit.Security, Alert: alert, Now: a.opts.Now, Logger: a.log, Owns: a.ownsGuild})
	log := logging.Component(a.log, "RaidDetection")
	a.onGateway(func(_ *discordgo.Session, e *discordgo.GuildMemberAdd) {
		// The state keeps the event's member and updates it in place,
		// under its lock: read it under the same lock.
		st := a.Session.State
		st.RLock()
		if e.Member == nil || e.User == nil || e.User.Bot {
			st.RUnlock()
			return
		}
		j := raid.Join{GuildID: e.GuildID, UserID: e.User.ID, At: e.JoinedAt}
		st.RUnlock()
		if j.At.IsZero() {
			j.At = a.opts.Now()
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := a.Raids.Handle(ctx, j); err != nil {
			log.Error("Raid detection failed", "guildId", j.GuildID, "userId", j.UserID, "error", err)
		}
	})
}

// raidService loads the raids in progress (a restart ends them too) and
// checks their quiet periods until Stop.
func (a *App) raidService() service.Service {
	var stop func()
	return service.Funcs{
		OnStart: func(ctx context.Context) error {
			if err := a.Raids.Load(ctx); err != nil {
				return err
			}
			stop = a.Raids.Start(ctx, raidCheckInterval)
			return nil
		},
		OnStop: func(context.Context) error {
			if stop != nil {
				stop()
			}
			return nil
		},
	}
}

// ownsGuild reports whether the guild's gateway events arrive at this
// process: it is on one of the shards this process runs, as Discord routes
// them ((guild_id >> 22) % shard_count). An HTTP-mode process owns none.
func (a *App) ownsGuild(guildID string) bool {
	if a.cfg.HTTPOnly {
		return false
	}
	id, err := strconv.ParseUint(guildID, 10, 64)
	if err != nil {
		return false
	}
	for _, s := range a.shardSessions {
		if int((id>>22)%uint64(max(s.ShardCount, 1))) == s.ShardID {
			return true
		}
	}
	return false
}

// probeMembersIntent asks the gateway for the Server Members intent in a
// session of its own.
func (a *App) probeMembersIntent() error {
	return discordhttp.ProbeIntents(a.cfg.DiscordToken.Reveal(), a.cfg.DiscordAPIURL, discordgo.IntentsGuilds|discordgo.IntentsGuildMembers, a.log, asShardOf(a.Session))
}

// raidStore keeps raid detection's settings and states in PostgreSQL.
type raidStore struct{ db *store.Store }

var _ raid.Store = raidStore{}

// found converts a row read by id, ok false when the store has none.
func found[R, T any](row R, err error, conv func(R) T) (v T, ok bool, _ error) {
	if errors.Is(err, store.ErrNotFound) {
		return v, false, nil
	}
	if err != nil {
		return v, false, err
	}
	return conv(row), true, nil
}

func (r raidStore) RaidSettings(ctx context.Context, guildID string) (raid.Settings, bool, error) {
	row, err := r.db.RaidSettings(ctx, guildID)
	return found(row, err, raidSettings)
}

// raidSettings converts a raid_settings row.
func raidSettings(row store.RaidSettings) raid.Settings {
	return raid.Settings{Joins: row.Joins, Window: seconds(int64(row.WindowSeconds)), YoungPercent: row.YoungPercent,
		YoungAge: seconds(row.YoungSeconds), Action: raid.Action(row.Action), TimeoutFor: seconds(int64(row.TimeoutSeconds)),
		Level: row.Level, Quiet: seconds(int64(row.QuietSeconds))}
}

func (r raidStore) SaveRaidSettings(ctx context.Context, guildID, actorID string, s raid.Settings) error {
	return r.db.SaveRaidSettings(ctx, store.RaidSettings{GuildID: guildID, Joins: s.Joins, WindowSeconds: int(s.Window / time.Second),
		YoungPercent: s.YoungPercent, YoungSeconds: int64(s.YoungAge / time.Second), Action: string(s.Action),
		TimeoutSeconds: int(s.TimeoutFor / time.Second), Level: s.Level, QuietSeconds: int(s.Quiet / time.Second)}, actorID)
}

func (r raidStore) ActiveRaids(ctx context.Context) ([]raid.State, error) {
	rows, err := r.db.ActiveRaids(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]raid.State, len(rows))
	for i, x := range rows {
		out[i] = raidState(x)
	}
	return out, nil
}

func (r raidStore) Raid(ctx context.Context, guildID string) (raid.State, bool, error) {
	row, err := r.db.Raid(ctx, guildID)
	return found(row, err, raidState)
}

// raidState converts a raid_states row.
func raidState(x store.RaidState) raid.State {
	return raid.State{GuildID: x.GuildID, StartedAt: x.StartedAt, LastJoin: x.LastJoinAt, Action: raid.Action(x.Action),
		Enforced: x.Enforced, PreviousLevel: x.PreviousLevel, Joins: x.Joins}
}

func (r raidStore) SaveRaid(ctx context.Context, st raid.State) error {
	return r.db.SaveRaid(ctx, store.RaidState{GuildID: st.GuildID, StartedAt: st.StartedAt, LastJoinAt: st.LastJoin,
		Action: string(st.Action), Enforced: st.Enforced, PreviousLevel: st.PreviousLevel, Joins: st.Joins})
}

func (r raidStore) EndRaid(ctx context.Context, guildID string) error {
	return r.db.EndRaid(ctx, guildID)
}

func seconds(n int64) time.Duration { return time.Duration(n) * time.Second }
