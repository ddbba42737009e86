package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/riverqueue/river"
)

// Delivery is a Discord message that must not be lost: a warning DM or a
// mod-log post that Discord answered with a 429 or a 5xx after the
// transport's own retries. It is sent again by a job, with backoff, until
// Discord takes it or refuses it for good.
type Delivery struct {
	// What names the message in logs ("DM 123", "post to mod log 456").
	What string `json:"what"`
	// UserID is a DM's recipient; ChannelID a post's channel.
	UserID    string `json:"userId,omitempty"`
	ChannelID string `json:"channelId,omitempty"`
	// Message is the message as Discord takes it (the body of Create
	// Message), kept as it was first sent.
	Message json.RawMessage `json:"message"`
	// GuildID and WarningID name the warning whose DM or mod-log post this
	// is (zero for other messages), so that a DM's outcome reaches the
	// warning's dm_status and a post's message is kept with the warning.
	GuildID   string `json:"guildId,omitempty"`
	WarningID int64  `json:"warningId,omitempty"`
}

// Kind is River's job kind.
func (Delivery) Kind() string { return "discord_delivery" }

// InsertOpts: a delivery is tried for about a day.
func (Delivery) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: deliveryAttempts} }

// deliveryAttempts at deliveryBackoff's pace span about a day.
const deliveryAttempts = 25

// ErrFinal marks a delivery error that another attempt cannot fix (a 4xx
// other than 429: missing access, unknown channel, DMs closed).
var ErrFinal = errors.New("final")

// deliveryWorker sends Deliveries with send and reports each one's final
// outcome to settled.
type deliveryWorker struct {
	river.WorkerDefaults[Delivery]
	send    func(ctx context.Context, d Delivery) (string, error)
	settled func(ctx context.Context, d Delivery, o Outcome)
	r       *Runner
}

// Outcome is what became of a Delivery, final.
type Outcome struct {
	// MessageID is the message Discord created for a post ("" for a DM,
	// or when it was not delivered).
	MessageID string
	// Err is nil once Discord took the message, else the error of the
	// refusal or of the last attempt.
	Err error
}

// NextRetry backs off from one second, doubling, up to an hour, with ±10%
// jitter: faster than River's default (attempt⁴ s) at first, since a
// warning DM matters most soon after the warning.
func (w *deliveryWorker) NextRetry(job *river.Job[Delivery]) time.Time {
	return time.Now().Add(deliveryBackoff(len(job.Errors)))
}

func deliveryBackoff(failures int) time.Duration {
	d := min(time.Second<<min(failures, 12), time.Hour)
	return d + time.Duration((rand.Float64()-0.5)*0.2*float64(d))
}

// Work sends the message once; an error is retried, ErrFinal is not. The
// outcome goes to settled once it is final: delivered, refused for good,
// or failed on the last attempt.
func (w *deliveryWorker) Work(ctx context.Context, job *river.Job[Delivery]) error {
	id, err := w.send(ctx, job.Args)
	switch {
	case err == nil:
		w.r.log.Info("Queued Discord message delivered", "what", job.Args.What, "attempt", job.Attempt)
		w.settle(ctx, job.Args, Outcome{MessageID: id})
		return nil
	case errors.Is(err, ErrFinal):
		w.r.log.Warn("Queued Discord message refused for good", "what", job.Args.What, "attempt", job.Attempt, "error", err)
		w.settle(ctx, job.Args, Outcome{Err: err})
		return river.JobCancel(err)
	case job.Attempt >= job.MaxAttempts:
		w.r.log.Error("Queued Discord message failed on its last attempt; giving up", "what", job.Args.What, "attempt", job.Attempt, "error", err)
		w.settle(ctx, job.Args, Outcome{Err: err})
		return fmt.Errorf("deliver %s: %w", job.Args.What, err)
	default:
		w.r.log.Warn("Queued Discord message failed again; retrying", "what", job.Args.What, "attempt", job.Attempt, "error", err)
		return fmt.Errorf("deliver %s: %w", job.Args.What, err)
	}
}

// settle reports a final outcome. It runs on a context of its own: the
// message is sent (or given up) whatever the job's deadline, and its record
// must follow.
func (w *deliveryWorker) settle(ctx context.Context, d Delivery, o Outcome) {
	if w.settled == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), settleTimeout)
	defer cancel()
	w.settled(ctx, d, o)
}

// settleTimeout bounds the recording of a delivery's outcome.
const settleTimeout = 10 * time.Second

// Deliveries registers send as the sender of Deliveries (before Start),
// which returns the id of the message it posted ("" for a DM), and
// settled, when not nil, as the recipient of each one's final Outcome.
// settled is called once per delivery (at least once should the process
// die in between); it cannot fail the job, since the message may already
// be sent.
func (r *Runner) Deliveries(send func(ctx context.Context, d Delivery) (string, error), settled func(ctx context.Context, d Delivery, o Outcome)) {
	Register(r, &deliveryWorker{send: send, settled: settled, r: r})
}

// Deliver queues d (after Start).
func (r *Runner) Deliver(ctx context.Context, d Delivery) error {
	return r.Enqueue(ctx, d, nil)
}
