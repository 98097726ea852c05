package storetest

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/orchestrator/store"
)

func activityARN(name string) string {
	return "arn:aws:states:us-east-1:123456789012:activity:" + name
}

var activityTests = []testCase{
	{"CreateGetDelete", func(t *testing.T, b *testBundle) {
		p := &store.ActivityCreateParams{ARN: activityARN("a"), Name: "a", CreatedAt: t0}
		created, err := b.store.ActivityCreate(b.ctx, p)
		require.NoError(t, err)
		want := &store.Activity{ARN: p.ARN, Name: "a", CreatedAt: t0}
		require.Equal(t, want, created)
		got, err := b.store.ActivityGet(b.ctx, &store.ActivityGetParams{ARN: p.ARN})
		require.NoError(t, err)
		require.Equal(t, want, got)
		require.NoError(t, b.store.ActivityDelete(b.ctx, &store.ActivityDeleteParams{ARN: p.ARN}))
		_, err = b.store.ActivityGet(b.ctx, &store.ActivityGetParams{ARN: p.ARN})
		require.ErrorIs(t, err, store.ErrNotFound)
	}},
	{"CreateTwice", func(t *testing.T, b *testBundle) {
		p := &store.ActivityCreateParams{ARN: activityARN("a"), Name: "a", CreatedAt: t0}
		_, err := b.store.ActivityCreate(b.ctx, p)
		require.NoError(t, err)
		_, err = b.store.ActivityCreate(b.ctx, p)
		require.ErrorIs(t, err, store.ErrAlreadyExists)
	}},
	{"Missing", func(t *testing.T, b *testBundle) {
		_, err := b.store.ActivityGet(b.ctx, &store.ActivityGetParams{ARN: activityARN("a")})
		require.ErrorIs(t, err, store.ErrNotFound)
		err = b.store.ActivityDelete(b.ctx, &store.ActivityDeleteParams{ARN: activityARN("a")})
		require.ErrorIs(t, err, store.ErrNotFound)
	}},
	{"List", func(t *testing.T, b *testBundle) {
		var want []string
		for i := range 12 {
			name := fmt.Sprintf("a-%02d", i)
			_, err := b.store.ActivityCreate(b.ctx, &store.ActivityCreateParams{ARN: activityARN(name), Name: name, CreatedAt: t0})
			require.NoError(t, err)
			want = append(want, activityARN(name))
		}
		var got []string
		params := &store.ActivityListParams{MaxResults: 5}
		for pages := 0; ; pages++ {
			require.Less(t, pages, 10)
			res, err := b.store.ActivityList(b.ctx, params)
			require.NoError(t, err)
			require.LessOrEqual(t, len(res.Activities), 5)
			for _, a := range res.Activities {
				got = append(got, a.ARN)
			}
			if res.NextToken == "" {
				break
			}
			params.NextToken = res.NextToken
		}
		require.Equal(t, want, got)
	}},
}
