package shard

import (
	"context"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// handshakeTimeout bounds the websocket handshake once the gate let the
// connection through (gorilla's default; the wait itself is not bounded
// by it, since a shard may wait for several buckets' turns).
const handshakeTimeout = 45 * time.Second

// Dialer is the websocket dialer of shardID's gateway session: every
// connection waits at the gate first. discordgo identifies inside
// Session.Open and again on each of its reconnects, and offers no hook
// before IDENTIFY, but every identify goes out on a new connection from
// this dialer (except one answering an op 9 Invalid Session on the same
// connection, which discordgo sends at once). The bucket stays locked
// until the connection's first write after the server's HELLO, which is
// the IDENTIFY (or RESUME): its time is what the next shard of the bucket
// waits from. A RESUME waits too: the dial cannot tell which of the two
// will follow, and a resume is rarely within 5 s of an identify of its
// bucket. ctx ends the waiting (the app's lifetime).
func (g *Gate) Dialer(ctx context.Context, shardID int) *websocket.Dialer {
	return &websocket.Dialer{
		Proxy: http.ProxyFromEnvironment,
		NetDialContext: func(dialCtx context.Context, network, addr string) (net.Conn, error) {
			t, err := g.take(ctx, shardID)
			if err != nil {
				return nil, err
			}
			var d net.Dialer
			dialCtx, cancel := context.WithTimeout(dialCtx, handshakeTimeout)
			defer cancel()
			c, err := d.DialContext(dialCtx, network, addr)
			if err == nil {
				// gorilla clears the deadline once the handshake is done.
				err = c.SetDeadline(time.Now().Add(handshakeTimeout))
			}
			if err != nil {
				if c != nil {
					c.Close()
				}
				_ = t.done(ctx)
				return nil, err
			}
			ic := &identifyConn{Conn: c, turn: t, ctx: ctx}
			// Never hold the bucket past the handshake, whatever happens.
			ic.timer = time.AfterFunc(handshakeTimeout, ic.release)
			return ic, nil
		},
	}
}

// identifyConn releases its turn at the gate after the first write that
// follows a read: the upgrade request is written first, then HELLO is
// read, then IDENTIFY (or RESUME) written. Closing releases it too.
type identifyConn struct {
	net.Conn
	turn  *turn
	ctx   context.Context
	timer *time.Timer
	read  atomic.Bool
}

func (c *identifyConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.read.Store(true)
	}
	return n, err
}

func (c *identifyConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	if c.read.Load() {
		c.release()
	}
	return n, err
}

func (c *identifyConn) Close() error {
	c.release()
	return c.Conn.Close()
}

func (c *identifyConn) release() {
	c.timer.Stop()
	_ = c.turn.done(c.ctx)
}
