package dynamostore

import (
	"crypto/sha256"
	"encoding/base64"
	"strings"

	"github.com/stepwise-dev/stepwise/orchestrator/store"
)

// Keys of the items of an execution. Every item of an execution lives in
// one partition, named by a 22-character hash of the execution's ARN
// rather than by the ARN itself (85 bytes or more, in every key of every
// step otherwise); the META item keeps the ARN.
const (
	prefixExecID = "X#"
	skExecMeta   = "M"   // the execution
	skExecOut    = "O"   // its output, error and cause when too large for M
	skHistory    = "H"   // steps and history events: "H" + key
	childInfix   = "#C#" // child results: pk X#<id>#C#<parent>
)

// execID returns the short, fixed-length ID of an execution ARN: the
// first 128 bits of its SHA-256 in unpadded base64url.
func execID(arn string) string {
	h := sha256.Sum256([]byte(arn))
	return base64.RawURLEncoding.EncodeToString(h[:16])
}

// execPK is the partition key of an execution's items.
func execPK(arn string) string { return prefixExecID + execID(arn) }

// childPK is the partition key of the child results of a parent thread.
func childPK(arn, parent string) string { return execPK(arn) + childInfix + parent }

// stepSK is the sort key of the item of a step.
func stepSK(threadID string, seq int64) string { return skHistory + store.StepKey(threadID, seq) }

// eventSK is the sort key of a history event stored in an item of its own.
func eventSK(key string) string { return skHistory + key }

// historyEnd is greater than every sort key that starts with skHistory.
const historyEnd = skHistory + "\U0010FFFF\U0010FFFF"

// isStepSK reports whether sk is the sort key of a step of threadPrefix
// (store.ThreadKeyPrefix of the thread), and returns its Seq.
func isStepSK(sk, threadPrefix string) (int64, bool) {
	rest, ok := strings.CutPrefix(sk, skHistory+threadPrefix)
	if !ok || strings.IndexByte(rest, '#') >= 0 {
		return 0, false
	}
	return store.ParseStepKey(sk[len(skHistory):])
}
