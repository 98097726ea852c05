package api

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
)

// Page tokens wrap the store's (or the engine's) continuation token with
// what the listing was for, so that a token given to another listing, or
// with other arguments ("keep all other arguments unchanged"), is refused
// with InvalidToken instead of listing something else:
//
//	base64url("<kind>|<scope hash>|<inner token>")
//
// The scope is hashed to keep tokens under the API's length limits (1024
// characters; 3096 for ListExecutions).

func scopeHash(scope string) string {
	sum := sha256.Sum256([]byte(scope))
	return hex.EncodeToString(sum[:8])
}

// wrapToken returns the API token of a store token; "" stays "".
func wrapToken(kind, scope, inner string) string {
	if inner == "" {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString([]byte(kind + "|" + scopeHash(scope) + "|" + inner))
}

// unwrapToken returns the store token of an API token, or InvalidToken.
func unwrapToken(kind, scope, token string) (string, *Error) {
	if token == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return "", invalidToken()
	}
	k, rest, ok := strings.Cut(string(b), "|")
	if !ok || k != kind {
		return "", invalidToken()
	}
	h, inner, ok := strings.Cut(rest, "|")
	if !ok || h != scopeHash(scope) || inner == "" {
		return "", invalidToken()
	}
	return inner, nil
}
