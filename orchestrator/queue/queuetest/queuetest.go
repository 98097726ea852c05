// Package queuetest is the contract test suite that every queue.Queue
// implementation runs from its own tests:
//
//	func TestQueue(t *testing.T) {
//		queuetest.Run(t, func(t *testing.T) queue.Queue { return memqueue.New(nil) }, nil)
//	}
//
// With Options.AdvanceFunc set (a stubbed clock) the suite uses long delays
// (an hour, a year) and moves time by hand; without it the queue runs on
// real time, the suite sleeps, uses delays of one or two seconds and skips
// the checks that would need longer waits, saying so in the log.
//
// It is test support: import it only from _test.go files.
package queuetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/orchestrator/queue"
)

// Options tune Run for an implementation. A nil *Options is the zero value.
type Options struct {
	// AdvanceFunc moves q's clock forward by d. Nil means q runs on the wall
	// clock.
	AdvanceFunc func(t *testing.T, q queue.Queue, d time.Duration)
	// MaxBody is the largest body the implementation accepts; zero skips
	// the large-body case.
	MaxBody int
	// DuplicatesUnderConcurrency says that concurrent receivers may get the
	// same message twice within its visibility timeout (SQS standard queues
	// may; moto does); the concurrent case then only logs duplicates.
	DuplicatesUnderConcurrency bool
}

// bundle is one case's queue and how to move its time.
type bundle struct {
	q       queue.Queue
	opts    *Options
	stubbed bool
	ctx     context.Context
}

func setup(t *testing.T, newQueue func(t *testing.T) queue.Queue, opts *Options) *bundle {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return &bundle{q: newQueue(t), opts: opts, stubbed: opts.AdvanceFunc != nil, ctx: ctx}
}

// advance moves the queue's time by d, sleeping on the wall clock if it is
// not stubbed.
func (b *bundle) advance(t *testing.T, d time.Duration) {
	t.Helper()
	if b.stubbed {
		b.opts.AdvanceFunc(t, b.q, d)
		return
	}
	time.Sleep(d)
}

// delay returns stub when the clock is stubbed, real otherwise.
func (b *bundle) delay(stub, real time.Duration) time.Duration {
	if b.stubbed {
		return stub
	}
	return real
}

func (b *bundle) send(t *testing.T, msgs ...queue.Message) {
	t.Helper()
	require.NoError(t, b.q.MessageSend(b.ctx, &queue.MessageSendParams{Messages: msgs}))
}

// receiveNone checks that nothing is visible now.
func (b *bundle) receiveNone(t *testing.T) {
	t.Helper()
	got, err := b.q.MessageReceive(b.ctx, &queue.MessageReceiveParams{MaxMessages: 10})
	require.NoError(t, err)
	require.Empty(t, got, "got %d deliveries, want none", len(got))
}

// receiveN receives until it has n deliveries, failing if more come or if
// they do not come within 20 s of real time.
func (b *bundle) receiveN(t *testing.T, n int, vt time.Duration) []*queue.Delivery {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	var out []*queue.Delivery
	for len(out) < n {
		got, err := b.q.MessageReceive(ctx, &queue.MessageReceiveParams{
			MaxMessages: min(n-len(out), 10), Wait: b.delay(0, time.Second), VisibilityTimeout: vt,
		})
		require.NoError(t, err, "receiving: have %d of %d deliveries", len(out), n)
		out = append(out, got...)
	}
	require.Len(t, out, n)
	return out
}

func bodies(ds []*queue.Delivery) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = string(d.Body)
	}
	slices.Sort(out)
	return out
}

// Run runs the contract cases against fresh queues from newQueue, each in a
// parallel subtest. opts may be nil.
func Run(t *testing.T, newQueue func(t *testing.T) queue.Queue, opts *Options) {
	t.Helper()
	if opts == nil {
		opts = &Options{}
	}
	if opts.AdvanceFunc == nil {
		t.Log("queuetest: queue runs on the wall clock: short delays, long-delay delivery not checked")
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.run(t, setup(t, newQueue, opts))
		})
	}
}

var cases = []struct {
	name string
	run  func(t *testing.T, b *bundle)
}{
	{"BodiesRoundTrip", testBodiesRoundTrip},
	{"LargeBody", testLargeBody},
	{"DelayNotDeliveredEarly", testDelayNotDeliveredEarly},
	{"LongDelay", testLongDelay},
	{"MixedDelaysInOneBatch", testMixedDelays},
	{"UnacknowledgedComesBack", testUnacknowledgedComesBack},
	{"AcknowledgedDoesNotComeBack", testAcknowledgedDoesNotComeBack},
	{"Retry", testRetry},
	{"Batch25ExactlyOnce", testBatch25},
	{"MaxMessages", testMaxMessages},
	{"LongPollWakesOnSend", testLongPollWakesOnSend},
	{"ReceiveHonoursContext", testReceiveHonoursContext},
	{"ConcurrentReceivers", testConcurrentReceivers},
}

func testBodiesRoundTrip(t *testing.T, b *bundle) {
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	want := [][]byte{
		[]byte(`{"execution":"e1","thread":"0","seq":7}`),
		{},
		all,
		{0xff, 0xfe, 0x00, 0x80},       // not UTF-8
		[]byte("\x00nul\ttab\r\ncrlf"), // characters SQS rejects or may rewrite
		[]byte("\ufffe\uffff"),         // non-characters SQS rejects
		[]byte{0xed, 0xa0, 0x80},       // an encoded surrogate: invalid UTF-8
		[]byte("héllo wörld 😀 ✓"),
		[]byte("  leading and trailing space  "),
		[]byte("=="),
	}
	msgs := make([]queue.Message, len(want))
	for i, w := range want {
		msgs[i] = queue.Message{Body: w}
	}
	b.send(t, msgs...)
	got := b.receiveN(t, len(want), 30*time.Second)
	wantS := make([]string, len(want))
	for i, w := range want {
		wantS[i] = string(w)
	}
	slices.Sort(wantS)
	require.Equal(t, wantS, bodies(got))
	for _, d := range got {
		require.NotEmpty(t, d.ID)
		require.NotEmpty(t, d.ReceiptHandle)
		require.Equal(t, 1, d.ReceiveCount)
	}
}

func testLargeBody(t *testing.T, b *bundle) {
	if b.opts.MaxBody == 0 {
		t.Skip("queuetest: Options.MaxBody not set")
	}
	big := make([]byte, b.opts.MaxBody)
	for i := range big {
		big[i] = byte(i * 7)
	}
	b.send(t, queue.Message{Body: big})
	got := b.receiveN(t, 1, 30*time.Second)
	require.Equal(t, big, got[0].Body)

	err := b.q.MessageSend(b.ctx, &queue.MessageSendParams{Messages: []queue.Message{{Body: append(big, 1)}}})
	require.ErrorIs(t, err, queue.ErrTooLarge)
}

func testDelayNotDeliveredEarly(t *testing.T, b *bundle) {
	d := b.delay(time.Hour, 2*time.Second)
	b.send(t, queue.Message{Body: []byte("later"), Delay: d})
	b.receiveNone(t)
	b.advance(t, b.delay(d-time.Second, time.Second))
	b.receiveNone(t)
	b.advance(t, b.delay(time.Second, 0))
	got := b.receiveN(t, 1, 30*time.Second)
	require.Equal(t, "later", string(got[0].Body))
}

func testLongDelay(t *testing.T, b *bundle) {
	year := 365 * 24 * time.Hour
	d := b.delay(year, 1000*time.Second) // past SQS's 900 s
	b.send(t, queue.Message{Body: []byte("next year"), Delay: d})
	if !b.stubbed {
		got, err := b.q.MessageReceive(b.ctx, &queue.MessageReceiveParams{MaxMessages: 10, Wait: 2 * time.Second})
		require.NoError(t, err)
		require.Empty(t, got, "a message delayed by %s was delivered", d)
		t.Log("queuetest: wall clock: delivery after a long delay not checked")
		return
	}
	b.advance(t, 900*time.Second)
	b.receiveNone(t)
	b.advance(t, d-900*time.Second-time.Second)
	b.receiveNone(t)
	b.advance(t, time.Second)
	got := b.receiveN(t, 1, 30*time.Second)
	require.Equal(t, "next year", string(got[0].Body))
}

func testMixedDelays(t *testing.T, b *bundle) {
	d := b.delay(time.Hour, 2*time.Second)
	b.send(t,
		queue.Message{Body: []byte("late"), Delay: d},
		queue.Message{Body: []byte("now")},
	)
	got := b.receiveN(t, 1, 30*time.Second)
	require.Equal(t, "now", string(got[0].Body))
	require.NoError(t, b.q.MessageDelete(b.ctx, &queue.MessageDeleteParams{ReceiptHandles: []string{got[0].ReceiptHandle}}))
	b.receiveNone(t)
	b.advance(t, d)
	got = b.receiveN(t, 1, 30*time.Second)
	require.Equal(t, "late", string(got[0].Body))
}

func testUnacknowledgedComesBack(t *testing.T, b *bundle) {
	b.send(t, queue.Message{Body: []byte("again")})
	first := b.receiveN(t, 1, 2*time.Second)[0]
	// At least 1: moto goes on serving a long poll whose client gave up,
	// so a receive the test abandoned may have counted once already.
	require.GreaterOrEqual(t, first.ReceiveCount, 1)
	b.receiveNone(t)
	b.advance(t, 3*time.Second)
	second := b.receiveN(t, 1, 2*time.Second)[0]
	require.Equal(t, first.ID, second.ID)
	require.Equal(t, "again", string(second.Body))
	require.Greater(t, second.ReceiveCount, first.ReceiveCount, "the count grows with each delivery")
	require.NotEqual(t, first.ReceiptHandle, second.ReceiptHandle)
	require.NoError(t, b.q.MessageDelete(b.ctx, &queue.MessageDeleteParams{ReceiptHandles: []string{second.ReceiptHandle}}))
	b.advance(t, 3*time.Second)
	b.receiveNone(t)
}

func testAcknowledgedDoesNotComeBack(t *testing.T, b *bundle) {
	b.send(t, queue.Message{Body: []byte("once")}, queue.Message{Body: []byte("twice")})
	got := b.receiveN(t, 2, time.Second)
	var ack string
	for _, d := range got {
		if string(d.Body) == "once" {
			ack = d.ReceiptHandle
		}
	}
	require.NoError(t, b.q.MessageDelete(b.ctx, &queue.MessageDeleteParams{ReceiptHandles: []string{ack}}))
	b.advance(t, 2*time.Second)
	again := b.receiveN(t, 1, 30*time.Second)
	require.Equal(t, "twice", string(again[0].Body))
	b.receiveNone(t)
	// Deleting twice is harmless.
	require.NoError(t, b.q.MessageDelete(b.ctx, &queue.MessageDeleteParams{ReceiptHandles: []string{ack}}))
}

func testRetry(t *testing.T, b *bundle) {
	b.send(t, queue.Message{Body: []byte("retry")})
	first := b.receiveN(t, 1, time.Hour)[0]
	require.NoError(t, b.q.MessageRetry(b.ctx, &queue.MessageRetryParams{ReceiptHandle: first.ReceiptHandle}))
	second := b.receiveN(t, 1, time.Hour)[0]
	require.Equal(t, first.ID, second.ID)
	require.Greater(t, second.ReceiveCount, first.ReceiveCount, "the count grows with each delivery")

	d := b.delay(10*time.Minute, 2*time.Second)
	require.NoError(t, b.q.MessageRetry(b.ctx, &queue.MessageRetryParams{ReceiptHandle: second.ReceiptHandle, Delay: d}))
	b.receiveNone(t)
	b.advance(t, d)
	third := b.receiveN(t, 1, time.Hour)[0]
	require.Equal(t, first.ID, third.ID)
	require.Equal(t, 3, third.ReceiveCount)
}

func testBatch25(t *testing.T, b *bundle) {
	const n = 25
	msgs := make([]queue.Message, n)
	want := make([]string, n)
	for i := range msgs {
		want[i] = fmt.Sprintf(`{"seq":%02d}`, i)
		msgs[i] = queue.Message{Body: []byte(want[i])}
	}
	slices.Sort(want)
	b.send(t, msgs...)
	got := b.receiveN(t, n, time.Minute)
	require.Equal(t, want, bodies(got))
	ids := map[string]bool{}
	handles := make([]string, n)
	for i, d := range got {
		require.False(t, ids[d.ID], "message %s delivered twice", d.ID)
		ids[d.ID] = true
		handles[i] = d.ReceiptHandle
	}
	require.NoError(t, b.q.MessageDelete(b.ctx, &queue.MessageDeleteParams{ReceiptHandles: handles}))
	b.receiveNone(t)
	if b.stubbed {
		b.advance(t, 2*time.Minute)
		b.receiveNone(t)
	}
}

func testMaxMessages(t *testing.T, b *bundle) {
	msgs := make([]queue.Message, 5)
	for i := range msgs {
		msgs[i] = queue.Message{Body: []byte{byte('a' + i)}}
	}
	b.send(t, msgs...)
	got, err := b.q.MessageReceive(b.ctx, &queue.MessageReceiveParams{MaxMessages: 3, Wait: b.delay(0, time.Second)})
	require.NoError(t, err)
	require.NotEmpty(t, got)
	require.LessOrEqual(t, len(got), 3)
	got, err = b.q.MessageReceive(b.ctx, &queue.MessageReceiveParams{})
	require.NoError(t, err)
	require.LessOrEqual(t, len(got), 1)
}

func testLongPollWakesOnSend(t *testing.T, b *bundle) {
	done := make(chan []*queue.Delivery, 1)
	errc := make(chan error, 1)
	go func() {
		got, err := b.q.MessageReceive(b.ctx, &queue.MessageReceiveParams{MaxMessages: 10, Wait: b.delay(time.Hour, 15*time.Second)})
		errc <- err
		done <- got
	}()
	time.Sleep(200 * time.Millisecond) // let the receive start waiting
	start := time.Now()
	b.send(t, queue.Message{Body: []byte("wake")})
	require.NoError(t, <-errc)
	got := <-done
	require.Len(t, got, 1)
	require.Equal(t, "wake", string(got[0].Body))
	require.Less(t, time.Since(start), 10*time.Second)
}

func testReceiveHonoursContext(t *testing.T, b *bundle) {
	ctx, cancel := context.WithTimeout(b.ctx, 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := b.q.MessageReceive(ctx, &queue.MessageReceiveParams{Wait: b.delay(time.Hour, 10*time.Second)})
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Less(t, time.Since(start), 5*time.Second)
}

func testConcurrentReceivers(t *testing.T, b *bundle) {
	const n, workers = 60, 4
	for i := 0; i < n; i += 10 {
		msgs := make([]queue.Message, 10)
		for j := range msgs {
			msgs[j] = queue.Message{Body: fmt.Appendf(nil, "m%03d", i+j)}
		}
		b.send(t, msgs...)
	}
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for range workers {
		wg.Go(func() {
			for {
				mu.Lock()
				total := 0
				for _, c := range seen {
					total += c
				}
				mu.Unlock()
				if total >= n || ctx.Err() != nil {
					return
				}
				got, err := b.q.MessageReceive(ctx, &queue.MessageReceiveParams{MaxMessages: 10, Wait: b.delay(0, 500*time.Millisecond), VisibilityTimeout: time.Minute})
				if err != nil {
					errs <- err
					return
				}
				handles := make([]string, len(got))
				mu.Lock()
				for i, d := range got {
					seen[string(d.Body)]++
					handles[i] = d.ReceiptHandle
				}
				mu.Unlock()
				if len(got) > 0 {
					if err := b.q.MessageDelete(ctx, &queue.MessageDeleteParams{ReceiptHandles: handles}); err != nil {
						errs <- err
						return
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.Len(t, seen, n)
	var twice []string
	for body, c := range seen {
		if c != 1 {
			twice = append(twice, body)
		}
	}
	if b.opts.DuplicatesUnderConcurrency {
		if len(twice) == 0 {
			return
		}
		t.Logf("queuetest: %d of %d messages delivered more than once to concurrent receivers (allowed): %s", len(twice), n, strings.Join(twice, ", "))
		return
	}
	require.Empty(t, twice, "delivered more than once: %s", strings.Join(twice, ", "))
}
