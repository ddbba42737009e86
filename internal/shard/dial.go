package shard

import (
	"context"
	"net"
	"net/http"
	"time"

	"github.com/gorilla/websocket"
)

// handshakeTimeout bounds the websocket handshake once the gate let the
// connection through (gorilla's default; the wait itself is not bounded
// by it, since a shard may wait for several buckets' turns).
const handshakeTimeout = 45 * time.Second

// Dialer is the websocket dialer of shardID's gateway session: every
// connection waits at the gate first. discordgo identifies inside Session.Open
// and again on each of its reconnects, and offers no hook before IDENTIFY,
// but every identify goes out on a new connection from this dialer (except
// one answering an op 9 Invalid Session on the same connection, which
// discordgo sends at once). A RESUME waits too: the dial cannot tell which
// of the two will follow, and a resume is rarely within 5 s of an identify
// of its bucket. ctx ends the waiting (the app's lifetime).
func (g *Gate) Dialer(ctx context.Context, shardID int) *websocket.Dialer {
	return &websocket.Dialer{
		Proxy: http.ProxyFromEnvironment,
		NetDialContext: func(dialCtx context.Context, network, addr string) (net.Conn, error) {
			if err := g.Wait(ctx, shardID); err != nil {
				return nil, err
			}
			var d net.Dialer
			dialCtx, cancel := context.WithTimeout(dialCtx, handshakeTimeout)
			defer cancel()
			c, err := d.DialContext(dialCtx, network, addr)
			if err != nil {
				return nil, err
			}
			// gorilla clears the deadline once the handshake is done.
			if err := c.SetDeadline(time.Now().Add(handshakeTimeout)); err != nil {
				c.Close()
				return nil, err
			}
			return c, nil
		},
	}
}
