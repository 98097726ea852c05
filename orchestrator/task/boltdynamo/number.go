package boltdynamo

import (
	"math/big"
	"regexp"
	"strings"
)

// number is a DynamoDB number: an exact decimal u × 10^exp with u stripped
// of trailing zeros (so that equal numbers have equal representations).
type number struct {
	u   *big.Int
	exp int
}

// DynamoDB's limits on numbers: 38 significant digits, magnitudes from
// 1E-130 to below 1E+126.
const (
	maxDigits   = 38
	maxExponent = 125
	minExponent = -130
)

var numberSyntax = regexp.MustCompile(`^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$`)

// parseNumber reads a number's text as DynamoDB does ("01", "1.50",
// "1E2", "+5" are numbers; " 1" is not) and checks its limits.
func parseNumber(s string) (number, error) {
	if !numberSyntax.MatchString(s) || len(s) > 1000 {
		return number{}, validation("A value provided cannot be converted into a number")
	}
	mant, exp10 := s, 0
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		mant = s[:i]
		e, ok := new(big.Int).SetString(strings.TrimPrefix(s[i+1:], "+"), 10)
		if !ok || !e.IsInt64() || e.Int64() > 1000 || e.Int64() < -1000 {
			return number{}, validation("Number overflow. Attempting to store a number with magnitude larger than supported range")
		}
		exp10 = int(e.Int64())
	}
	neg := strings.HasPrefix(mant, "-")
	mant = strings.TrimLeft(mant, "+-")
	if i := strings.IndexByte(mant, '.'); i >= 0 {
		exp10 -= len(mant) - i - 1
		mant = mant[:i] + mant[i+1:]
	}
	u, _ := new(big.Int).SetString(mant, 10)
	if neg {
		u.Neg(u)
	}
	n := normalize(u, exp10)
	return n, n.check()
}

// normalize strips trailing zeros from u.
func normalize(u *big.Int, exp int) number {
	if u.Sign() == 0 {
		return number{u: new(big.Int), exp: 0}
	}
	ten := big.NewInt(10)
	q, r := new(big.Int), new(big.Int)
	for {
		q.QuoRem(u, ten, r)
		if r.Sign() != 0 {
			break
		}
		u = new(big.Int).Set(q)
		exp++
	}
	return number{u: u, exp: exp}
}

// digits is the count of significant digits.
func (n number) digits() int {
	if n.u.Sign() == 0 {
		return 1
	}
	return len(new(big.Int).Abs(n.u).String())
}

// check enforces DynamoDB's precision and range.
func (n number) check() error {
	if n.u.Sign() == 0 {
		return nil
	}
	if n.digits() > maxDigits {
		return validation("DynamoDB only supports precision up to 38 digits")
	}
	top := n.digits() - 1 + n.exp // the exponent of the leading digit
	if top > maxExponent {
		return validation("Number overflow. Attempting to store a number with magnitude larger than supported range")
	}
	if top < minExponent {
		return validation("Number underflow. Attempting to store a number with magnitude smaller than supported range")
	}
	return nil
}

// String is the number as DynamoDB returns it: plain decimal, no exponent,
// no trailing zeros ("100", "0.001", "-1.5").
func (n number) String() string {
	if n.u.Sign() == 0 {
		return "0"
	}
	s := new(big.Int).Abs(n.u).String()
	sign := ""
	if n.u.Sign() < 0 {
		sign = "-"
	}
	switch {
	case n.exp >= 0:
		return sign + s + strings.Repeat("0", n.exp)
	case -n.exp < len(s):
		i := len(s) + n.exp
		return sign + s[:i] + "." + s[i:]
	default:
		return sign + "0." + strings.Repeat("0", -n.exp-len(s)) + s
	}
}

// align returns both numbers' unscaled values at the smaller exponent.
func align(a, b number) (*big.Int, *big.Int, int) {
	x, y := new(big.Int).Set(a.u), new(big.Int).Set(b.u)
	switch {
	case a.exp > b.exp:
		x.Mul(x, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(a.exp-b.exp)), nil))
		return x, y, b.exp
	case b.exp > a.exp:
		y.Mul(y, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(b.exp-a.exp)), nil))
	}
	return x, y, a.exp
}

// cmp compares two numbers: -1, 0 or 1.
func (n number) cmp(o number) int {
	x, y, _ := align(n, o)
	return x.Cmp(y)
}

// add returns n + o (or n - o when sub), checked against DynamoDB's limits.
func (n number) add(o number, sub bool) (number, error) {
	x, y, exp := align(n, o)
	if sub {
		x.Sub(x, y)
	} else {
		x.Add(x, y)
	}
	r := normalize(x, exp)
	return r, r.check()
}
