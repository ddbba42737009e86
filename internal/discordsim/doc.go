package discordsim

// How a test uses the emulator
//
//	sim := discordsim.NewTest(t, discordsim.Options{Clock: clk}) // fails t on violations
//	g := sim.SeedSandbox()                                       // or CreateGuild/AddRole/AddMember
//	s, _ := discordhttp.NewSession(sim.Token(), sim.URL(), logger) // the bot's real Session
//	... register handlers, bulk-overwrite commands, s.Open() ...
//	ix, err := sim.Run(ctx, g.MemberByName("alice"), "/security warn",
//		discordsim.User("user", bob), discordsim.String("reason", "spam"))
//	ix.Content(); ix.Ephemeral(); sim.Timeout(g.ID, bob.ID()); sim.AuditReasons(g.ID)
//	sim.Click(ctx, admin, ix.Original(), id)                    // a button on a response
//	sim.ClickMessage(ctx, admin, g.ChannelID, msgID, id)        // a button on a channel post
//	sim.RunMessageCommand(ctx, alice, "Report message", chID, msgID) // a message's context menu
//	sim.RunUserCommand(ctx, alice, "Report user", bob)             // a member's context menu
//	sim.SubmitModal(ctx, alice, ix.Modal(), map[string]string{"reason": "…"})
//
// Rules checked on every request (each breach is answered as Discord answers it and
// recorded as a Violation with its route and, for schema breaches, the JSON Schema
// keyword location in Discord's OpenAPI description):
//
//   - unknown route: 404, code 0 ("unknown-route"); missing or wrong bot token: 401
//   - context-menu commands (types 2 and 3): a name of 1-32 characters, an empty
//     description, no options, at most 5 of each type per scope: 400, 50035
//   - body shape: 400, code 50035 ("schema"), against the operation's JSON schema;
//     digit strings are accepted where the spec says integer, as Discord does
//   - content 2000, 10 embeds, embed title 256 / description 4096 / 25 fields /
//     6000 characters in total, message flags: 400, 50035 ("limit")
//   - files over attachment_size_limit (default 10 MiB) or bodies over 25 MiB: 413,
//     40005 ("limit")
//   - initial response later than 3 s on the emulator clock: 404, 10062 ("late-ack");
//     a second one: 400, 40060 ("double-ack"); webhook calls before it: 404, 10015
//     ("not-acknowledged"); interaction token older than 15 minutes: 401, 50027
//     ("token-expired")
//   - a request sent before a 429's retry_after ended, on its bucket or (after a global
//     429) on any route bound to the global limit: recorded ("rate-limit"), then
//     answered as usual; requests arriving within 100 ms of the 429 are presumed
//     in flight before the bot read it and are not recorded
//
// Rate limits (Options.RateLimits; off when nil, so that tests which are not about
// them run at full speed) follow Discord's rate-limit documentation:
//
//   - per-route buckets (DefaultRouteLimits, or RateLimits.Routes) counted per top-level
//     resource: channel_id, guild_id, webhook_id + webhook_token, and for the callback
//     the interaction; every answer carries X-RateLimit-Limit, -Remaining, -Reset,
//     -Reset-After and -Bucket
//   - the global limit, 50 requests per second per bot token (per IP without one),
//     from which the interaction endpoints are exempt: the callback and the
//     application's webhook (follow-ups, the original response)
//   - an exhausted bucket or global limit: 429 with {"message", "retry_after" (seconds,
//     with decimals), "global", "code"}, Retry-After (whole seconds, rounded up),
//     X-RateLimit-Scope (user or global), X-RateLimit-Global on a global one; recorded
//     as a violation ("rate-limit"), for the bot was told by the headers to wait
//
// FailRoute injects 429s of any scope (Fault.Global, Fault.Shared) shaped the same way.
// InvalidRequests counts what Discord's invalid request limit counts (10,000 per 10
// minutes bans the IP): answers 401, 403 and 429 but for scope shared, limits on or off.
//
// Clocks: the 3-second and 15-minute interaction rules read Options.Clock, which tests
// step by hand (ManualClock). Rate-limit windows read RateLimits.Clock, the wall clock
// unless set: discordgo and the bot's transport wait on the wall clock for the
// Reset-After and retry_after they were sent, so a window that only moved with a
// ManualClock would answer 429 to a bot that waited as told. Table tests of the
// buckets themselves, which send raw requests and do not wait, set a ManualClock there.
//
// Sharding (Options.Shards, MaxConcurrency, SessionStartLimit, IdentifyInterval) follows
// Discord's Gateway documentation: guild events go to shard (guild_id >> 22) % shards,
// DMs to shard 0; an IDENTIFY in a max_concurrency bucket (shard_id % max_concurrency)
// within IdentifyInterval (default 5 s) of the bucket's last one is answered with op 9
// and recorded ("identify-rate"; a second one on the connection closes it with 4008);
// an IDENTIFY with no session start left ends every session (4004) and is recorded
// ("session-start-limit"). GET /gateway/bot reports shards and session_start_limit.
// The spacing is measured on the wall clock, as the bot waits on it. ShardEvents,
// Identifies, ConnectedShards and CreateGuildOnShard serve the tests.
//
// Discord errors that are not protocol violations (missing permissions 50013, unknown
// member 10007, unknown ban 10026, DMs refused 50007...) are answered but not recorded:
// the bot is expected to handle them.
//
// Out of scope: voice, threads, reactions, presence, autocomplete, HTTP (webhook)
// interactions, and the emoji routes' per-guild limits.
