package jsonata

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"hash"
	"math"
	"math/rand/v2"

	"github.com/stepwise-dev/stepwise/orchestrator/internal/value"
)

// fnPartition is AWS's $partition(array, size): the array in chunks of
// size items, the last one possibly shorter.
func fnPartition(_ *evalCtx, args []any, _ any) (any, error) {
	items, ok := arrayItems(args[0])
	if !ok {
		return undefined, nil
	}
	size, ok := intOf(args[1])
	if !ok || size <= 0 {
		return nil, rtErr("D3250", "The size argument of the partition function must be a positive integer")
	}
	out := []any{}
	for i := 0; i < len(items); i += int(size) {
		end := min(i+int(size), len(items))
		chunk := make([]any, end-i)
		for j := range chunk {
			chunk[j] = plain(items[i+j])
		}
		out = append(out, chunk)
	}
	return out, nil
}

// fnRange is AWS's $range(start, end, step): start, start+step, ... up to
// and including end. The result is a sequence, as AWS's is: one number
// unwraps to the number ($range(1, 9, 9) is 1, recorded on AWS), none is
// undefined, and [$range(...)] keeps an array.
func fnRange(c *evalCtx, args []any, _ any) (any, error) {
	start, ok1 := toNumber(args[0])
	end, ok2 := toNumber(args[1])
	if !ok1 || !ok2 {
		return undefined, nil
	}
	step := 1.0
	if s, ok := numArg(argOr(args, 2)); ok {
		step = s
	}
	if step == 0 {
		return nil, rtErr("D3251", "The step argument of the range function must not be zero")
	}
	n := math.Floor((end-start)/step) + 1
	if n < 0 {
		n = 0
	}
	if err := c.charge(int(min(n, float64(math.MaxInt32)))); err != nil {
		return nil, err
	}
	out := &sequence{items: make([]any, 0, int(n)), isSeq: true}
	for i := 0; i < int(n); i++ {
		out.items = append(out.items, value.Float(start+float64(i)*step))
	}
	return out, nil
}

// fnHash is AWS's $hash(value, algorithm): the hex digest of the string,
// algorithm one of MD5, SHA-1, SHA-256 (default), SHA-384, SHA-512.
func fnHash(_ *evalCtx, args []any, _ any) (any, error) {
	s, ok := args[0].(string)
	if !ok {
		return undefined, nil
	}
	alg := "SHA-256"
	if a, ok := argOr(args, 1).(string); ok {
		alg = a
	}
	var h hash.Hash
	switch alg {
	case "MD5":
		h = md5.New()
	case "SHA-1":
		h = sha1.New()
	case "SHA-256":
		h = sha256.New()
	case "SHA-384":
		h = sha512.New384()
	case "SHA-512":
		h = sha512.New()
	default:
		return nil, rtErr("D3252", "The algorithm %s of the hash function is not supported; use one of MD5, SHA-1, SHA-256, SHA-384, SHA-512", jsString(alg))
	}
	h.Write([]byte(s))
	return hex.EncodeToString(h.Sum(nil)), nil
}

// fnRandom is $random(): a number in [0, 1) from the injected source, and
// AWS's $random(seed): a number determined by the seed.
func fnRandom(c *evalCtx, args []any, _ any) (any, error) {
	if seed, ok := numArg(argOr(args, 0)); ok {
		r := rand.New(rand.NewPCG(uint64(int64(seed)), 0x9e3779b97f4a7c15))
		return value.Float(r.Float64()), nil
	}
	return value.Float(c.randomFloat()), nil
}

// fnUUID is AWS's $uuid(): a version 4 UUID from the injected source.
func fnUUID(c *evalCtx, _ []any, _ any) (any, error) {
	var b [16]byte
	if _, err := c.opts.Rand.Read(b[:]); err != nil {
		return nil, &Error{Message: fmt.Sprintf("reading randomness: %v", err)}
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16]), nil
}

// fnParse is AWS's $parse(jsonString).
func fnParse(_ *evalCtx, args []any, _ any) (any, error) {
	s, ok := args[0].(string)
	if !ok {
		return undefined, nil
	}
	v, err := value.DecodeString(s)
	if err != nil {
		return nil, rtErr("D3253", "The argument of the parse function is not valid JSON: %s", jsString(s))
	}
	return v, nil
}
