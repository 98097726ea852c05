package boltstore

import (
	"errors"
	"sync"
	"sync/atomic"

	bolt "go.etcd.io/bbolt"
)

// groupCall is one Commit waiting for a transaction.
type groupCall struct {
	// check verifies the call's conditions in tx, writing nothing.
	check func(tx *bolt.Tx) error
	// apply writes the call's records in tx.
	apply func(tx *bolt.Tx) error
	done  chan error
}

// groupCommitter runs queued calls together in one write transaction.
type groupCommitter struct {
	db           *bolt.DB
	transactions *atomic.Int64

	mu      sync.Mutex
	pending []*groupCall
	running bool
}

// errLead is sent to a queued call to make its goroutine the leader.
var errLead = errors.New("lead the next transaction")

// run queues a call and returns its outcome. The caller that finds no
// transaction running becomes the leader: it runs one transaction with
// every call queued so far (its own included), then hands the lead to the
// first call queued meanwhile, so that no caller keeps working for others.
func (g *groupCommitter) run(check, apply func(tx *bolt.Tx) error) error {
	c := &groupCall{check: check, apply: apply, done: make(chan error, 1)}
	g.mu.Lock()
	g.pending = append(g.pending, c)
	lead := !g.running
	g.running = true
	g.mu.Unlock()
	if lead {
		g.lead()
	}
	for {
		err := <-c.done
		if err != errLead {
			return err
		}
		g.lead()
	}
}

// lead runs one transaction of the queued calls and passes the lead on.
func (g *groupCommitter) lead() {
	g.mu.Lock()
	batch := g.pending
	g.pending = nil
	g.mu.Unlock()
	g.runBatch(batch)
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.pending) == 0 {
		g.running = false
		return
	}
	g.pending[0].done <- errLead
}

// runBatch applies calls in one transaction. A call whose check fails is
// skipped and gets its error. If the transaction itself fails (an apply or
// the commit), each call is retried alone so that one bad call cannot fail
// the others.
func (g *groupCommitter) runBatch(calls []*groupCall) {
	results := make([]error, len(calls))
	err := g.db.Update(func(tx *bolt.Tx) error {
		for i, c := range calls {
			results[i] = nil
			if err := c.check(tx); err != nil {
				results[i] = err
				continue
			}
			if err := c.apply(tx); err != nil {
				return err
			}
		}
		return nil
	})
	g.transactions.Add(1)
	if err == nil {
		for i, c := range calls {
			c.done <- results[i]
		}
		return
	}
	if len(calls) == 1 {
		calls[0].done <- err
		return
	}
	for _, c := range calls {
		g.runBatch([]*groupCall{c})
	}
}
