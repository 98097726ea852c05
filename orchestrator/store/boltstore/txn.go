package boltstore

import (
	"bytes"
	"strings"

	"github.com/tidwall/btree"
	bolt "go.etcd.io/bbolt"
)

// A layer holds writes that are not in the bbolt file yet, keyed by
// bucket name, NUL, key. A deleted key is an entry with del set, so that
// it hides the key in the layers below. Layers are stacked: a read looks
// at the newest first, then the older ones, then the file.
type layer = btree.BTreeG[entry]

// entry is one key of a layer.
type entry struct {
	key string // bucket name, NUL, key
	val []byte // never modified once in a layer
	del bool
}

func entryLess(a, b entry) bool { return a.key < b.key }

func newLayer() *layer {
	return btree.NewBTreeGOptions(entryLess, btree.Options{NoLocks: true, Degree: 16})
}

// entrySize is what an entry counts towards the checkpoint threshold.
func entrySize(e entry) int64 {
	return int64(len(e.key) + len(e.val) + 64)
}

// layerKey returns the layer key of key k in bucket name.
func layerKey(name []byte, k []byte) string {
	var b strings.Builder
	b.Grow(len(name) + 1 + len(k))
	b.Write(name)
	b.WriteByte(0)
	b.Write(k)
	return b.String()
}

// txn is a read or write transaction over the layers and the file. Code
// that reads or writes the store does it through a txn, obtained from
// Store.view or Store.update, and never through bbolt directly: the
// newest writes are in the layers, not in the file.
//
// Its methods follow bbolt's: Bucket, then Get, Put, Delete and Cursor on
// the bucket. Values returned are valid after the transaction too (they
// are copied out of the file), but must not be modified.
type txn struct {
	// writes is the layer of this write transaction (nil for reads).
	writes *layer
	// layers are the layers below, newest first.
	layers []*layer
	// file opens the bbolt read transaction on first use.
	file func() *bolt.Tx
	// fileTx is the bbolt read transaction, once open.
	fileTx *bolt.Tx
	// size is the size of writes, for the checkpoint threshold.
	size int64
}

// Bucket returns the named bucket. It is never nil: a bucket exists as
// soon as a key is put in it.
func (tx *txn) Bucket(name []byte) *bucket {
	return &bucket{tx: tx, name: name}
}

// CreateBucketIfNotExists returns the named bucket; it exists already.
func (tx *txn) CreateBucketIfNotExists(name []byte) (*bucket, error) {
	return tx.Bucket(name), nil
}

func (tx *txn) fileBucket(name []byte) *bolt.Bucket {
	if tx.fileTx == nil {
		if tx.fileTx = tx.file(); tx.fileTx == nil {
			return nil
		}
	}
	return tx.fileTx.Bucket(name)
}

// get returns a key's value and whether the layers or the file hold it.
func (tx *txn) get(name, k []byte) []byte {
	lk := layerKey(name, k)
	probe := entry{key: lk}
	if tx.writes != nil {
		if e, ok := tx.writes.Get(probe); ok {
			return liveValue(e)
		}
	}
	for _, l := range tx.layers {
		if e, ok := l.Get(probe); ok {
			return liveValue(e)
		}
	}
	b := tx.fileBucket(name)
	if b == nil {
		return nil
	}
	if v := b.Get(k); v != nil {
		return bytes.Clone(v)
	}
	return nil
}

func liveValue(e entry) []byte {
	if e.del {
		return nil
	}
	if e.val == nil {
		return []byte{}
	}
	return e.val
}

func (tx *txn) set(e entry) {
	if tx.writes == nil {
		panic("boltstore: write in a read transaction")
	}
	if old, ok := tx.writes.Set(e); ok {
		tx.size -= entrySize(old)
	}
	tx.size += entrySize(e)
}

// bucket is a bucket of a txn.
type bucket struct {
	tx   *txn
	name []byte
}

// Get returns the value of k, or nil if there is none.
func (b *bucket) Get(k []byte) []byte {
	return b.tx.get(b.name, k)
}

// Put sets k to a copy of v.
func (b *bucket) Put(k, v []byte) error {
	b.tx.set(entry{key: layerKey(b.name, k), val: bytes.Clone(nonNil(v))})
	return nil
}

// Delete removes k; a missing key is not an error.
func (b *bucket) Delete(k []byte) error {
	b.tx.set(entry{key: layerKey(b.name, k), del: true})
	return nil
}

// Cursor returns a cursor over the bucket's keys in order, as bbolt's.
func (b *bucket) Cursor() *cursor {
	c := &cursor{b: b, prefix: layerKey(b.name, nil)}
	if b.tx.writes != nil {
		c.srcs = append(c.srcs, &layerSource{l: b.tx.writes, prefix: c.prefix})
	}
	for _, l := range b.tx.layers {
		c.srcs = append(c.srcs, &layerSource{l: l, prefix: c.prefix})
	}
	if fb := b.tx.fileBucket(b.name); fb != nil {
		c.srcs = append(c.srcs, &fileSource{c: fb.Cursor()})
	}
	return c
}

// source is one sorted input of a cursor: a layer or the file. Keys are
// those of the bucket (without its prefix). k is nil when the source is
// exhausted in the direction of travel.
type source interface {
	first() (k, v []byte, del bool)
	last() (k, v []byte, del bool)
	seek(k []byte) (kk, v []byte, del bool) // first key >= k
	next() (k, v []byte, del bool)
	prev() (k, v []byte, del bool)
}

type fileSource struct{ c *bolt.Cursor }

func (f *fileSource) first() ([]byte, []byte, bool)        { k, v := f.c.First(); return k, v, false }
func (f *fileSource) last() ([]byte, []byte, bool)         { k, v := f.c.Last(); return k, v, false }
func (f *fileSource) seek(k []byte) ([]byte, []byte, bool) { k, v := f.c.Seek(k); return k, v, false }
func (f *fileSource) next() ([]byte, []byte, bool)         { k, v := f.c.Next(); return k, v, false }
func (f *fileSource) prev() ([]byte, []byte, bool)         { k, v := f.c.Prev(); return k, v, false }

// layerSource iterates over the entries of one bucket of a layer.
type layerSource struct {
	l      *layer
	prefix string
	it     btree.IterG[entry]
	init   bool
	// valid is false when the iterator fell off an end of the tree (or
	// of the bucket): then next and prev restart from the matching end.
	valid bool
}

func (s *layerSource) iter() *btree.IterG[entry] {
	if !s.init {
		s.it = s.l.Iter()
		s.init = true
	}
	return &s.it
}

// item returns the current entry if it is in the bucket.
func (s *layerSource) item(ok bool) ([]byte, []byte, bool) {
	if ok {
		e := s.it.Item()
		if strings.HasPrefix(e.key, s.prefix) {
			s.valid = true
			return []byte(e.key[len(s.prefix):]), e.val, e.del
		}
	}
	s.valid = false
	return nil, nil, false
}

func (s *layerSource) first() ([]byte, []byte, bool) {
	return s.item(s.iter().Seek(entry{key: s.prefix}))
}

func (s *layerSource) last() ([]byte, []byte, bool) {
	it := s.iter()
	ok := it.Seek(entry{key: s.prefix[:len(s.prefix)-1] + "\x01"})
	if ok {
		ok = it.Prev()
	} else {
		ok = it.Last()
	}
	return s.item(ok)
}

func (s *layerSource) seek(k []byte) ([]byte, []byte, bool) {
	return s.item(s.iter().Seek(entry{key: s.prefix + string(k)}))
}

func (s *layerSource) next() ([]byte, []byte, bool) {
	if !s.valid {
		return nil, nil, false
	}
	return s.item(s.it.Next())
}

func (s *layerSource) prev() ([]byte, []byte, bool) {
	if !s.valid {
		return nil, nil, false
	}
	return s.item(s.it.Prev())
}

// cursor merges the sources of a bucket: for a key in several, the first
// source (the newest layer) wins, and a deleted entry hides the key. It
// moves like bbolt's Cursor.
type cursor struct {
	b      *bucket
	prefix string
	srcs   []source
	// cur holds each source's position: its key (nil at an end), value
	// and deletion mark, in the direction dir.
	cur []srcPos
	dir int // 1 forward, -1 backward
	key []byte
}

type srcPos struct {
	k, v []byte
	del  bool
}

// First moves to the first key and returns it and its value, or nils.
func (c *cursor) First() ([]byte, []byte) {
	c.position(1, func(s source) ([]byte, []byte, bool) { return s.first() })
	return c.settle()
}

// Last moves to the last key.
func (c *cursor) Last() ([]byte, []byte) {
	c.position(-1, func(s source) ([]byte, []byte, bool) { return s.last() })
	return c.settle()
}

// Seek moves to the first key >= k.
func (c *cursor) Seek(k []byte) ([]byte, []byte) {
	k = bytes.Clone(k)
	c.position(1, func(s source) ([]byte, []byte, bool) { return s.seek(k) })
	return c.settle()
}

// Next moves to the next key.
func (c *cursor) Next() ([]byte, []byte) {
	if c.key == nil {
		return nil, nil
	}
	if c.dir != 1 {
		c.turn(1)
	} else {
		c.advance()
	}
	return c.settle()
}

// Prev moves to the previous key.
func (c *cursor) Prev() ([]byte, []byte) {
	if c.key == nil {
		return nil, nil
	}
	if c.dir != -1 {
		c.turn(-1)
	} else {
		c.advance()
	}
	return c.settle()
}

// Delete deletes the key at the cursor (write transactions only).
func (c *cursor) Delete() error {
	if c.key == nil {
		return nil
	}
	return c.b.Delete(c.key)
}

func (c *cursor) position(dir int, f func(source) ([]byte, []byte, bool)) {
	c.dir = dir
	if c.cur == nil {
		c.cur = make([]srcPos, len(c.srcs))
	}
	for i, s := range c.srcs {
		k, v, del := f(s)
		c.cur[i] = srcPos{bytes.Clone(k), v, del}
	}
}

// turn changes direction at the current key: every source moves to the
// nearest key strictly beyond it in the new direction.
func (c *cursor) turn(dir int) {
	at := c.key
	c.dir = dir
	for i, s := range c.srcs {
		k, v, del := s.seek(at)
		if dir == 1 {
			if k != nil && bytes.Equal(k, at) {
				k, v, del = s.next()
			}
		} else if k == nil {
			k, v, del = s.last()
		} else {
			k, v, del = s.prev()
		}
		c.cur[i] = srcPos{bytes.Clone(k), v, del}
	}
}

// advance moves every source that is at the current key one step in the
// direction of travel.
func (c *cursor) advance() {
	for i, s := range c.srcs {
		if c.cur[i].k == nil || !bytes.Equal(c.cur[i].k, c.key) {
			continue
		}
		var k, v []byte
		var del bool
		if c.dir == 1 {
			k, v, del = s.next()
		} else {
			k, v, del = s.prev()
		}
		c.cur[i] = srcPos{bytes.Clone(k), v, del}
	}
}

// settle picks the nearest key in the direction of travel, skipping
// deleted ones, and returns it.
func (c *cursor) settle() ([]byte, []byte) {
	for {
		best := -1
		for i := range c.cur {
			k := c.cur[i].k
			if k == nil {
				continue
			}
			if best < 0 {
				best = i
				continue
			}
			cmp := bytes.Compare(k, c.cur[best].k)
			if cmp*c.dir < 0 {
				best = i
			}
		}
		if best < 0 {
			c.key = nil
			return nil, nil
		}
		c.key = c.cur[best].k
		if !c.cur[best].del {
			v := c.cur[best].v
			if _, isFile := c.srcs[best].(*fileSource); isFile {
				v = bytes.Clone(v)
			}
			if v == nil {
				v = []byte{}
			}
			return c.key, v
		}
		c.advance()
	}
}
