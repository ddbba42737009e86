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
//
// Rules checked on every request (each breach is answered as Discord answers it and
// recorded as a Violation with its route and, for schema breaches, the JSON Schema
// keyword location in Discord's OpenAPI description):
//
//   - unknown route: 404, code 0 ("unknown-route"); missing or wrong bot token: 401
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
//
// Discord errors that are not protocol violations (missing permissions 50013, unknown
// member 10007, unknown ban 10026, DMs refused 50007...) are answered but not recorded:
// the bot is expected to handle them.
//
// Out of scope: voice, threads, reactions, presence, autocomplete, HTTP (webhook)
// interactions and rate-limit buckets beyond what FailRoute injects.
