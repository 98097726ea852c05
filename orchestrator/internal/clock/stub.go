package clock

import (
	"context"
	"slices"
	"sync"
	"time"
)

// Stub is a Clock that only moves when a test calls Advance or Set. Timers
// made by a Stub fire, in deadline order, when the time reaches their
// deadline. It is safe for concurrent use.
type Stub struct {
	mu      sync.Mutex
	now     time.Time
	timers  []*stubTimer  // pending timers, unordered
	changed chan struct{} // closed and replaced when the set of timers changes
}

var _ Clock = (*Stub)(nil)

// NewStub returns a Stub that reads now until it is moved.
func NewStub(now time.Time) *Stub {
	return &Stub{now: now, changed: make(chan struct{})}
}

// Now returns the stub's current time.
func (s *Stub) Now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.now
}

// NewTimer returns a timer that fires when the stub reaches Now()+d.
func (s *Stub) NewTimer(d time.Duration) Timer {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := &stubTimer{stub: s, at: s.now.Add(d), c: make(chan time.Time, 1)}
	if d <= 0 {
		t.c <- s.now
		return t
	}
	s.timers = append(s.timers, t)
	s.notifyLocked()
	return t
}

// Advance moves the time forward by d and fires the timers that fall due.
func (s *Stub) Advance(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.setLocked(s.now.Add(d))
}

// Set moves the time to t (forward or backward) and fires the timers that
// fall due.
func (s *Stub) Set(t time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.setLocked(t)
}

// Timers returns the number of timers waiting to fire: a test uses it to
// know that a goroutine is blocked on the clock before it advances it.
func (s *Stub) Timers() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.timers)
}

// WaitTimers blocks until at least n timers are waiting to fire or ctx is
// done.
func (s *Stub) WaitTimers(ctx context.Context, n int) error {
	for {
		s.mu.Lock()
		got, changed := len(s.timers), s.changed
		s.mu.Unlock()
		if got >= n {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (s *Stub) setLocked(now time.Time) {
	s.now = now
	var due []*stubTimer
	kept := s.timers[:0]
	for _, t := range s.timers {
		if !t.at.After(now) {
			due = append(due, t)
		} else {
			kept = append(kept, t)
		}
	}
	clear(s.timers[len(kept):])
	s.timers = kept
	slices.SortStableFunc(due, func(a, b *stubTimer) int { return a.at.Compare(b.at) })
	for _, t := range due {
		select {
		case t.c <- t.at:
		default:
		}
	}
	if len(due) > 0 {
		s.notifyLocked()
	}
}

func (s *Stub) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

type stubTimer struct {
	stub *Stub
	at   time.Time
	c    chan time.Time
}

func (t *stubTimer) C() <-chan time.Time { return t.c }

func (t *stubTimer) Stop() bool {
	s := t.stub
	s.mu.Lock()
	defer s.mu.Unlock()
	i := slices.Index(s.timers, t)
	if i < 0 {
		return false
	}
	s.timers = slices.Delete(s.timers, i, i+1)
	s.notifyLocked()
	return true
}
