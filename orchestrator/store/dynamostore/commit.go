package dynamostore

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
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

// Commit implements store.Store with one TransactWriteItems.
func (s *Store) Commit(ctx context.Context, params *store.CommitParams) error {
	if err := params.Validate(); err != nil {
		return err
	}
	items, createIndex := s.commitItems(params)
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

// commitItems builds the transaction of p; createIndex is the index of
// the execution create, or -1.
func (s *Store) commitItems(p *store.CommitParams) (items []types.TransactWriteItem, createIndex int) {
	arn := p.ExecutionARN
	execPK := prefixExec + arn
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
		createIndex = len(items)
		put(executionItem(e), notExists, nil)
		if out := outItem(arn, e.Output, e.Error, e.Cause); out != nil {
			put(out, "", nil)
		}
	}
	if u := p.ExecutionUpdate; u != nil {
		items = append(items, executionUpdate(s.table, execPK, u, ttl))
		if out := outItem(arn, u.Output, u.Error, u.Cause); out != nil {
			put(out, "", nil)
		} else {
			items = append(items, types.TransactWriteItem{Delete: &types.Delete{TableName: s.table, Key: keyOf(execPK, skOut)}})
		}
	}
	for _, w := range p.Threads {
		m := keyOf(threadPK(arn, w.ThreadID), skThread)
		m[attrSeq] = n(w.Seq)
		putBytes(m, attrData, w.Data)
		if len(w.Outbox) > 0 {
			l := make([]types.AttributeValue, len(w.Outbox))
			for i, msg := range w.Outbox {
				l[i] = bin(msg)
			}
			m[attrOutbox] = &types.AttributeValueMemberL{Value: l}
		}
		if w.ExpectSeq == store.NoSeq {
			put(m, notExists, nil)
		} else {
			put(m, "seq = :expect", map[string]types.AttributeValue{":expect": n(w.ExpectSeq)})
		}
	}
	for _, e := range p.Events {
		m := keyOf(execPK, skEvent+e.Key)
		putBytes(m, attrData, e.Data)
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

func threadPK(arn, thread string) string { return prefixExec + arn + threadInfix + thread }
func childPK(arn, parent string) string  { return prefixExec + arn + childInfix + parent }

// executionUpdate is the conditional update of the META item.
func executionUpdate(table *string, pk string, u *store.ExecutionUpdate, ttl types.AttributeValue) types.TransactWriteItem {
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
	if ttl != nil {
		setAttr(attrTTL, ttl)
	}
	expr := "SET " + strings.Join(set, ", ")
	if len(remove) > 0 {
		expr += " REMOVE " + strings.Join(remove, ", ")
	}
	return types.TransactWriteItem{Update: &types.Update{
		TableName:                 table,
		Key:                       keyOf(pk, skMeta),
		UpdateExpression:          aws.String(expr),
		ConditionExpression:       aws.String("#status = :running"),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
	}}
}

// executionItem is the META item of e.
func executionItem(e *store.Execution) map[string]types.AttributeValue {
	m := keyOf(prefixExec+e.ARN, skMeta)
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
	return m
}

// outItem is the META#OUT item, or nil if there is nothing to hold.
func outItem(arn, output, errName, cause string) map[string]types.AttributeValue {
	if output == "" && errName == "" && cause == "" {
		return nil
	}
	m := keyOf(prefixExec+arn, skOut)
	putStr(m, attrOutput, output)
	putStr(m, attrError, errName)
	putStr(m, attrCause, cause)
	return m
}
