package statemachines_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/orchestrator/store"
	"github.com/stepwise-dev/stepwise/orchestrator/store/boltstore"
	"github.com/stepwise-dev/stepwise/statemachines"
)

func TestSubstitute(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want, err string
		subst               map[string]string
	}{
		{name: "fills", in: `{"a":"${X}","b":"${Y}-${X}"}`, subst: map[string]string{"X": "1", "Y": "2"}, want: `{"a":"1","b":"2-1"}`},
		{name: "escapes for a JSON string", in: `{"a":"${X}"}`, subst: map[string]string{"X": `q"\` + "\n"}, want: `{"a":"q\"\\\n"}`},
		{name: "names every missing one", in: `"${B}${A}${B}"`, subst: nil, err: "no value for ${A}, ${B}"},
		{name: "leaves JSONata alone", in: `"{% $x %}"`, want: `"{% $x %}"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := statemachines.Substitute(tc.in, tc.subst)
			if tc.err != "" {
				require.EqualError(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestRegister(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, err := boltstore.Open(filepath.Join(t.TempDir(), "db"), &boltstore.Options{NoSync: true})
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })

	params := &statemachines.RegisterParams{Store: st, Region: "us-east-1", AccountID: "123456789012",
		RoleARN: "arn:aws:iam::123456789012:role/r", Now: time.Unix(1700000000, 0).UTC(),
		Substitutions: map[string]string{"ProcessFunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:process",
			"ContactsTableName": "contacts"}}
	got, err := statemachines.Register(ctx, params)
	require.NoError(t, err)
	require.Len(t, got, 2)
	std, exp := got["contact-form"], got["contact-form-express"]
	require.Equal(t, "arn:aws:states:us-east-1:123456789012:stateMachine:contact-form", std.ARN)
	require.Equal(t, store.TypeStandard, std.Type)
	require.Equal(t, store.TypeExpress, exp.Type)
	require.Contains(t, std.Definition, `"TableName": "contacts"`)
	require.NotContains(t, std.Definition, "${ProcessFunctionArn}")

	// Again, unchanged: the same revision.
	again, err := statemachines.Register(ctx, params)
	require.NoError(t, err)
	require.Equal(t, std.Revision, again["contact-form"].Revision)

	// A new substitution: a new revision.
	params.Substitutions["ContactsTableName"] = "contacts2"
	upd, err := statemachines.Register(ctx, params)
	require.NoError(t, err)
	require.Equal(t, std.Revision+1, upd["contact-form"].Revision)

	// A missing substitution and an unknown resource are errors.
	_, err = statemachines.Register(ctx, &statemachines.RegisterParams{Store: st, Region: "us-east-1", AccountID: "1"})
	require.ErrorContains(t, err, "no value for ${ContactsTableName}, ${ProcessFunctionArn}")
	params.KnownResource = func(arn string) bool { return !strings.Contains(arn, "sesv2") }
	_, err = statemachines.Register(ctx, params)
	require.ErrorContains(t, err, "invalid definition")
}
