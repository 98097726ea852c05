package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/orchestrator/store"
)

func smCreateParams(name string) *store.StateMachineCreateParams {
	return &store.StateMachineCreateParams{
		ARN:        "arn:aws:states:us-east-1:123456789012:stateMachine:" + name,
		Name:       name,
		Definition: `{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}`,
		Type:       store.TypeStandard,
		RoleARN:    "arn:aws:iam::123456789012:role/r",
		CreatedAt:  t0,
	}
}

var stateMachineTests = []testCase{
	{"CreateGet", func(t *testing.T, b *testBundle) {
		p := smCreateParams("sm")
		created, err := b.store.StateMachineCreate(b.ctx, p)
		require.NoError(t, err)
		want := &store.StateMachine{ARN: p.ARN, Name: p.Name, Definition: p.Definition, Type: p.Type,
			RoleARN: p.RoleARN, Revision: 1, CreatedAt: t0, UpdatedAt: t0}
		require.Equal(t, want, created)
		got, err := b.store.StateMachineGet(b.ctx, &store.StateMachineGetParams{ARN: p.ARN})
		require.NoError(t, err)
		require.Equal(t, want, got)
		got, err = b.store.StateMachineGet(b.ctx, &store.StateMachineGetParams{ARN: p.ARN, Revision: 1})
		require.NoError(t, err)
		require.Equal(t, want, got)
	}},
	{"CreateTwice", func(t *testing.T, b *testBundle) {
		_, err := b.store.StateMachineCreate(b.ctx, smCreateParams("sm"))
		require.NoError(t, err)
		_, err = b.store.StateMachineCreate(b.ctx, smCreateParams("sm"))
		require.ErrorIs(t, err, store.ErrAlreadyExists)
	}},
	{"GetMissing", func(t *testing.T, b *testBundle) {
		_, err := b.store.StateMachineGet(b.ctx, &store.StateMachineGetParams{ARN: smARN})
		require.ErrorIs(t, err, store.ErrNotFound)
		_, err = b.store.StateMachineCreate(b.ctx, smCreateParams("sm"))
		require.NoError(t, err)
		_, err = b.store.StateMachineGet(b.ctx, &store.StateMachineGetParams{ARN: smARN, Revision: 2})
		require.ErrorIs(t, err, store.ErrNotFound)
	}},
	{"Update", func(t *testing.T, b *testBundle) {
		p := smCreateParams("sm")
		_, err := b.store.StateMachineCreate(b.ctx, p)
		require.NoError(t, err)
		def2 := `{"StartAt":"B","States":{"B":{"Type":"Succeed"}}}`
		updated, err := b.store.StateMachineUpdate(b.ctx, &store.StateMachineUpdateParams{
			ARN: p.ARN, Definition: &def2, ExpectRevision: 1, UpdatedAt: t0.Add(time.Minute)})
		require.NoError(t, err)
		require.Equal(t, int64(2), updated.Revision)
		require.Equal(t, def2, updated.Definition)
		require.Equal(t, p.RoleARN, updated.RoleARN)
		require.Equal(t, t0, updated.CreatedAt)
		require.Equal(t, t0.Add(time.Minute), updated.UpdatedAt)

		latest, err := b.store.StateMachineGet(b.ctx, &store.StateMachineGetParams{ARN: p.ARN})
		require.NoError(t, err)
		require.Equal(t, updated, latest)
		old, err := b.store.StateMachineGet(b.ctx, &store.StateMachineGetParams{ARN: p.ARN, Revision: 1})
		require.NoError(t, err)
		require.Equal(t, p.Definition, old.Definition)
		require.Equal(t, int64(1), old.Revision)

		role := "arn:aws:iam::123456789012:role/r2"
		third, err := b.store.StateMachineUpdate(b.ctx, &store.StateMachineUpdateParams{ARN: p.ARN, RoleARN: &role, UpdatedAt: t0.Add(2 * time.Minute)})
		require.NoError(t, err)
		require.Equal(t, int64(3), third.Revision)
		require.Equal(t, def2, third.Definition)
		require.Equal(t, role, third.RoleARN)
	}},
	{"UpdateStaleRevision", func(t *testing.T, b *testBundle) {
		p := smCreateParams("sm")
		_, err := b.store.StateMachineCreate(b.ctx, p)
		require.NoError(t, err)
		def := "{}"
		_, err = b.store.StateMachineUpdate(b.ctx, &store.StateMachineUpdateParams{ARN: p.ARN, Definition: &def, ExpectRevision: 2, UpdatedAt: t0})
		require.ErrorIs(t, err, store.ErrConflict)
		got, err := b.store.StateMachineGet(b.ctx, &store.StateMachineGetParams{ARN: p.ARN})
		require.NoError(t, err)
		require.Equal(t, int64(1), got.Revision)
		require.Equal(t, p.Definition, got.Definition)
	}},
	{"UpdateMissing", func(t *testing.T, b *testBundle) {
		def := "{}"
		_, err := b.store.StateMachineUpdate(b.ctx, &store.StateMachineUpdateParams{ARN: smARN, Definition: &def, UpdatedAt: t0})
		require.ErrorIs(t, err, store.ErrNotFound)
	}},
	{"Delete", func(t *testing.T, b *testBundle) {
		p := smCreateParams("sm")
		_, err := b.store.StateMachineCreate(b.ctx, p)
		require.NoError(t, err)
		require.NoError(t, b.store.StateMachineDelete(b.ctx, &store.StateMachineDeleteParams{ARN: p.ARN}))
		_, err = b.store.StateMachineGet(b.ctx, &store.StateMachineGetParams{ARN: p.ARN})
		require.ErrorIs(t, err, store.ErrNotFound)
		def := "{}"
		_, err = b.store.StateMachineUpdate(b.ctx, &store.StateMachineUpdateParams{ARN: p.ARN, Definition: &def, UpdatedAt: t0})
		require.ErrorIs(t, err, store.ErrNotFound)
		err = b.store.StateMachineDelete(b.ctx, &store.StateMachineDeleteParams{ARN: p.ARN})
		require.ErrorIs(t, err, store.ErrNotFound)

		// Running executions keep reading their revision.
		old, err := b.store.StateMachineGet(b.ctx, &store.StateMachineGetParams{ARN: p.ARN, Revision: 1})
		require.NoError(t, err)
		require.Equal(t, p.Definition, old.Definition)

		// The name can be used again; revisions do not restart.
		p2 := smCreateParams("sm")
		p2.Definition = `{"new":true}`
		again, err := b.store.StateMachineCreate(b.ctx, p2)
		require.NoError(t, err)
		require.Greater(t, again.Revision, int64(1))
		old, err = b.store.StateMachineGet(b.ctx, &store.StateMachineGetParams{ARN: p.ARN, Revision: 1})
		require.NoError(t, err)
		require.Equal(t, p.Definition, old.Definition)
		got, err := b.store.StateMachineGet(b.ctx, &store.StateMachineGetParams{ARN: p.ARN})
		require.NoError(t, err)
		require.Equal(t, p2.Definition, got.Definition)
	}},
	{"List", func(t *testing.T, b *testBundle) {
		var want []string
		for i := range 23 {
			p := smCreateParams(fmt.Sprintf("sm-%02d", i))
			_, err := b.store.StateMachineCreate(b.ctx, p)
			require.NoError(t, err)
			if i == 5 {
				require.NoError(t, b.store.StateMachineDelete(b.ctx, &store.StateMachineDeleteParams{ARN: p.ARN}))
				continue
			}
			want = append(want, p.ARN)
		}
		var got []string
		params := &store.StateMachineListParams{MaxResults: 10}
		for pages := 0; ; pages++ {
			require.Less(t, pages, 10)
			res, err := b.store.StateMachineList(b.ctx, params)
			require.NoError(t, err)
			require.LessOrEqual(t, len(res.StateMachines), 10)
			for _, sm := range res.StateMachines {
				require.Equal(t, store.TypeStandard, sm.Type)
				require.Equal(t, int64(1), sm.Revision)
				require.Equal(t, t0, sm.CreatedAt)
				got = append(got, sm.ARN)
			}
			if res.NextToken == "" {
				break
			}
			params.NextToken = res.NextToken
		}
		require.Equal(t, want, got)
	}},
	{"ListEmpty", func(t *testing.T, b *testBundle) {
		res, err := b.store.StateMachineList(b.ctx, &store.StateMachineListParams{})
		require.NoError(t, err)
		require.Empty(t, res.StateMachines)
		require.Empty(t, res.NextToken)
	}},
}
