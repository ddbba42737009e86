package discordact

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/bwmarrin/discordgo"

	"github.com/embodied-community/embodied/internal/jobs"
	"github.com/embodied-community/embodied/internal/strike"
)

// QueueFailed has DM and PostModLog hand a message that Discord answered
// with a 429 or a 5xx (after the transport's retries) to queue, a durable
// job (jobs.Runner.Deliver) that Deliver sends later, and return an error
// wrapping strike.ErrQueued. Without it, such a failure is returned as is.
func (d *Discord) QueueFailed(queue func(context.Context, jobs.Delivery) error) { d.queue = queue }

// transient reports whether Discord may take the request later: a 429 past
// the retry budget, or a server error.
func transient(err error) bool {
	var re *discordgo.RESTError
	if !errors.As(err, &re) || re.Response == nil {
		return false
	}
	return re.Response.StatusCode == http.StatusTooManyRequests || re.Response.StatusCode >= 500
}

// queueIfTransient queues msg as del when err is transient, returning err
// marked strike.ErrQueued; any other err comes back unchanged.
func (d *Discord) queueIfTransient(ctx context.Context, del jobs.Delivery, msg any, err error) error {
	if d.queue == nil || !transient(err) {
		return err
	}
	body, merr := json.Marshal(msg)
	if merr != nil {
		return errors.Join(err, fmt.Errorf("queue %s: %w", del.What, merr))
	}
	del.Message = body
	if qerr := d.queue(ctx, del); qerr != nil {
		return errors.Join(err, qerr)
	}
	return fmt.Errorf("%w: %w", strike.ErrQueued, err)
}

// Deliver sends a queued message once and returns the id of a post ("" for
// a DM). An error that another attempt cannot fix (a 4xx other than 429,
// DMs closed) wraps jobs.ErrFinal.
func (d *Discord) Deliver(ctx context.Context, del jobs.Delivery) (string, error) {
	msg := json.RawMessage(del.Message)
	var id string
	var err error
	if del.UserID != "" {
		err = d.dm(ctx, del.UserID, msg)
	} else {
		id, err = d.send(ctx, del.ChannelID, msg)
		err = classify(del.What, err)
	}
	var re *discordgo.RESTError
	if err != nil && !transient(err) && (errors.As(err, &re) || errors.Is(err, strike.ErrDMClosed)) {
		return "", fmt.Errorf("%w: %w", jobs.ErrFinal, err)
	}
	return id, err
}
