package engine_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/orchestrator/store"
)

// meter is an http.RoundTripper under the AWS SDK clients that counts
// the requests DynamoDB Local and moto answer, by operation, and bills
// them as DynamoDB and SQS do. It reads each request and response body
// and puts it back unchanged: the servers answer for real.
//
// DynamoDB units are computed from the items on the wire, by DynamoDB's
// rules (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html):
// an item's size is the sum of its attribute names and values; a standard
// write costs 1 unit per started KB, a transactional one 2; a write that
// replaces or updates an item costs the larger of the item before and
// after; a delete costs the deleted item's size; a strongly consistent
// read 1 unit per started 4 KB (a Query sums the items it returns first);
// a write that adds, changes or removes an item's entry in a global
// secondary index costs one standard write of the index entry per change.
// To know the size of an item before an update or a delete, the meter
// keeps every item it saw written. What DynamoDB Local reports with
// ReturnConsumedCapacity TOTAL is kept beside, for comparison.
type meter struct {
	next http.RoundTripper
	gsi  gsiSpec

	mu    sync.Mutex
	ops   map[string]*opCount   // "dynamodb.GetItem", "sqs.ReceiveMessage"
	kinds map[string]*kindCount // written item kind -> units
	items map[string]itemAttrs  // pk\x00sk -> attributes
}

// gsiSpec is the table's global secondary index: its key attributes and
// the attributes it projects (besides the table's keys).
type gsiSpec struct {
	keys      []string
	projected []string
}

// opCount counts one operation.
type opCount struct {
	Requests int
	Errors   int // HTTP status >= 400 (including cancelled transactions)
	// SQS: requests as billed (one per started 64 KB of payload);
	// messages sent, received or deleted; receives that returned nothing.
	Billed   int
	Messages int
	Empty    int
	// DynamoDB: units computed from the items, and units DynamoDB Local
	// reported.
	WriteUnits    float64
	ReadUnits     float64
	GSIWriteUnits float64
	ReportedWrite float64
	ReportedRead  float64
	// Time is the time the requests took, until the response was read.
	Time time.Duration
}

// kindCount is what one kind of item cost in writes.
type kindCount struct {
	Writes int
	Units  float64
	Bytes  int // sum of item sizes written
	Max    int // largest item written
}

type attrVal struct {
	size int
	raw  string // the wire value, to tell whether it changed
}

type itemAttrs map[string]attrVal

func (it itemAttrs) size() int {
	n := 0
	for name, v := range it {
		n += len(name) + v.size
	}
	return n
}

func newMeter(next http.RoundTripper, gsi gsiSpec) *meter {
	if next == nil {
		next = http.DefaultTransport
	}
	return &meter{next: next, gsi: gsi, ops: map[string]*opCount{}, kinds: map[string]*kindCount{}, items: map[string]itemAttrs{}}
}

// RoundTrip implements http.RoundTripper.
func (m *meter) RoundTrip(req *http.Request) (*http.Response, error) {
	target := req.Header.Get("X-Amz-Target")
	var reqBody []byte
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		_ = req.Body.Close()
		if err != nil {
			return nil, err
		}
		reqBody = b
		req.Body = io.NopCloser(bytes.NewReader(b))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	}
	t0 := time.Now()
	resp, err := m.next.RoundTrip(req)
	var respBody []byte
	status := 0
	if err == nil {
		status = resp.StatusCode
		b, rerr := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if rerr != nil {
			return nil, rerr
		}
		respBody = b
		resp.Body = io.NopCloser(bytes.NewReader(b))
	}
	m.record(target, reqBody, status, respBody, time.Since(t0))
	return resp, err
}

// Snapshot returns a copy of the counters.
func (m *meter) Snapshot() meterSnapshot {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := meterSnapshot{Ops: map[string]opCount{}, Kinds: map[string]kindCount{}}
	for k, v := range m.ops {
		s.Ops[k] = *v
	}
	for k, v := range m.kinds {
		s.Kinds[k] = *v
	}
	return s
}

// meterSnapshot is the meter's counters at one moment.
type meterSnapshot struct {
	Ops   map[string]opCount
	Kinds map[string]kindCount
}

// Sub returns s minus before.
func (s meterSnapshot) Sub(before meterSnapshot) meterSnapshot {
	out := meterSnapshot{Ops: map[string]opCount{}, Kinds: map[string]kindCount{}}
	for k, v := range s.Ops {
		b := before.Ops[k]
		out.Ops[k] = opCount{Requests: v.Requests - b.Requests, Errors: v.Errors - b.Errors, Billed: v.Billed - b.Billed,
			Messages: v.Messages - b.Messages, Empty: v.Empty - b.Empty, WriteUnits: v.WriteUnits - b.WriteUnits,
			ReadUnits: v.ReadUnits - b.ReadUnits, GSIWriteUnits: v.GSIWriteUnits - b.GSIWriteUnits,
			ReportedWrite: v.ReportedWrite - b.ReportedWrite, ReportedRead: v.ReportedRead - b.ReportedRead, Time: v.Time - b.Time}
	}
	for k, v := range s.Kinds {
		b := before.Kinds[k]
		out.Kinds[k] = kindCount{Writes: v.Writes - b.Writes, Units: v.Units - b.Units, Bytes: v.Bytes - b.Bytes, Max: v.Max}
	}
	return out
}

// OpNames returns the operations in a stable order: DynamoDB, then SQS.
func (s meterSnapshot) OpNames() []string {
	names := make([]string, 0, len(s.Ops))
	for k := range s.Ops {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

func (m *meter) op(name string) *opCount {
	c := m.ops[name]
	if c == nil {
		c = &opCount{}
		m.ops[name] = c
	}
	return c
}

func (m *meter) record(target string, reqBody []byte, status int, respBody []byte, d time.Duration) {
	service, op, ok := strings.Cut(target, ".")
	if !ok {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	ok = status == http.StatusOK
	switch {
	case strings.HasPrefix(service, "DynamoDB"):
		c := m.op("dynamodb." + op)
		c.Requests++
		c.Time += d
		if !ok {
			c.Errors++
		}
		m.dynamo(c, op, reqBody, ok, respBody)
	case service == "AmazonSQS":
		c := m.op("sqs." + op)
		c.Requests++
		c.Time += d
		if !ok {
			c.Errors++
		}
		m.sqs(c, op, reqBody, ok, respBody)
	}
}

// sqsChunk is the payload size that SQS bills as one request.
const sqsChunk = 64 * 1024

func (m *meter) sqs(c *opCount, op string, reqBody []byte, ok bool, respBody []byte) {
	payload := max(len(reqBody), len(respBody))
	c.Billed += max(1, (payload+sqsChunk-1)/sqsChunk)
	var in struct{ Entries []json.RawMessage }
	var out struct{ Messages []json.RawMessage }
	switch op {
	case "SendMessageBatch", "DeleteMessageBatch":
		_ = json.Unmarshal(reqBody, &in)
		c.Messages += len(in.Entries)
	case "SendMessage", "DeleteMessage":
		c.Messages++
	case "ReceiveMessage":
		if ok {
			_ = json.Unmarshal(respBody, &out)
		}
		c.Messages += len(out.Messages)
		if len(out.Messages) == 0 {
			c.Empty++
		}
	}
}

// Wire shapes of the DynamoDB requests the meter reads.
type (
	ddbItem  map[string]json.RawMessage
	ddbWrite struct {
		Item                      ddbItem
		Key                       ddbItem
		UpdateExpression          string
		ExpressionAttributeNames  map[string]string
		ExpressionAttributeValues ddbItem
	}
	ddbRequest struct {
		ddbWrite
		ConsistentRead bool
		IndexName      string
		TransactItems  []struct {
			Put, Update, Delete, ConditionCheck *ddbWrite
		}
	}
	ddbResponse struct {
		Item             ddbItem
		Items            []ddbItem
		ConsumedCapacity json.RawMessage
	}
	ddbConsumed struct {
		CapacityUnits      *float64
		ReadCapacityUnits  *float64
		WriteCapacityUnits *float64
	}
)

func (m *meter) dynamo(c *opCount, op string, reqBody []byte, ok bool, respBody []byte) {
	var in ddbRequest
	_ = json.Unmarshal(reqBody, &in)
	var out ddbResponse
	_ = json.Unmarshal(respBody, &out)
	m.reported(c, op, out.ConsumedCapacity)
	switch op {
	case "TransactWriteItems":
		// A cancelled transaction is billed as if it had written: counted
		// here (the upper bound), and visible in Errors.
		for _, ti := range in.TransactItems {
			switch {
			case ti.Put != nil:
				m.write(c, 2, ti.Put.Item, nil, ok)
			case ti.Update != nil:
				m.write(c, 2, nil, ti.Update, ok)
			case ti.Delete != nil:
				m.delete(c, 2, ti.Delete.Key, ok)
			case ti.ConditionCheck != nil:
				c.WriteUnits += 2 * kb(m.items[itemKey(ti.ConditionCheck.Key)].size(), 1024)
			}
		}
	case "PutItem":
		m.write(c, 1, in.Item, nil, ok)
	case "UpdateItem":
		m.write(c, 1, nil, &in.ddbWrite, ok)
	case "DeleteItem":
		m.delete(c, 1, in.Key, ok)
	case "GetItem":
		m.read(c, in.ConsistentRead, itemSize(out.Item))
	case "Query", "Scan":
		n := 0
		for _, it := range out.Items {
			n += itemSize(it)
		}
		m.read(c, in.ConsistentRead && in.IndexName == "", n)
	}
}

// kb returns the units of size bytes: started blocks of unit bytes, at
// least one.
func kb(size, unit int) float64 {
	return float64(max(1, (size+unit-1)/unit))
}

func (m *meter) read(c *opCount, consistent bool, size int) {
	u := kb(size, 4096)
	if !consistent {
		u /= 2
	}
	c.ReadUnits += u
}

func (m *meter) reported(c *opCount, op string, raw json.RawMessage) {
	if len(raw) == 0 {
		return
	}
	var list []ddbConsumed
	if raw[0] == '[' {
		_ = json.Unmarshal(raw, &list)
	} else {
		var one ddbConsumed
		_ = json.Unmarshal(raw, &one)
		list = append(list, one)
	}
	for _, cc := range list {
		switch {
		case cc.WriteCapacityUnits != nil || cc.ReadCapacityUnits != nil:
			if cc.WriteCapacityUnits != nil {
				c.ReportedWrite += *cc.WriteCapacityUnits
			}
			if cc.ReadCapacityUnits != nil {
				c.ReportedRead += *cc.ReadCapacityUnits
			}
		case cc.CapacityUnits != nil:
			if op == "GetItem" || op == "Query" || op == "Scan" {
				c.ReportedRead += *cc.CapacityUnits
			} else {
				c.ReportedWrite += *cc.CapacityUnits
			}
		}
	}
}

// write bills a put (item) or an update (upd) at factor units per KB and,
// if ok, remembers the item as it is now.
func (m *meter) write(c *opCount, factor float64, item ddbItem, upd *ddbWrite, ok bool) {
	var key string
	var after itemAttrs
	if upd == nil {
		key = itemKey(item)
		after = attrsOf(item)
	} else {
		key = itemKey(upd.Key)
		after = applyUpdate(m.items[key], upd)
	}
	before := m.items[key]
	size := max(before.size(), after.size())
	units := factor * kb(size, 1024)
	c.WriteUnits += units
	k := m.kinds[itemKind(key)]
	if k == nil {
		k = &kindCount{}
		m.kinds[itemKind(key)] = k
	}
	k.Writes++
	k.Units += units
	k.Bytes += after.size()
	k.Max = max(k.Max, after.size())
	if ok {
		c.GSIWriteUnits += m.gsiUnits(before, after)
		m.items[key] = after
	}
}

func (m *meter) delete(c *opCount, factor float64, key ddbItem, ok bool) {
	k := itemKey(key)
	before := m.items[k]
	units := factor * kb(before.size(), 1024)
	c.WriteUnits += units
	kc := m.kinds[itemKind(k)+" (delete)"]
	if kc == nil {
		kc = &kindCount{}
		m.kinds[itemKind(k)+" (delete)"] = kc
	}
	kc.Writes++
	kc.Units += units
	if ok {
		c.GSIWriteUnits += m.gsiUnits(before, nil)
		delete(m.items, k)
	}
}

// gsiUnits is the cost of keeping the index up to date when an item goes
// from before to after (either may be nil).
func (m *meter) gsiUnits(before, after itemAttrs) float64 {
	if len(m.gsi.keys) == 0 {
		return 0
	}
	in := func(it itemAttrs) bool {
		if it == nil {
			return false
		}
		for _, k := range m.gsi.keys {
			if _, ok := it[k]; !ok {
				return false
			}
		}
		return true
	}
	proj := func(it itemAttrs) int {
		n := 0
		for _, a := range append(append([]string{"pk", "sk"}, m.gsi.keys...), m.gsi.projected...) {
			if v, ok := it[a]; ok {
				n += len(a) + v.size
			}
		}
		return n
	}
	same := func(names []string) bool {
		for _, a := range names {
			if before[a].raw != after[a].raw {
				return false
			}
		}
		return true
	}
	switch {
	case !in(before) && !in(after):
		return 0
	case !in(before):
		return kb(proj(after), 1024)
	case !in(after):
		return kb(proj(before), 1024)
	case !same(m.gsi.keys):
		return kb(proj(before), 1024) + kb(proj(after), 1024)
	case !same(m.gsi.projected):
		return kb(proj(after), 1024)
	}
	return 0
}

func attrsOf(item ddbItem) itemAttrs {
	out := make(itemAttrs, len(item))
	for name, v := range item {
		out[name] = attrVal{size: valueSize(v), raw: string(v)}
	}
	return out
}

func itemSize(item ddbItem) int {
	n := 0
	for name, v := range item {
		n += len(name) + valueSize(v)
	}
	return n
}

func itemKey(item ddbItem) string {
	var pk, sk struct{ S string }
	_ = json.Unmarshal(item["pk"], &pk)
	_ = json.Unmarshal(item["sk"], &sk)
	return pk.S + "\x00" + sk.S
}

// itemKind names the kind of a stepwise item from its key (see
// dynamostore's package documentation).
func itemKind(key string) string {
	pk, sk, _ := strings.Cut(key, "\x00")
	switch {
	case strings.HasPrefix(sk, "H"):
		step := sk[1:]
		if thread, _, ok := store.SplitStepKey(step); ok {
			switch {
			case strings.Contains(thread, "~b"):
				return "fork base (child specs)"
			case thread == "root":
				return "step of the root thread"
			}
			return "step of a child thread"
		}
		return "history event (own item)"
	case strings.Contains(pk, "#C#"):
		return "child result"
	case sk == "O":
		return "execution result"
	case sk == "M" && strings.HasPrefix(pk, "X#"):
		return "execution"
	case sk == "TOKEN":
		return "task token"
	default:
		return "other"
	}
}

var (
	updateClause = regexp.MustCompile(`(?i)\b(SET|REMOVE|ADD|DELETE)\b`)
	setAction    = regexp.MustCompile(`^\s*([#\w.\[\]]+)\s*=\s*(:\w+)\s*$`)
)

// applyUpdate returns the attributes of an item after an UpdateExpression
// of SET path = :value and REMOVE path actions (the ones dynamostore
// writes); other actions are counted as setting each value they name.
func applyUpdate(before itemAttrs, u *ddbWrite) itemAttrs {
	after := make(itemAttrs, len(before)+len(u.Key))
	for k, v := range before {
		after[k] = v
	}
	for k, v := range u.Key {
		after[k] = attrVal{size: valueSize(v), raw: string(v)}
	}
	name := func(p string) string {
		if n, ok := u.ExpressionAttributeNames[p]; ok {
			return n
		}
		return p
	}
	expr := u.UpdateExpression
	locs := updateClause.FindAllStringSubmatchIndex(expr, -1)
	for i, loc := range locs {
		end := len(expr)
		if i+1 < len(locs) {
			end = locs[i+1][0]
		}
		verb := strings.ToUpper(expr[loc[2]:loc[3]])
		for _, action := range strings.Split(expr[loc[1]:end], ",") {
			action = strings.TrimSpace(action)
			if action == "" {
				continue
			}
			switch verb {
			case "REMOVE":
				delete(after, name(action))
			case "SET":
				if mm := setAction.FindStringSubmatch(action); mm != nil {
					v := u.ExpressionAttributeValues[mm[2]]
					after[name(mm[1])] = attrVal{size: valueSize(v), raw: string(v)}
					continue
				}
				fallthrough
			default:
				for _, f := range strings.Fields(action) {
					if v, ok := u.ExpressionAttributeValues[strings.Trim(f, "(),")]; ok {
						after["~"+f] = attrVal{size: valueSize(v), raw: string(v)}
					}
				}
			}
		}
	}
	return after
}

// valueSize is the size DynamoDB counts for one attribute value in its
// wire form ({"S": ...}, {"N": ...}, ...).
func valueSize(raw json.RawMessage) int {
	var v map[string]json.RawMessage
	if json.Unmarshal(raw, &v) != nil {
		return 0
	}
	for typ, x := range v {
		switch typ {
		case "S":
			var s string
			_ = json.Unmarshal(x, &s)
			return len(s)
		case "N":
			var s string
			_ = json.Unmarshal(x, &s)
			return numberSize(s)
		case "B":
			var s string
			_ = json.Unmarshal(x, &s)
			return base64.StdEncoding.DecodedLen(len(s)) - strings.Count(s, "=")
		case "BOOL", "NULL":
			return 1
		case "SS", "BS", "NS":
			var l []string
			_ = json.Unmarshal(x, &l)
			n := 0
			for _, s := range l {
				switch typ {
				case "NS":
					n += numberSize(s)
				case "BS":
					n += base64.StdEncoding.DecodedLen(len(s)) - strings.Count(s, "=")
				default:
					n += len(s)
				}
			}
			return n
		case "L":
			var l []json.RawMessage
			_ = json.Unmarshal(x, &l)
			n := 3
			for _, e := range l {
				n += 1 + valueSize(e)
			}
			return n
		case "M":
			var mm map[string]json.RawMessage
			_ = json.Unmarshal(x, &mm)
			n := 3
			for k, e := range mm {
				n += 1 + len(k) + valueSize(e)
			}
			return n
		}
	}
	return 0
}

// numberSize is about 1 byte per two significant digits, plus 1.
func numberSize(s string) int {
	s = strings.TrimLeft(s, "+-")
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		s = s[:i]
	}
	s = strings.Replace(s, ".", "", 1)
	s = strings.TrimLeft(s, "0")
	s = strings.TrimRight(s, "0")
	return (len(s)+1)/2 + 1
}

// TestMeterUnits checks the meter's billing rules on hand-made requests
// (no server needed).
func TestMeterUnits(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		value string
		size  int
	}{
		{`{"S":"héllo"}`, 6},
		{`{"N":"12345"}`, 4},
		{`{"N":"-0.00100"}`, 2},
		{`{"B":"AAEC"}`, 3},
		{`{"B":"AAE="}`, 2},
		{`{"BOOL":true}`, 1},
		{`{"L":[{"S":"ab"},{"N":"1"}]}`, 3 + 1 + 2 + 1 + 2},
		{`{"M":{"k":{"S":"ab"}}}`, 3 + 1 + 1 + 2},
		{`{"SS":["a","bc"]}`, 3},
	} {
		require.Equal(t, tc.size, valueSize(json.RawMessage(tc.value)), tc.value)
	}

	m := newMeter(nil, gsiSpec{keys: []string{"gsi1pk", "gsi1sk"}, projected: []string{"status"}})
	big := strings.Repeat("x", 1500)
	// A transactional put of a 1.5 KB item with index keys: 2 x 2 WRU, and
	// one standard index write of its projection (under 1 KB).
	m.record("DynamoDB_20120810.TransactWriteItems", []byte(`{"TransactItems":[{"Put":{"Item":{"pk":{"S":"X#a"},"sk":{"S":"M"},"gsi1pk":{"S":"g"},"gsi1sk":{"S":"s"},"status":{"S":"RUNNING"},"input":{"S":"`+big+`"}}}}]}`), 200, nil, 0)
	// An update of a projected attribute is billed on the larger item
	// (still 1.5 KB: 2 x 2 WRU) and rewrites the index entry (1 WRU).
	m.record("DynamoDB_20120810.TransactWriteItems", []byte(`{"TransactItems":[{"Update":{"Key":{"pk":{"S":"X#a"},"sk":{"S":"M"}},"UpdateExpression":"SET #status = :status REMOVE #input","ExpressionAttributeNames":{"#status":"status","#input":"input"},"ExpressionAttributeValues":{":status":{"S":"SUCCEEDED"},":running":{"S":"RUNNING"}}}}]}`), 200, nil, 0)
	// The item is now small: deleting it costs 1 WRU and its index entry 1.
	m.record("DynamoDB_20120810.DeleteItem", []byte(`{"Key":{"pk":{"S":"X#a"},"sk":{"S":"M"}}}`), 200, nil, 0)
	// A cancelled transaction is billed too, and counted as an error.
	m.record("DynamoDB_20120810.TransactWriteItems", []byte(`{"TransactItems":[{"Put":{"Item":{"pk":{"S":"X#a"},"sk":{"S":"Hroot#a0"}}}}]}`), 400,
		[]byte(`{"__type":"TransactionCanceledException"}`), 0)
	// A consistent read of a 5 KB item: 2 RRU; an eventually consistent
	// Query returning 3 KB in all: 0.5 RRU.
	m.record("DynamoDB_20120810.GetItem", []byte(`{"ConsistentRead":true}`), 200,
		[]byte(`{"Item":{"data":{"S":"`+strings.Repeat("y", 5000)+`"}},"ConsumedCapacity":{"CapacityUnits":2}}`), 0)
	m.record("DynamoDB_20120810.Query", []byte(`{}`), 200,
		[]byte(`{"Items":[{"d":{"S":"`+big+`"}},{"d":{"S":"`+big+`"}}]}`), 0)
	m.record("AmazonSQS.ReceiveMessage", []byte(`{}`), 200, []byte(`{}`), 0)
	m.record("AmazonSQS.ReceiveMessage", []byte(`{}`), 200, []byte(`{"Messages":[{"Body":"a"},{"Body":"b"}]}`), 0)
	m.record("AmazonSQS.SendMessageBatch", []byte(`{"Entries":[{"MessageBody":"`+strings.Repeat("z", 70000)+`"}]}`), 200, nil, 0)

	s := m.Snapshot()
	tx := s.Ops["dynamodb.TransactWriteItems"]
	require.Equal(t, 3, tx.Requests)
	require.Equal(t, 1, tx.Errors)
	require.Equal(t, 4.0+4.0+2.0, tx.WriteUnits)
	require.Equal(t, 2.0, tx.GSIWriteUnits)
	del := s.Ops["dynamodb.DeleteItem"]
	require.Equal(t, 1.0, del.WriteUnits)
	require.Equal(t, 1.0, del.GSIWriteUnits)
	require.Equal(t, 2.0, s.Ops["dynamodb.GetItem"].ReadUnits)
	require.Equal(t, 2.0, s.Ops["dynamodb.GetItem"].ReportedRead)
	require.Equal(t, 0.5, s.Ops["dynamodb.Query"].ReadUnits)
	rcv := s.Ops["sqs.ReceiveMessage"]
	require.Equal(t, opCount{Requests: 2, Billed: 2, Messages: 2, Empty: 1}, rcv)
	require.Equal(t, 2, s.Ops["sqs.SendMessageBatch"].Billed, "a 70 KB send is two 64 KB chunks")
	require.Equal(t, 2, s.Kinds["execution"].Writes)
	require.Equal(t, 1, s.Kinds["step of the root thread"].Writes)
}
