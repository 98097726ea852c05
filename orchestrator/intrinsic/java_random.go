package intrinsic

// javaRandom is java.util.Random, so that States.MathRandom with a seed
// gives the same sequence on every run (and, we expect, the same numbers
// as AWS, which runs on the JVM).
type javaRandom struct{ seed int64 }

const (
	javaMultiplier = 0x5DEECE66D
	javaAddend     = 0xB
	javaMask       = (1 << 48) - 1
)

func newJavaRandom(seed int64) *javaRandom {
	return &javaRandom{seed: (seed ^ javaMultiplier) & javaMask}
}

func (r *javaRandom) next(bits uint) int32 {
	r.seed = (r.seed*javaMultiplier + javaAddend) & javaMask
	return int32(uint64(r.seed) >> (48 - bits))
}

// nextInt returns a value in [0, bound); bound must be positive.
func (r *javaRandom) nextInt(bound int32) int32 {
	rv := r.next(31)
	m := bound - 1
	if bound&m == 0 {
		return int32((int64(bound) * int64(rv)) >> 31)
	}
	for u := rv; ; u = r.next(31) {
		rv = u % bound
		if u-rv+m >= 0 { // int32 overflow makes this negative, as in Java
			return rv
		}
	}
}
