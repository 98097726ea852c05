// Package clock gives the orchestrator its sense of time through an
// interface, so that tests can replace the wall clock with a Stub they move
// forward by hand: a test of a one-year delay then takes milliseconds.
//
// Code that needs the time takes a Clock (usually through a config field that
// defaults to Real) and never calls time.Now, time.After or time.NewTimer
// itself.
package clock

import (
	"context"
	"time"
)

// Clock tells the time and makes timers that fire on that time.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// NewTimer returns a timer that sends the time on its channel once d has
	// passed on this clock. A d of zero or less fires at once.
	NewTimer(d time.Duration) Timer
}

// Timer is a one-shot timer made by a Clock, like time.Timer.
type Timer interface {
	// C returns the channel on which the timer sends the time when it fires.
	// The channel has a buffer of one and is never closed.
	C() <-chan time.Time
	// Stop prevents the timer from firing. It reports whether it stopped the
	// timer, false if the timer had already fired or been stopped.
	Stop() bool
}

// Real is the wall clock.
var Real Clock = realClock{}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) NewTimer(d time.Duration) Timer { return realTimer{time.NewTimer(d)} }

type realTimer struct{ t *time.Timer }

func (r realTimer) C() <-chan time.Time { return r.t.C }

func (r realTimer) Stop() bool { return r.t.Stop() }

// OrReal returns c, or Real if c is nil; it lets config structs leave the
// clock unset.
func OrReal(c Clock) Clock {
	if c == nil {
		return Real
	}
	return c
}

// Sleep waits until d has passed on c or ctx is done, and returns ctx's
// error in the second case.
func Sleep(ctx context.Context, c Clock, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := c.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C():
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
