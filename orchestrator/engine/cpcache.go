package engine

import "bytes"

// The checkpoint cache. A thread's next message is almost always handled
// by the process that committed its last step; decoding the checkpoint
// again (from the message that carries it, or from ThreadGet) is then a
// waste. The engine keeps the last checkpoint each thread committed, with
// its encoded bytes, and hands it to the next step whose bytes are the
// same (so it is exactly what the store holds at that Seq, whoever wrote
// it). A step takes the checkpoint out of the cache: two deliveries of a
// message never share one (the second decodes its own).

// threadKey names a thread of an execution.
type threadKey struct {
	exec, thread string
}

type cachedCheckpoint struct {
	data []byte
	cp   *checkpoint
}

// maxCachedCheckpoints bounds the checkpoint cache.
const maxCachedCheckpoints = 4096

// keepCheckpoint caches cp, which a step of thread committed as data.
func (e *Engine) keepCheckpoint(exec, thread string, data []byte, cp *checkpoint) {
	if cp.Base != "" {
		return // its thread and specs are the base's, shared
	}
	e.mu.Lock()
	if len(e.cps) >= maxCachedCheckpoints {
		clear(e.cps)
	}
	e.cps[threadKey{exec, thread}] = cachedCheckpoint{data: data, cp: cp}
	e.mu.Unlock()
}

// checkpointOf returns the checkpoint encoded as data: the cached one of
// the thread if it has these bytes (taken out of the cache), else decoded.
func (e *Engine) checkpointOf(exec, thread string, data []byte) (*checkpoint, error) {
	k := threadKey{exec, thread}
	e.mu.Lock()
	c, ok := e.cps[k]
	if ok {
		delete(e.cps, k)
	}
	e.mu.Unlock()
	if ok && bytes.Equal(c.data, data) {
		return c.cp, nil
	}
	return decodeCheckpoint(data)
}
