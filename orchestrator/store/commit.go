package store

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// CommitParams are the parameters of Store.Commit: everything one step of
// an execution writes, applied atomically (all or nothing).
//
// The Commit fails, writing nothing, with:
//   - ErrAlreadyExists if ExecutionCreate is set and the execution exists
//     (this wins over any other failed condition);
//   - ErrConflict if a thread's stored Seq is newer than its ExpectSeq
//     (or the thread exists and ExpectSeq is NoSeq), if
//     ExecutionUpdate is set and the execution is missing or not RUNNING, if
//     an event key, a token, a child result or an activity task exists
//     already;
//   - ErrTooLarge if the commit breaks MaxCommitItems, MaxCommitBytes or
//     MaxRecordBytes.
//
// Of N writers racing on one thread at the same ExpectSeq, exactly one
// succeeds and the others get ErrConflict. A thread write moves the
// thread by one step: its Seq is ExpectSeq+1 (0 for a new thread), and
// ExpectSeq must be a Seq that ThreadGet returned (or NoSeq). An
// implementation may fence the write on "step Seq is not written yet"
// alone (dynamostore does, with one conditional put), so a commit whose
// ExpectSeq is ahead of the stored Seq, which no caller that read the
// thread can make, may succeed.
type CommitParams struct {
	// ExecutionARN is the execution every record belongs to.
	ExecutionARN string
	// ExecutionCreate, when set, creates the execution; its ARN must be
	// ExecutionARN.
	ExecutionCreate *Execution
	// ExecutionUpdate, when set, updates the running execution.
	ExecutionUpdate *ExecutionUpdate
	// Threads are the checkpoints to write, each fenced by its ExpectSeq;
	// a thread appears at most once.
	Threads []ThreadWrite
	// Events are the history events to add.
	Events []EventWrite
	// TokensPut are the task tokens to add; their ExecutionARN must be
	// ExecutionARN.
	TokensPut []Token
	// TokensDelete are the task tokens to delete; missing ones are ignored.
	TokensDelete []string
	// ChildResults are the child results to record.
	ChildResults []ChildResultWrite
	// ActivityTasks are the activity tasks to add; their ExecutionARN must
	// be ExecutionARN. If a task with the same activity and Key exists,
	// the Commit fails with ErrConflict.
	ActivityTasks []ActivityTask
	// ActivityTasksDelete are the waiting activity tasks to remove;
	// missing ones are ignored.
	ActivityTasksDelete []ActivityTaskDelete
	// ExpiresAt, when not zero, is when an implementation may delete the
	// records this commit writes (dynamostore: the TTL attribute). The
	// engine sets it on the commits it wants retained for a limited time.
	ExpiresAt time.Time
}

// Items returns the number of items the commit writes or deletes, as
// counted against MaxCommitItems: an execution counts as two.
func (p *CommitParams) Items() int {
	n := len(p.Threads) + len(p.Events) + len(p.TokensPut) + len(p.TokensDelete) + len(p.ChildResults) +
		len(p.ActivityTasks) + len(p.ActivityTasksDelete)
	if p.ExecutionCreate != nil || p.ExecutionUpdate != nil {
		n += 2
	}
	return n
}

// Validate checks the commit's shape and limits. It returns ErrTooLarge
// (wrapped) when a limit is broken and another error when the parameters
// are malformed. Implementations call it before writing anything.
func (p *CommitParams) Validate() error {
	if p.ExecutionARN == "" {
		return errors.New("validating commit: ExecutionARN is empty")
	}
	for _, k := range p.keys() {
		if len(k) > MaxKeyBytes {
			return fmt.Errorf("validating commit: key %.40q... has %d bytes, more than %d: %w", k, len(k), MaxKeyBytes, ErrTooLarge)
		}
	}
	if p.ExecutionCreate != nil && p.ExecutionUpdate != nil {
		return errors.New("validating commit: both ExecutionCreate and ExecutionUpdate are set")
	}
	if n := p.Items(); n == 0 {
		return errors.New("validating commit: nothing to write")
	} else if n > MaxCommitItems {
		return fmt.Errorf("validating commit: %d items, more than %d: %w", n, MaxCommitItems, ErrTooLarge)
	}
	total := 0
	record := func(what string, size int) error {
		total += size
		if size > MaxRecordBytes {
			return fmt.Errorf("validating commit: %s has %d bytes, more than %d: %w", what, size, MaxRecordBytes, ErrTooLarge)
		}
		return nil
	}
	if e := p.ExecutionCreate; e != nil {
		if e.ARN != p.ExecutionARN {
			return fmt.Errorf("validating commit: ExecutionCreate.ARN %q is not ExecutionARN %q", e.ARN, p.ExecutionARN)
		}
		if e.StateMachineARN == "" || e.Name == "" || e.Status == "" {
			return errors.New("validating commit: ExecutionCreate needs StateMachineARN, Name and Status")
		}
		if err := record("execution input and data", len(e.Input)+len(e.Data)); err != nil {
			return err
		}
		if err := record("execution output, error and cause", len(e.Output)+len(e.Error)+len(e.Cause)); err != nil {
			return err
		}
	}
	if u := p.ExecutionUpdate; u != nil {
		if u.Status == "" {
			return errors.New("validating commit: ExecutionUpdate.Status is empty")
		}
		if err := record("execution data", len(u.Data)); err != nil {
			return err
		}
		if err := record("execution output, error and cause", len(u.Output)+len(u.Error)+len(u.Cause)); err != nil {
			return err
		}
	}
	threads := make(map[string]bool, len(p.Threads))
	for _, w := range p.Threads {
		if w.ThreadID == "" || strings.ContainsRune(w.ThreadID, 0) {
			return fmt.Errorf("validating commit: thread ID %q is empty or contains NUL", w.ThreadID)
		}
		if threads[w.ThreadID] {
			return fmt.Errorf("validating commit: thread %q written twice", w.ThreadID)
		}
		threads[w.ThreadID] = true
		if w.ExpectSeq < NoSeq {
			return fmt.Errorf("validating commit: thread %q ExpectSeq %d is below NoSeq", w.ThreadID, w.ExpectSeq)
		}
		if w.Seq != w.ExpectSeq+1 {
			return fmt.Errorf("validating commit: thread %q Seq %d is not ExpectSeq+1 (%d)", w.ThreadID, w.Seq, w.ExpectSeq+1)
		}
		size := len(w.Data)
		for _, m := range w.Outbox {
			size += len(m)
		}
		if err := record("thread "+w.ThreadID, size); err != nil {
			return err
		}
	}
	events := make(map[string]bool, len(p.Events))
	for _, e := range p.Events {
		if e.Key == "" {
			return errors.New("validating commit: event key is empty")
		}
		if events[e.Key] {
			return fmt.Errorf("validating commit: event %q written twice", e.Key)
		}
		events[e.Key] = true
		if err := record("event "+e.Key, len(e.Data)); err != nil {
			return err
		}
	}
	tokens := make(map[string]bool, len(p.TokensPut)+len(p.TokensDelete))
	for _, tk := range p.TokensPut {
		if tk.Token == "" || tokens[tk.Token] {
			return fmt.Errorf("validating commit: token %q is empty or repeated", tk.Token)
		}
		tokens[tk.Token] = true
		if tk.ExecutionARN != p.ExecutionARN {
			return fmt.Errorf("validating commit: token's ExecutionARN %q is not ExecutionARN %q", tk.ExecutionARN, p.ExecutionARN)
		}
		if err := record("token", len(tk.Data)); err != nil {
			return err
		}
	}
	for _, tk := range p.TokensDelete {
		if tk == "" || tokens[tk] {
			return fmt.Errorf("validating commit: token %q is empty or repeated", tk)
		}
		tokens[tk] = true
	}
	children := make(map[string]bool, len(p.ChildResults))
	for _, c := range p.ChildResults {
		if c.ParentThreadID == "" || strings.ContainsRune(c.ParentThreadID, 0) || c.Index < 0 {
			return fmt.Errorf("validating commit: child result %q/%d: empty parent, NUL or negative index", c.ParentThreadID, c.Index)
		}
		k := fmt.Sprintf("%s\x00%d", c.ParentThreadID, c.Index)
		if children[k] {
			return fmt.Errorf("validating commit: child result %q/%d written twice", c.ParentThreadID, c.Index)
		}
		children[k] = true
		if err := record("child result", len(c.Data)); err != nil {
			return err
		}
	}
	if err := p.validateActivityTasks(record); err != nil {
		return err
	}
	if total > MaxCommitBytes {
		return fmt.Errorf("validating commit: %d bytes, more than %d: %w", total, MaxCommitBytes, ErrTooLarge)
	}
	return nil
}

// keys returns the IDs and keys of the commit, to check their length.
func (p *CommitParams) keys() []string {
	keys := []string{p.ExecutionARN}
	for _, w := range p.Threads {
		keys = append(keys, w.ThreadID)
	}
	for _, e := range p.Events {
		keys = append(keys, e.Key)
	}
	for _, t := range p.TokensPut {
		keys = append(keys, t.Token, t.ThreadID)
	}
	keys = append(keys, p.TokensDelete...)
	for _, c := range p.ChildResults {
		keys = append(keys, c.ParentThreadID)
	}
	for _, a := range p.ActivityTasks {
		keys = append(keys, a.ActivityARN, a.Key, a.Token, a.ThreadID)
	}
	for _, a := range p.ActivityTasksDelete {
		keys = append(keys, a.ActivityARN, a.Key)
	}
	return keys
}

// validateActivityTasks checks the activity tasks put and deleted; record
// counts a record's size against the limits.
func (p *CommitParams) validateActivityTasks(record func(what string, size int) error) error {
	seen := make(map[string]bool, len(p.ActivityTasks)+len(p.ActivityTasksDelete))
	check := func(arn, key string) error {
		if arn == "" || key == "" || strings.ContainsRune(arn, 0) || strings.ContainsRune(key, 0) {
			return fmt.Errorf("validating commit: activity task %q/%q: empty ARN or key, or NUL", arn, key)
		}
		k := arn + "\x00" + key
		if seen[k] {
			return fmt.Errorf("validating commit: activity task %q/%q written twice", arn, key)
		}
		seen[k] = true
		return nil
	}
	for _, a := range p.ActivityTasks {
		if err := check(a.ActivityARN, a.Key); err != nil {
			return err
		}
		if a.Token == "" {
			return fmt.Errorf("validating commit: activity task %q/%q has no token", a.ActivityARN, a.Key)
		}
		if a.ExecutionARN != p.ExecutionARN {
			return fmt.Errorf("validating commit: activity task's ExecutionARN %q is not ExecutionARN %q", a.ExecutionARN, p.ExecutionARN)
		}
		if err := record("activity task", len(a.Input)+len(a.Data)); err != nil {
			return err
		}
	}
	for _, a := range p.ActivityTasksDelete {
		if err := check(a.ActivityARN, a.Key); err != nil {
			return err
		}
	}
	return nil
}
