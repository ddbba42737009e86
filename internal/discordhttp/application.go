package discordhttp

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/bwmarrin/discordgo"
)

// ApplicationFlags are an application's flags (Discord, Resources,
// "Application": Application Flags). Each privileged intent has two: the
// full one once the bot is verified, and the _LIMITED one an unverified
// bot in under 100 servers has when the intent is switched on in the
// developer portal. Either lets the gateway grant the intent; neither
// means Discord refuses it (close 4014).
type ApplicationFlags int

// The privileged intents' application flags.
const (
	FlagGatewayPresence              ApplicationFlags = 1 << 12
	FlagGatewayPresenceLimited       ApplicationFlags = 1 << 13
	FlagGatewayGuildMembers          ApplicationFlags = 1 << 14
	FlagGatewayGuildMembersLimited   ApplicationFlags = 1 << 15
	FlagGatewayMessageContent        ApplicationFlags = 1 << 18
	FlagGatewayMessageContentLimited ApplicationFlags = 1 << 19
)

// CurrentApplication reads the bot's application (Get Current
// Application, GET /applications/@me) over REST. Unlike ProbeIntents it
// opens no gateway session, so it spends none of the day's session starts
// and takes no turn in a shard's identify bucket. (discordgo's
// Application("@me") calls the OAuth2 route instead.)
func CurrentApplication(ctx context.Context, s *discordgo.Session) (*discordgo.Application, error) {
	endpoint := discordgo.EndpointApplication("@me")
	body, err := s.RequestWithBucketID("GET", endpoint, nil, endpoint, discordgo.WithContext(ctx))
	if err != nil {
		return nil, fmt.Errorf("get current application: %w", err)
	}
	var app discordgo.Application
	if err := json.Unmarshal(body, &app); err != nil {
		return nil, fmt.Errorf("get current application: decode: %w", err)
	}
	return &app, nil
}
