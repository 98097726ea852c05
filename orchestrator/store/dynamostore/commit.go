package dynamostore

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/stepwise-dev/stepwise/orchestrator/store"
)

// commitAttempts bounds the tries of a transaction that DynamoDB cancels
// for a transient reason (TransactionConflict, throttling).
const commitAttempts = 5

// Commit implements store.Store: with one conditional PutItem or
// UpdateItem when the commit comes down to one item (a step of one
// thread with its events, the end of an Express execution), else with
// one TransactWriteItems.
func (s *Store) Commit(ctx context.Context, params *store.CommitParams) error {
	if err := params.Validate(); err != nil {
		return err
	}
	items, createIndex := s.commitItems(params)
	if len(items) == 1 {
		if err := s.writeOne(ctx, items[0], createIndex == 0); err != nil {
			return fmt.Errorf("committing to execution %s: %w", params.ExecutionARN, err)
		}
		return nil
	}
	for attempt := 1; ; attempt++ {
		_, err := s.api.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
		if err == nil {
			return nil
		}
		err, retry := commitError(err, createIndex)
		if !retry || attempt == commitAttempts {
			return fmt.Errorf("committing to execution %s: %w", params.ExecutionARN, err)
		}
		backoff := time.Duration(10<<attempt)*time.Millisecond + rand.N(10*time.Millisecond)
		if err := s.sleep(ctx, backoff); err != nil {
			return fmt.Errorf("committing to execution %s: %w", params.ExecutionARN, err)
		}
	}
}

// writeOne writes one item of a commit outside a transaction, at half
// the write units: a failed condition is store.ErrAlreadyExists when the
// item creates the execution, else store.ErrConflict.
func (s *Store) writeOne(ctx context.Context, it types.TransactWriteItem, create bool) error {
	var err error
	switch {
	case it.Put != nil:
		_, err = s.api.PutItem(ctx, &dynamodb.PutItemInput{TableName: it.Put.TableName, Item: it.Put.Item,
			ConditionExpression: it.Put.ConditionExpression, ExpressionAttributeNames: it.Put.ExpressionAttributeNames,
			ExpressionAttributeValues: it.Put.ExpressionAttributeValues})
	case it.Update != nil:
		_, err = s.api.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: it.Update.TableName, Key: it.Update.Key,
			UpdateExpression: it.Update.UpdateExpression, ConditionExpression: it.Update.ConditionExpression,
			ExpressionAttributeNames: it.Update.ExpressionAttributeNames, ExpressionAttributeValues: it.Update.ExpressionAttributeValues})
	case it.Delete != nil:
		_, err = s.api.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: it.Delete.TableName, Key: it.Delete.Key,
			ConditionExpression: it.Delete.ConditionExpression, ExpressionAttributeNames: it.Delete.ExpressionAttributeNames,
			ExpressionAttributeValues: it.Delete.ExpressionAttributeValues})
	default:
		return errors.New("writing an empty commit item")
	}
	switch {
	case err == nil:
		return nil
	case isConditionFailed(err) && create:
		return store.ErrAlreadyExists
	case isConditionFailed(err):
		return store.ErrConflict
	}
	return err
}

// commitError maps a TransactWriteItems error: a failed condition on item
// createIndex (the execution create) is ErrAlreadyExists, on any other
// item ErrConflict. retry reports a cancellation for transient reasons
// only, which wrote nothing and may be tried again.
func commitError(err error, createIndex int) (mapped error, retry bool) {
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) {
		return err, false
	}
	transient := true
	conflict := false
	for i, r := range tce.CancellationReasons {
		code := aws.ToString(r.Code)
		switch code {
		case "", "None":
		case "ConditionalCheckFailed":
			if i == createIndex {
				return store.ErrAlreadyExists, false
			}
			conflict = true
		case "TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded", "RequestLimitExceeded":
		default:
			transient = false
		}
	}
	if conflict {
		return fmt.Errorf("%w: %s", store.ErrConflict, reasons(tce)), false
	}
	if len(tce.CancellationReasons) == 0 {
		// Without reasons nothing can be told apart; DynamoDB always
		// sends them, some emulators do not.
		return err, false
	}
	return fmt.Errorf("%s: %w", reasons(tce), err), transient
}

func reasons(tce *types.TransactionCanceledException) string {
	var codes []string
	for i, r := range tce.CancellationReasons {
		if c := aws.ToString(r.Code); c != "" && c != "None" {
			codes = append(codes, fmt.Sprintf("item %d: %s", i, c))
		}
	}
	return strings.Join(codes, ", ")
}

// commitItems builds the writes of p; createIndex is the index of the
// execution create, or -1. A thread write is a new step item, with the
// commit's events whose keys are that step's (store.StepEventKey) inside
// it; the other events are items of their own.
func (s *Store) commitItems(p *store.CommitParams) (items []types.TransactWriteItem, createIndex int) {
	arn := p.ExecutionARN
	pk := execPK(arn)
	createIndex = -1
	var ttl types.AttributeValue
	if !p.ExpiresAt.IsZero() {
		ttl = n(p.ExpiresAt.Unix())
	}
	put := func(m map[string]types.AttributeValue, cond string, values map[string]types.AttributeValue) {
		if ttl != nil {
			m[attrTTL] = ttl
		}
		pt := &types.Put{TableName: s.table, Item: m, ExpressionAttributeValues: values}
		if cond != "" {
			pt.ConditionExpression = aws.String(cond)
		}
		items = append(items, types.TransactWriteItem{Put: pt})
	}
	const notExists = "attribute_not_exists(pk)"

	if e := p.ExecutionCreate; e != nil {
		m := executionItem(e)
		if out := outItem(arn, e.Output, e.Error, e.Cause); out != nil {
			put(out, "", nil)
			m[attrOutSeparate] = boolean(true)
		}
		put(m, notExists, nil)
		createIndex = len(items) - 1
	}
	if u := p.ExecutionUpdate; u != nil {
		out := outItem(arn, u.Output, u.Error, u.Cause)
		items = append(items, executionUpdate(s.table, pk, u, out != nil, ttl))
		if out != nil {
			put(out, "", nil)
		}
	}
	embedded, embeddedKeys := s.embedEvents(p)
	for i, w := range p.Threads {
		m := keyOf(pk, stepSK(w.ThreadID, w.Seq))
		blob := &stepBlob{data: w.Data, outbox: w.Outbox, events: embedded[i]}
		m[attrStep] = bin(blob.encode())
		put(m, notExists, nil)
	}
	for _, e := range p.Events {
		if embeddedKeys[e.Key] {
			continue
		}
		m := keyOf(pk, eventSK(e.Key))
		m[attrEvent] = bin(e.Data)
		put(m, notExists, nil)
	}
	for _, t := range p.TokensPut {
		m := keyOf(prefixToken+t.Token, skToken)
		m[attrARN] = sv(t.ExecutionARN)
		m[attrThreadID] = sv(t.ThreadID)
		m[attrSeq] = n(t.Seq)
		putBytes(m, attrData, t.Data)
		put(m, notExists, nil)
	}
	for _, t := range p.TokensDelete {
		items = append(items, types.TransactWriteItem{Delete: &types.Delete{TableName: s.table, Key: keyOf(prefixToken+t, skToken)}})
	}
	for _, c := range p.ChildResults {
		m := keyOf(childPK(arn, c.ParentThreadID), pad(int64(c.Index)))
		putBytes(m, attrData, c.Data)
		put(m, notExists, nil)
	}
	deletes := s.activityTaskItems(p, put)
	items = append(items, deletes...)
	return items, createIndex
}

// maxStepBytes bounds the step blob, before compression, that takes the
// step's events in: an item holds at most 400 KB.
const maxStepBytes = 380 * 1024

// embedEvents returns, for each thread write of p, the events of p that
// belong to its step, unless they would make the item too large, and the
// keys of the events it returned.
func (s *Store) embedEvents(p *store.CommitParams) ([][]blobEvent, map[string]bool) {
	out := make([][]blobEvent, len(p.Threads))
	if len(p.Events) == 0 {
		return out, nil
	}
	steps := make(map[string]int, len(p.Threads))
	for i, w := range p.Threads {
		steps[store.StepKey(w.ThreadID, w.Seq)] = i
	}
	sizes := make([]int, len(p.Threads))
	for i, w := range p.Threads {
		sizes[i] = len(w.Data)
		for _, m := range w.Outbox {
			sizes[i] += len(m)
		}
	}
	for _, e := range p.Events {
		step, _, ok := store.ParseStepEventKey(e.Key)
		if !ok {
			continue
		}
		i, ok := steps[step]
		if !ok {
			continue
		}
		out[i] = append(out[i], blobEvent{suffix: e.Key[len(step):], data: e.Data})
		sizes[i] += len(e.Key) + len(e.Data)
	}
	keys := map[string]bool{}
	for i, w := range p.Threads {
		slices.SortFunc(out[i], func(a, b blobEvent) int { return strings.Compare(a.suffix, b.suffix) })
		if sizes[i] > maxStepBytes {
			out[i] = nil // the events go in items of their own
			continue
		}
		step := store.StepKey(w.ThreadID, w.Seq)
		for _, e := range out[i] {
			keys[step+e.suffix] = true
		}
	}
	return out, keys
}

// inlineResultBytes is the largest output + error + cause kept in the
// execution's item; a larger result goes in an item of its own, so that
// an input and data of up to store.MaxRecordBytes still fit beside it in
// DynamoDB's 400 KB.
const inlineResultBytes = 8 * 1024

// executionUpdate is the conditional update of the execution's item;
// separate says the result goes in the O item.
func executionUpdate(table *string, pk string, u *store.ExecutionUpdate, separate bool, ttl types.AttributeValue) types.TransactWriteItem {
	var set, remove []string
	names := map[string]string{}
	values := map[string]types.AttributeValue{":running": sv(store.StatusRunning)}
	setAttr := func(attr string, v types.AttributeValue) {
		set = append(set, fmt.Sprintf("#%s = :%s", attr, attr))
		names["#"+attr] = attr
		values[":"+attr] = v
	}
	removeAttr := func(attr string) {
		remove = append(remove, "#"+attr)
		names["#"+attr] = attr
	}
	setOrRemove := func(attr, v string) {
		if v == "" {
			removeAttr(attr)
		} else {
			setAttr(attr, sv(v))
		}
	}
	setAttr(attrStatus, sv(u.Status))
	if u.StoppedAt.IsZero() {
		removeAttr(attrStopped)
	} else {
		setAttr(attrStopped, tm(u.StoppedAt))
	}
	switch {
	case u.Data == nil:
	case len(u.Data) == 0:
		removeAttr(attrData)
	default:
		setAttr(attrData, bin(u.Data))
	}
	if separate {
		setAttr(attrOutSeparate, boolean(true))
		removeAttr(attrOutput)
		removeAttr(attrError)
		removeAttr(attrCause)
	} else {
		removeAttr(attrOutSeparate)
		setOrRemove(attrOutput, u.Output)
		setOrRemove(attrError, u.Error)
		setOrRemove(attrCause, u.Cause)
	}
	if ttl != nil {
		setAttr(attrTTL, ttl)
	}
	expr := "SET " + strings.Join(set, ", ")
	if len(remove) > 0 {
		expr += " REMOVE " + strings.Join(remove, ", ")
	}
	return types.TransactWriteItem{Update: &types.Update{
		TableName:                 table,
		Key:                       keyOf(pk, skExecMeta),
		UpdateExpression:          aws.String(expr),
		ConditionExpression:       aws.String("#status = :running"),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
	}}
}

// executionItem is the item of execution e, with its result unless
// outItem holds it.
func executionItem(e *store.Execution) map[string]types.AttributeValue {
	m := keyOf(execPK(e.ARN), skExecMeta)
	m[attrGSI1PK] = sv(gsiExecs + e.StateMachineARN)
	m[attrGSI1SK] = sv(formatTime(e.StartedAt) + "#" + e.ARN)
	m[attrARN] = sv(e.ARN)
	m[attrSMARN] = sv(e.StateMachineARN)
	m[attrRevision] = n(e.StateMachineRevision)
	m[attrName] = sv(e.Name)
	m[attrStatus] = sv(e.Status)
	m[attrStarted] = tm(e.StartedAt)
	putTime(m, attrStopped, e.StoppedAt)
	putStr(m, attrInput, e.Input)
	putBytes(m, attrData, e.Data)
	if len(e.Output)+len(e.Error)+len(e.Cause) <= inlineResultBytes {
		putStr(m, attrOutput, e.Output)
		putStr(m, attrError, e.Error)
		putStr(m, attrCause, e.Cause)
	}
	return m
}

// outItem is the O item of a result too large for the execution's item,
// or nil.
func outItem(arn, output, errName, cause string) map[string]types.AttributeValue {
	if len(output)+len(errName)+len(cause) <= inlineResultBytes {
		return nil
	}
	m := keyOf(execPK(arn), skExecOut)
	putStr(m, attrOutput, output)
	putStr(m, attrError, errName)
	putStr(m, attrCause, cause)
	return m
}
