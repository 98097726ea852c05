package storetest

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/orchestrator/store"
)

var tokenTests = []testCase{
	{"PutGetDelete", func(t *testing.T, b *testBundle) {
		b.start(t, execARN)
		tk := store.Token{Token: "tok-1", ExecutionARN: execARN, ThreadID: "root", Seq: 1, Data: []byte(`{"heartbeat":30}`)}
		require.NoError(t, b.store.Commit(b.ctx, &store.CommitParams{
			ExecutionARN: execARN,
			Threads:      []store.ThreadWrite{{ThreadID: "root", ExpectSeq: 0, Seq: 1}},
			TokensPut:    []store.Token{tk, {Token: "tok-2", ExecutionARN: execARN, ThreadID: "b", Seq: 7}},
		}))
		got, err := b.store.TokenGet(b.ctx, &store.TokenGetParams{Token: "tok-1"})
		require.NoError(t, err)
		require.Equal(t, &tk, got)
		got, err = b.store.TokenGet(b.ctx, &store.TokenGetParams{Token: "tok-2"})
		require.NoError(t, err)
		require.Equal(t, &store.Token{Token: "tok-2", ExecutionARN: execARN, ThreadID: "b", Seq: 7}, got)

		// Resume: delete the token in the commit that advances the thread;
		// deleting a missing token is not an error.
		require.NoError(t, b.store.Commit(b.ctx, &store.CommitParams{
			ExecutionARN: execARN,
			Threads:      []store.ThreadWrite{{ThreadID: "root", ExpectSeq: 1, Seq: 2}},
			TokensDelete: []string{"tok-1", "never-issued"},
		}))
		_, err = b.store.TokenGet(b.ctx, &store.TokenGetParams{Token: "tok-1"})
		require.ErrorIs(t, err, store.ErrNotFound)
		_, err = b.store.TokenGet(b.ctx, &store.TokenGetParams{Token: "tok-2"})
		require.NoError(t, err)
	}},
	{"GetMissing", func(t *testing.T, b *testBundle) {
		_, err := b.store.TokenGet(b.ctx, &store.TokenGetParams{Token: "nope"})
		require.ErrorIs(t, err, store.ErrNotFound)
	}},
	{"PutTwice", func(t *testing.T, b *testBundle) {
		b.start(t, execARN)
		tk := store.Token{Token: "tok", ExecutionARN: execARN, ThreadID: "root", Seq: 0, Data: []byte("first")}
		require.NoError(t, b.store.Commit(b.ctx, &store.CommitParams{ExecutionARN: execARN, TokensPut: []store.Token{tk}}))
		tk.Data = []byte("second")
		err := b.store.Commit(b.ctx, &store.CommitParams{
			ExecutionARN: execARN,
			Threads:      []store.ThreadWrite{{ThreadID: "root", ExpectSeq: 0, Seq: 1}},
			TokensPut:    []store.Token{tk},
		})
		require.ErrorIs(t, err, store.ErrConflict)
		got, err := b.store.TokenGet(b.ctx, &store.TokenGetParams{Token: "tok"})
		require.NoError(t, err)
		require.Equal(t, []byte("first"), got.Data)
		b.requireThreadSeq(t, execARN, "root", 0)
	}},
	{"DeleteRolledBack", func(t *testing.T, b *testBundle) {
		b.start(t, execARN)
		tk := store.Token{Token: "tok", ExecutionARN: execARN, ThreadID: "root"}
		require.NoError(t, b.store.Commit(b.ctx, &store.CommitParams{ExecutionARN: execARN, TokensPut: []store.Token{tk}}))
		err := b.store.Commit(b.ctx, &store.CommitParams{
			ExecutionARN: execARN,
			Threads:      []store.ThreadWrite{{ThreadID: "root", ExpectSeq: store.NoSeq}}, // root exists
			TokensDelete: []string{"tok"},
		})
		require.ErrorIs(t, err, store.ErrConflict)
		_, err = b.store.TokenGet(b.ctx, &store.TokenGetParams{Token: "tok"})
		require.NoError(t, err)
	}},
}
