package config

import "strings"

// Checks of the federation variables' names, written out rather than as
// regular expressions: importing package regexp would link it, and run its
// init, in every function, hello included, although only the sign-in
// functions read these variables. names_test.go holds each to the pattern
// it replaces.

func isLower(c byte) bool { return 'a' <= c && c <= 'z' }
func isDigit(c byte) bool { return '0' <= c && c <= '9' }
func isAlnum(c byte) bool { return isLower(c) || isDigit(c) || 'A' <= c && c <= 'Z' }

// isNameChar is [A-Za-z0-9._-].
func isNameChar(c byte) bool { return isAlnum(c) || c == '.' || c == '_' || c == '-' }

func all(s string, ok func(byte) bool) bool {
	for i := 0; i < len(s); i++ {
		if !ok(s[i]) {
			return false
		}
	}
	return true
}

// validProviderName is ^[A-Za-z0-9.-][A-Za-z0-9._-]{0,31}$: Cognito's
// ProviderName (1-32 characters, no underscore first), in the printable
// ASCII a query parameter carries without surprises.
func validProviderName(s string) bool {
	return len(s) >= 1 && len(s) <= 32 && s[0] != '_' && all(s, isNameChar)
}

// validRegion is [a-z]{2}(-[a-z]+)+-[0-9]: us-east-1, ap-southeast-2.
func validRegion(s string) bool {
	parts := strings.Split(s, "-")
	if len(parts) < 3 || len(parts[0]) != 2 || !all(parts[0], isLower) {
		return false
	}
	last := parts[len(parts)-1]
	if len(last) != 1 || !isDigit(last[0]) {
		return false
	}
	for _, p := range parts[1 : len(parts)-1] {
		if p == "" || !all(p, isLower) {
			return false
		}
	}
	return true
}

// validIdentityPoolID is GetId's IdentityPoolId, <region>:<uuid> with a
// lower-case UUID.
func validIdentityPoolID(s string) bool {
	region, id, ok := strings.Cut(s, ":")
	if !ok || !validRegion(region) || len(id) != 36 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !isDigit(c) && !('a' <= c && c <= 'f') {
				return false
			}
		}
	}
	return true
}

// validParameterName is ^/[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*$: an SSM
// parameter name as a path.
func validParameterName(s string) bool {
	rest, ok := strings.CutPrefix(s, "/")
	if !ok {
		return false
	}
	for _, seg := range strings.Split(rest, "/") {
		if seg == "" || !all(seg, func(c byte) bool { return isNameChar(c) }) {
			return false
		}
	}
	return true
}

// validBucketName is ^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$ (a general purpose
// bucket's name); the caller also refuses "..".
func validBucketName(s string) bool {
	if len(s) < 3 || len(s) > 63 {
		return false
	}
	end := func(c byte) bool { return isLower(c) || isDigit(c) }
	return end(s[0]) && end(s[len(s)-1]) && all(s, func(c byte) bool { return end(c) || c == '.' || c == '-' })
}

// poolRegion returns the Region of a user pool id, <region>_<letters and
// digits>.
func poolRegion(poolID string) (string, bool) {
	region, id, ok := strings.Cut(poolID, "_")
	if !ok || !validRegion(region) || id == "" || !all(id, isAlnum) {
		return "", false
	}
	return region, true
}
