package store

import (
	"strconv"
	"strings"
)

// Step keys. A step is one ThreadWrite: the thread's checkpoint at a new
// Seq. The history events that a step records get the keys
// StepEventKey(thread, seq, 0), StepEventKey(thread, seq, 1), ... in the
// commit that writes the step, and an implementation may store them with
// the checkpoint (dynamostore writes such a step as one item). Whatever
// the keys, HistoryList returns events in key order; step event keys sort
// by thread, then Seq, then index.
//
// Keys are built from escaped thread IDs (% and # are written %25 and
// %23), '#' separators, and numbers prefixed with their digit count
// ('a' for one digit, 'b' for two, ...), so that they sort numerically
// and a step key is never a prefix of another step's key.

// StepKey returns the key of the step that writes threadID at seq: the
// prefix of the keys of its events. seq must not be negative.
func StepKey(threadID string, seq int64) string {
	var b strings.Builder
	b.Grow(len(threadID) + 24)
	escapeThread(&b, threadID)
	b.WriteByte('#')
	writeNumber(&b, seq)
	return b.String()
}

// StepEventKey returns the key of the i-th event (from 0) of the step
// that writes threadID at seq.
func StepEventKey(threadID string, seq int64, i int) string {
	var b strings.Builder
	b.Grow(len(threadID) + 32)
	escapeThread(&b, threadID)
	b.WriteByte('#')
	writeNumber(&b, seq)
	b.WriteByte('#')
	writeNumber(&b, int64(i))
	return b.String()
}

// ThreadKeyPrefix returns the prefix that every StepKey of threadID, and
// nothing else built by StepKey or StepEventKey, starts with.
func ThreadKeyPrefix(threadID string) string {
	var b strings.Builder
	b.Grow(len(threadID) + 1)
	escapeThread(&b, threadID)
	b.WriteByte('#')
	return b.String()
}

// ParseStepEventKey splits a key made by StepEventKey into the key of its
// step (StepKey) and the event's index; ok is false for other keys.
func ParseStepEventKey(key string) (step string, index int, ok bool) {
	i := strings.LastIndexByte(key, '#')
	if i <= 0 {
		return "", 0, false
	}
	n, ok := parseNumber(key[i+1:])
	if !ok || n > int64(^uint32(0)>>1) {
		return "", 0, false
	}
	step = key[:i]
	if _, ok := ParseStepKey(step); !ok {
		return "", 0, false
	}
	return step, int(n), true
}

// ParseStepKey returns the Seq of a key made by StepKey; ok is false for
// other keys.
func ParseStepKey(key string) (seq int64, ok bool) {
	i := strings.LastIndexByte(key, '#')
	if i < 0 {
		return 0, false
	}
	for j := 0; j < i; j++ {
		if key[j] == '#' {
			return 0, false // an escaped thread ID has no '#'
		}
	}
	return parseNumber(key[i+1:])
}

// SplitStepKey returns the thread ID and the Seq of a key made by
// StepKey; ok is false for other keys.
func SplitStepKey(key string) (threadID string, seq int64, ok bool) {
	seq, ok = ParseStepKey(key)
	if !ok {
		return "", 0, false
	}
	esc := key[:strings.LastIndexByte(key, '#')]
	if !strings.Contains(esc, "%") {
		return esc, seq, true
	}
	var b strings.Builder
	for i := 0; i < len(esc); i++ {
		switch {
		case esc[i] != '%':
			b.WriteByte(esc[i])
		case strings.HasPrefix(esc[i:], "%25"):
			b.WriteByte('%')
			i += 2
		case strings.HasPrefix(esc[i:], "%23"):
			b.WriteByte('#')
			i += 2
		default:
			return "", 0, false
		}
	}
	return b.String(), seq, true
}

func escapeThread(b *strings.Builder, id string) {
	for i := 0; i < len(id); i++ {
		switch c := id[i]; c {
		case '%':
			b.WriteString("%25")
		case '#':
			b.WriteString("%23")
		default:
			b.WriteByte(c)
		}
	}
}

// writeNumber writes n (not negative) as its digit count ('a' + count -
// 1) followed by its digits: keys of numbers sort as the numbers do.
func writeNumber(b *strings.Builder, n int64) {
	if n < 0 {
		n = 0
	}
	var digits [20]byte
	d := strconv.AppendInt(digits[:0], n, 10)
	b.WriteByte(byte('a' + len(d) - 1))
	b.Write(d)
}

func parseNumber(s string) (int64, bool) {
	if len(s) < 2 || int(s[0]-'a')+1 != len(s)-1 || s[0] < 'a' || s[0] > 's' {
		return 0, false
	}
	if len(s) > 2 && s[1] == '0' {
		return 0, false
	}
	n, err := strconv.ParseInt(s[1:], 10, 64)
	if err != nil || n < 0 {
		return 0, false
	}
	return n, true
}
