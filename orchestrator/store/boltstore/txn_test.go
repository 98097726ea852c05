package boltstore

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"
)

// TestCursorMerge checks the merged cursor against a model: random puts
// and deletes spread over the file, two layers and a transaction's own
// writes, then random walks (First, Last, Seek, Next, Prev, turning
// around) compared with the sorted model.
func TestCursorMerge(t *testing.T) {
	t.Parallel()
	for seed := range uint64(30) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			t.Parallel()
			rng := rand.New(rand.NewPCG(seed, 7))
			db, err := bolt.Open(filepath.Join(t.TempDir(), "x.db"), 0o600, &bolt.Options{NoSync: true})
			require.NoError(t, err)
			t.Cleanup(func() { _ = db.Close() })
			name := []byte("b")
			model := map[string]string{}
			keyOf := func() []byte { return fmt.Appendf(nil, "k%02d", rng.IntN(40)) }
			// Other buckets around ours, to check the bounds.
			require.NoError(t, db.Update(func(tx *bolt.Tx) error {
				for _, n := range []string{"a", "b", "c"} {
					bk, err := tx.CreateBucketIfNotExists([]byte(n))
					require.NoError(t, err)
					if n != "b" {
						require.NoError(t, bk.Put([]byte("k05"), []byte("other")))
					}
				}
				for range rng.IntN(30) {
					k, v := keyOf(), fmt.Sprint("file", rng.IntN(100))
					require.NoError(t, tx.Bucket(name).Put(k, []byte(v)))
					model[string(k)] = v
				}
				return nil
			}))
			layers := []*layer{newLayer(), newLayer(), newLayer()} // writes, newer, older
			for _, n := range []string{"a", "c"} {
				layers[1].Set(entry{key: n + "\x00k07", val: []byte("other")})
			}
			for i := 2; i >= 0; i-- {
				for range rng.IntN(25) {
					k := keyOf()
					if rng.IntN(3) == 0 {
						layers[i].Set(entry{key: layerKey(name, k), del: true})
						delete(model, string(k))
					} else {
						v := fmt.Sprint("layer", i, "-", rng.IntN(100))
						layers[i].Set(entry{key: layerKey(name, k), val: []byte(v)})
						model[string(k)] = v
					}
				}
			}
			ftx, err := db.Begin(false)
			require.NoError(t, err)
			defer ftx.Rollback()
			tx := &txn{writes: layers[0], layers: layers[1:], file: func() *bolt.Tx { return ftx }}
			keys := make([]string, 0, len(model))
			for k := range model {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			for k, v := range model {
				require.Equal(t, v, string(tx.Bucket(name).Get([]byte(k))))
			}
			require.Nil(t, tx.Bucket(name).Get([]byte("k99")))

			c := tx.Bucket(name).Cursor()
			pos := -1 // index in keys; -1 or len(keys) past an end
			check := func(op string, k, v []byte) {
				t.Helper()
				if pos < 0 || pos >= len(keys) {
					require.Nil(t, k, "after %s", op)
					return
				}
				require.Equal(t, keys[pos], string(k), "after %s", op)
				require.Equal(t, model[keys[pos]], string(v), "after %s", op)
			}
			for range 200 {
				switch op := rng.IntN(6); {
				case op == 0:
					k, v := c.First()
					pos = 0
					if len(keys) == 0 {
						pos = -1
					}
					check("First", k, v)
				case op == 1:
					k, v := c.Last()
					pos = len(keys) - 1
					check("Last", k, v)
				case op == 2:
					target := keyOf()
					k, v := c.Seek(target)
					pos, _ = slices.BinarySearch(keys, string(target))
					check("Seek "+string(target), k, v)
				case op < 5 && pos >= 0 && pos < len(keys):
					k, v := c.Next()
					pos++
					check("Next", k, v)
				case pos >= 0 && pos < len(keys):
					k, v := c.Prev()
					pos--
					check("Prev", k, v)
				}
			}
		})
	}
}
