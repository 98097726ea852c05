package clock_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/orchestrator/internal/clock"
)

var epoch = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

func TestStub(t *testing.T) {
	t.Parallel()

	t.Run("NowMovesOnlyWhenAdvanced", func(t *testing.T) {
		t.Parallel()
		s := clock.NewStub(epoch)
		require.Equal(t, epoch, s.Now())
		s.Advance(365 * 24 * time.Hour)
		require.Equal(t, epoch.Add(365*24*time.Hour), s.Now())
		s.Set(epoch)
		require.Equal(t, epoch, s.Now())
	})

	t.Run("TimerFiresAtDeadlineNotBefore", func(t *testing.T) {
		t.Parallel()
		s := clock.NewStub(epoch)
		tm := s.NewTimer(time.Hour)
		require.Equal(t, 1, s.Timers())
		s.Advance(time.Hour - time.Nanosecond)
		select {
		case <-tm.C():
			t.Fatal("timer fired early")
		default:
		}
		s.Advance(time.Nanosecond)
		require.Equal(t, epoch.Add(time.Hour), <-tm.C())
		require.Equal(t, 0, s.Timers())
		require.False(t, tm.Stop())
	})

	t.Run("ZeroTimerFiresAtOnce", func(t *testing.T) {
		t.Parallel()
		s := clock.NewStub(epoch)
		require.Equal(t, epoch, <-s.NewTimer(0).C())
	})

	t.Run("StoppedTimerDoesNotFire", func(t *testing.T) {
		t.Parallel()
		s := clock.NewStub(epoch)
		tm := s.NewTimer(time.Minute)
		require.True(t, tm.Stop())
		require.False(t, tm.Stop())
		s.Advance(time.Hour)
		select {
		case <-tm.C():
			t.Fatal("stopped timer fired")
		default:
		}
	})

	t.Run("SleepWakesOnAdvance", func(t *testing.T) {
		t.Parallel()
		s := clock.NewStub(epoch)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		done := make(chan error, 1)
		go func() { done <- clock.Sleep(ctx, s, 24*time.Hour) }()
		require.NoError(t, s.WaitTimers(ctx, 1))
		s.Advance(24 * time.Hour)
		require.NoError(t, <-done)
	})

	t.Run("SleepReturnsOnCancel", func(t *testing.T) {
		t.Parallel()
		s := clock.NewStub(epoch)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		require.ErrorIs(t, clock.Sleep(ctx, s, time.Hour), context.Canceled)
	})
}

func TestReal(t *testing.T) {
	t.Parallel()
	c := clock.OrReal(nil)
	start := c.Now()
	<-c.NewTimer(time.Millisecond).C()
	require.GreaterOrEqual(t, c.Now().Sub(start), time.Millisecond)
	require.NoError(t, clock.Sleep(context.Background(), c, time.Millisecond))
}
