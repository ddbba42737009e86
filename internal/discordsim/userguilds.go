package discordsim

// Get Current User Guilds as Discord documents it (Resources, "User": GET
// /users/@me/guilds): the guilds the bot is a member of, as partial guild
// objects sorted by id, at most `limit` (1-200, default 200) per page,
// paged with `after` or `before` (a guild id); `with_counts` adds
// approximate_member_count and approximate_presence_count. A limit out of
// bounds or an id that is not a snowflake is 400 Invalid Form Body (50035).

import (
	"net/http"
	"slices"
	"strconv"
)

// Bounds of Get Current User Guilds' limit.
const (
	userGuildsMaxLimit     = 200
	userGuildsDefaultLimit = 200
)

// userGuild is the partial guild Get Current User Guilds returns
// (MyGuildResponse in the OpenAPI document).
type userGuild struct {
	ID                       string   `json:"id"`
	Name                     string   `json:"name"`
	Icon                     *string  `json:"icon"`
	Banner                   *string  `json:"banner"`
	Owner                    bool     `json:"owner"`
	Permissions              string   `json:"permissions"`
	Features                 []string `json:"features"`
	ApproximateMemberCount   *int     `json:"approximate_member_count,omitempty"`
	ApproximatePresenceCount *int     `json:"approximate_presence_count,omitempty"`
}

// userGuildsQuery is the parsed query of Get Current User Guilds.
type userGuildsQuery struct {
	limit         int
	after, before string
	withCounts    bool
}

// parseUserGuildsQuery reads the query; it answers 400 and returns false
// when a parameter breaks the documented bounds.
func (c *reqCtx) parseUserGuildsQuery() (userGuildsQuery, bool) {
	q := c.r.URL.Query()
	out := userGuildsQuery{limit: userGuildsDefaultLimit, after: q.Get("after"), before: q.Get("before")}
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > userGuildsMaxLimit {
			c.formError(Violation{Rule: "schema", InstancePath: "/limit", Message: "limit must be 1-200"})
			return out, false
		}
		out.limit = n
	}
	for name, v := range map[string]string{"after": out.after, "before": out.before} {
		if v == "" {
			continue
		}
		if _, err := strconv.ParseUint(v, 10, 64); err != nil {
			c.formError(Violation{Rule: "schema", InstancePath: "/" + name, Message: "Value \"" + v + "\" is not snowflake."})
			return out, false
		}
	}
	if w := q.Get("with_counts"); w != "" {
		b, err := strconv.ParseBool(w)
		if err != nil {
			c.formError(Violation{Rule: "schema", InstancePath: "/with_counts", Message: "Must be either true or false."})
			return out, false
		}
		out.withCounts = b
	}
	return out, true
}

// listUserGuilds answers GET /users/@me/guilds. With before (and no
// after) the page is the guilds just below it, as Discord's other
// before-paginated lists are; otherwise the first guilds above after.
func (s *Server) listUserGuilds(c *reqCtx) {
	q, ok := c.parseUserGuildsQuery()
	if !ok {
		return
	}
	s.mu.Lock()
	var in []*Guild
	for _, g := range s.guilds {
		if g.members[s.bot.ID] == nil ||
			(q.after != "" && snowflakeLess(g.ID, q.after, true)) ||
			(q.before != "" && !snowflakeLess(g.ID, q.before, false)) {
			continue
		}
		in = append(in, g)
	}
	slices.SortFunc(in, func(a, b *Guild) int {
		switch {
		case a.ID == b.ID:
			return 0
		case snowflakeLess(a.ID, b.ID, false):
			return -1
		}
		return 1
	})
	if len(in) > q.limit {
		if q.before != "" && q.after == "" {
			in = in[len(in)-q.limit:]
		} else {
			in = in[:q.limit]
		}
	}
	out := make([]userGuild, 0, len(in))
	for _, g := range in {
		ug := userGuild{ID: g.ID, Name: g.Name, Owner: g.OwnerID == s.bot.ID,
			Permissions: strconv.FormatInt(g.permsLocked(s.bot.ID), 10), Features: []string{}}
		if q.withCounts {
			members := 0
			for _, ms := range g.members {
				if ms != nil {
					members++
				}
			}
			// The emulator tracks no presences: nobody is online.
			presences := 0
			ug.ApproximateMemberCount, ug.ApproximatePresenceCount = &members, &presences
		}
		out = append(out, ug)
	}
	s.mu.Unlock()
	c.json(http.StatusOK, out)
}
