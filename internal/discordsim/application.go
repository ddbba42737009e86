package discordsim

// Get Current Application as Discord documents it (Resources,
// "Application": GET /applications/@me): the application the bot token
// belongs to. Its flags carry the Privileged Gateway Intents toggled on in
// the developer portal (Options.PrivilegedIntents, SetPrivilegedIntents)
// as Discord's Application Flags do: a bot in fewer than 100 servers gets
// the _LIMITED flag of each intent switched on; the full flag is what a
// verified bot has, and Discord lets only a verified bot into 100 servers
// or more, so the emulator counts a bot in 100 guilds or more as verified.

import (
	"net/http"
	"strconv"

	"github.com/bwmarrin/discordgo"
)

// Application flags of the privileged intents (Application Flags).
const (
	appFlagGatewayPresence              = 1 << 12
	appFlagGatewayPresenceLimited       = 1 << 13
	appFlagGatewayGuildMembers          = 1 << 14
	appFlagGatewayGuildMembersLimited   = 1 << 15
	appFlagGatewayMessageContent        = 1 << 18
	appFlagGatewayMessageContentLimited = 1 << 19
)

// verifiedGuilds is the server count from which a bot must be verified.
const verifiedGuilds = 100

// appIntentFlags maps each privileged intent to its full and _LIMITED
// application flag.
var appIntentFlags = []struct{ intent, full, limited int }{
	{intentGuildPresences, appFlagGatewayPresence, appFlagGatewayPresenceLimited},
	{intentGuildMembers, appFlagGatewayGuildMembers, appFlagGatewayGuildMembersLimited},
	{intentMessageContent, appFlagGatewayMessageContent, appFlagGatewayMessageContentLimited},
}

// appOwner is the application's owner: the developer account that
// created it, which takes no part in any guild of the emulator.
var appOwner = discordgo.User{ID: "100000000000000001", Username: "embodied-developer", Discriminator: "0"}

// appUser is the partial user object of the application's bot and owner
// (UserResponse in the OpenAPI document); primary_guild is null.
type appUser struct {
	ID            string    `json:"id"`
	Username      string    `json:"username"`
	Avatar        *string   `json:"avatar"`
	Discriminator string    `json:"discriminator"`
	PublicFlags   int       `json:"public_flags"`
	Flags         int       `json:"flags"`
	Bot           bool      `json:"bot,omitempty"`
	GlobalName    *string   `json:"global_name"`
	PrimaryGuild  *struct{} `json:"primary_guild"`
}

// partialUser is u as the application object carries it.
func partialUser(u *discordgo.User) *appUser {
	out := &appUser{ID: u.ID, Username: u.Username, Discriminator: u.Discriminator, PublicFlags: int(u.PublicFlags), Flags: u.Flags, Bot: u.Bot}
	if out.Discriminator == "" {
		out.Discriminator = "0"
	}
	if u.Avatar != "" {
		out.Avatar = &u.Avatar
	}
	if u.GlobalName != "" {
		out.GlobalName = &u.GlobalName
	}
	return out
}

// application is the Application object Get Current Application answers
// (PrivateApplicationResponse in the OpenAPI document), with the fields
// the emulator can fill; team is null (the application belongs to a user).
type application struct {
	ID                              string    `json:"id"`
	Name                            string    `json:"name"`
	Icon                            *string   `json:"icon"`
	Description                     string    `json:"description"`
	Type                            *int      `json:"type"`
	Bot                             *appUser  `json:"bot"`
	BotPublic                       bool      `json:"bot_public"`
	BotRequireCodeGrant             bool      `json:"bot_require_code_grant"`
	VerifyKey                       string    `json:"verify_key"`
	Flags                           int       `json:"flags"`
	FlagsNew                        string    `json:"flags_new"`
	RedirectURIs                    []string  `json:"redirect_uris"`
	InteractionsEndpointURL         *string   `json:"interactions_endpoint_url"`
	RoleConnectionsVerificationURL  *string   `json:"role_connections_verification_url"`
	Owner                           *appUser  `json:"owner"`
	ApproximateGuildCount           int       `json:"approximate_guild_count"`
	ApproximateUserInstallCount     int       `json:"approximate_user_install_count"`
	ApproximateUserAuthorizationCnt int       `json:"approximate_user_authorization_count"`
	ExplicitContentFilter           int       `json:"explicit_content_filter"`
	Team                            *struct{} `json:"team"`
	EligibleOAuth2Scopes            []string  `json:"eligible_oauth2_scopes"`
}

// applicationFlags are the flags of an application with the privileged
// intents enabled in the portal and its bot in guilds servers.
func applicationFlags(enabled, guilds int) int {
	flags := 0
	for _, f := range appIntentFlags {
		switch {
		case enabled&f.intent == 0:
		case guilds >= verifiedGuilds:
			flags |= f.full
		default:
			flags |= f.limited
		}
	}
	return flags
}

// getCurrentApplication answers GET /applications/@me.
func (s *Server) getCurrentApplication(c *reqCtx) {
	enabled := s.portalIntents()
	verifyKey := s.PublicKeyHex()
	var endpoint *string
	if u := s.endpointURL(); u != "" {
		endpoint = &u
	}
	bot := s.BotUser()
	s.mu.Lock()
	guilds := 0
	for _, g := range s.guilds {
		if g.members[s.bot.ID] != nil {
			guilds++
		}
	}
	s.mu.Unlock()
	flags := applicationFlags(enabled, guilds)
	c.json(http.StatusOK, application{
		ID: s.opts.ApplicationID, Name: bot.Username, Bot: partialUser(bot), BotPublic: true, VerifyKey: verifyKey,
		Flags: flags, FlagsNew: strconv.Itoa(flags), RedirectURIs: []string{}, InteractionsEndpointURL: endpoint,
		Owner: partialUser(&appOwner), ApproximateGuildCount: guilds, EligibleOAuth2Scopes: []string{"bot", "applications.commands"},
	})
}
