package boltstore

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/orchestrator/store"
)

// TestExecutionEncoding round-trips an execution with every field set
// (by reflection, so that a field added to store.Execution and not to
// the encoding fails here), and reads the JSON of earlier versions.
func TestExecutionEncoding(t *testing.T) {
	t.Parallel()
	var e store.Execution
	v := reflect.ValueOf(&e).Elem()
	for i := range v.NumField() {
		f := v.Field(i)
		switch f.Interface().(type) {
		case string:
			f.SetString(v.Type().Field(i).Name + " value")
		case int64:
			f.SetInt(int64(i) + 40)
		case time.Time:
			f.Set(reflect.ValueOf(time.Date(2026, 1, 2, 3, 4, 5, i, time.UTC)))
		case []byte:
			f.SetBytes([]byte(v.Type().Field(i).Name))
		default:
			t.Fatalf("field %s of type %s: teach encodeExecution about it", v.Type().Field(i).Name, f.Type())
		}
	}
	var got store.Execution
	require.NoError(t, decodeExecution(encodeExecution(&e), &got))
	require.Equal(t, e, got)

	running := store.Execution{ARN: "a", Status: store.StatusRunning, StartedAt: e.StartedAt}
	got = store.Execution{}
	require.NoError(t, decodeExecution(encodeExecution(&running), &got))
	require.Equal(t, running, got)

	old, err := json.Marshal(&e)
	require.NoError(t, err)
	got = store.Execution{}
	require.NoError(t, decodeExecution(old, &got))
	require.Equal(t, e, got)

	enc := encodeExecution(&e)
	for n := range len(enc) {
		require.Error(t, decodeExecution(enc[:n], &got), "cut at %d", n)
	}
}
