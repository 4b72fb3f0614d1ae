package signin

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxReturnToLen is the longest return_to value accepted, in bytes (1 KiB,
// as received, after the query string's own decoding).
const MaxReturnToLen = 1024

// maxDecodeRounds bounds how many times resolveReturnTo percent-decodes a
// value looking for hidden characters. A legitimate value needs at most two
// rounds (a query parameter that itself carries an encoded URL); a value that
// still changes after this many rounds is refused as deliberately obscured.
const maxDecodeRounds = 6

// errBadReturnTo is wrapped by every error of resolveReturnTo: the caller
// answers 400 invalid_request and does not redirect. The wrapping error's
// text is for the log only and quotes at most the first 60 bytes of the
// value.
var errBadReturnTo = errors.New("bad return_to")

// resolveReturnTo validates raw, the return_to query value of GET /login
// (after the query string's own decoding), and returns the absolute URL the
// browser lands on after signing in. It enforces the open-redirect rule of
// RFC 9700 §4.11: the browser is only ever sent to the API itself or to an
// origin the operator listed, never to a place an attacker names in a link.
//
//   - "" gives apiBase + "/".
//   - A path that starts with exactly one "/" gives apiBase + raw (apiBase is
//     the API's base URL without a trailing slash, for example
//     "https://<domain>/<stage>" or "http://localhost:3000"); query and
//     fragment are kept. Its path may use "." and ".." segments only as
//     long as they never climb above apiBase's path, and it may not contain
//     an empty segment ("//" anywhere in the path, not only as a prefix:
//     "/a/..//evil.com" normalises to "//evil.com"). The query and the
//     fragment are not a path: "/app?next=//evil" and "/app?next=%2F%2Fx"
//     are same-origin paths and accepted.
//   - An absolute http or https URL whose origin is in allowedOrigins
//     ("https://app.example.com", "http://localhost:5173"). Origins compare
//     exactly after lower-casing scheme and host and dropping a default port
//     (https://a.com:443 is https://a.com), so a trailing dot
//     ("https://app.example.com."), another port, a look-alike or
//     non-ASCII host, user info and an empty port ("https://a.com:") are
//     all refused. The result starts with the listed origin in canonical
//     form, followed by raw's path, query and fragment. An origin of
//     apiBase that is not in the list is refused too: use a path instead.
//
// Everything else is an error wrapping errBadReturnTo: more than
// MaxReturnToLen bytes, invalid UTF-8, a malformed percent-escape, a scheme
// on a value that does not start with "/" other than an allowed origin's,
// control characters (C0, DEL, C1), whitespace (ASCII and Unicode, so also
// U+00A0, U+2028), Unicode format characters (zero-width, bidi overrides)
// and backslashes anywhere (browsers read "\" as "/" in http(s) URLs).
//
// Why it decodes again: raw is what the query string decoding produced, but
// percent-escapes can be left in it, and something on the way may decode
// them once more: a proxy, a router, the front end reading its own URL. So
// "/%2F%2Fhost" must count as "//host" and "/%5Chost" as "/\host". The
// value is therefore checked as received and again after each round of
// percent-decoding until it no longer changes (at most maxDecodeRounds
// rounds, so "/%252F%252Fhost" is caught too); every form must pass every
// rule. A consequence: an encoded space or control character ("%20",
// "%0A") is refused even inside a query value.
//
// Non-ASCII characters, '"', '<', '>' and '`' are percent-encoded in the
// result, so that it is plain ASCII fit for a Location header.
//
// apiBase and allowedOrigins are trusted configuration and are not checked
// here beyond what the comparison needs; an entry of allowedOrigins that is
// not an http(s) origin matches nothing.
func resolveReturnTo(raw, apiBase string, allowedOrigins []string) (string, error) {
	base := strings.TrimSuffix(apiBase, "/")
	if raw == "" {
		return base + "/", nil
	}
	if len(raw) > MaxReturnToLen {
		return "", badReturnTo(raw, fmt.Sprintf("longer than %d bytes", MaxReturnToLen))
	}
	if !utf8.ValidString(raw) {
		return "", badReturnTo(raw, "not valid UTF-8")
	}
	if why := badChar(raw); why != "" {
		return "", badReturnTo(raw, why)
	}
	prefix, rest := base, raw
	if !strings.HasPrefix(raw, "/") {
		origin, n, why := allowedAbsolute(raw, allowedOrigins)
		if why != "" {
			return "", badReturnTo(raw, why)
		}
		prefix, rest = origin, raw[n:]
	}
	if why := checkReference(rest); why != "" {
		return "", badReturnTo(raw, why)
	}
	return prefix + escapeUnsafe(rest), nil
}

// badReturnTo builds the error for a refused value: the reason and at most
// 60 bytes of the value, quoted so that control characters cannot forge log
// lines.
func badReturnTo(raw, why string) error {
	return fmt.Errorf("%w: %s: %.60q", errBadReturnTo, why, clip(raw, 60))
}

// clip returns at most n bytes of s, cut at the start of a UTF-8 sequence
// when s is valid there.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for i := n; i > n-utf8.UTFMax && i > 0; i-- {
		if utf8.RuneStart(s[i]) {
			return s[:i]
		}
	}
	return s[:n]
}

// allowedAbsolute checks that raw is an absolute http(s) URL on one of the
// allowed origins. It returns that origin in canonical form and the length
// of raw's scheme and authority (raw[n:] is its path, query and fragment),
// or the reason it is refused.
func allowedAbsolute(raw string, allowedOrigins []string) (origin string, n int, why string) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", 0, "not a URL"
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", 0, "neither a path starting with / nor an http(s) URL"
	}
	// "https:evil.com" and "https:/evil.com" have no authority: browsers
	// resolve them against the current page or guess a host.
	sep := len(u.Scheme) + len("://")
	if len(raw) < sep || !strings.EqualFold(raw[:sep], u.Scheme+"://") {
		return "", 0, "no // after the scheme"
	}
	authority := raw[sep:]
	if i := strings.IndexAny(authority, "/?#"); i >= 0 {
		authority = authority[:i]
	}
	switch {
	case u.User != nil || strings.Contains(authority, "@"):
		return "", 0, "user info in the URL"
	case strings.Contains(authority, "%"):
		return "", 0, "percent-escape in the host"
	case u.Host == "" || u.Host != authority || u.Opaque != "":
		return "", 0, "no host"
	}
	got, ok := canonicalOrigin(u.Scheme, u.Host)
	if !ok {
		return "", 0, "bad host or port"
	}
	for _, a := range allowedOrigins {
		if want, ok := parseOrigin(a); ok && want == got {
			return got, sep + len(authority), ""
		}
	}
	return "", 0, "origin not allowed"
}

// parseOrigin returns the canonical form of an ALLOWED_ORIGINS entry, which
// is scheme://host[:port], optionally with a trailing "/".
func parseOrigin(s string) (string, bool) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.User != nil ||
		u.Opaque != "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" ||
		u.Fragment != "" || strings.Contains(u.Host, "%") {
		return "", false
	}
	return canonicalOrigin(u.Scheme, u.Host)
}

// canonicalOrigin returns scheme://host[:port] with an ASCII host in lower
// case and without the scheme's default port. It refuses non-ASCII hosts
// (browsers would map them with IDNA, which is not this code's business, and
// Unicode case folding maps "K" (U+212A) to "k") and an empty port.
func canonicalOrigin(scheme, hostport string) (string, bool) {
	host, port := hostport, ""
	if i := strings.LastIndexByte(hostport, ':'); i >= 0 && !strings.Contains(hostport[i:], "]") {
		host, port = hostport[:i], hostport[i+1:]
		if port == "" {
			return "", false
		}
	}
	if host == "" {
		return "", false
	}
	for i := 0; i < len(host); i++ {
		if host[i] >= utf8.RuneSelf {
			return "", false
		}
	}
	for i := 0; i < len(port); i++ {
		if port[i] < '0' || port[i] > '9' {
			return "", false
		}
	}
	if (scheme == "https" && port == "443") || (scheme == "http" && port == "80") {
		port = ""
	}
	o := scheme + "://" + strings.ToLower(host)
	if port != "" {
		o += ":" + port
	}
	return o, true
}

// checkReference checks the part of the value after the origin: a path
// starting with "/" (always, for a relative value), or for an absolute URL
// possibly nothing, or a query or fragment only. It checks the value as
// received and every percent-decoded form of it, and returns the reason it
// is refused or "".
func checkReference(rest string) string {
	if !wellFormedEscapes(rest) {
		return "malformed percent-escape"
	}
	// The path ends at the first "?" or "#" of the value as received: a
	// decoded %3F or %23 is a character of the path, which the browser
	// resolves ("/%3F/%2e%2e/x" climbs), so only the path's own decoded
	// forms are checked as a path.
	path := rest
	if i := strings.IndexAny(path, "?#"); i >= 0 {
		path = path[:i]
	}
	form := rest
	for round := 0; ; round++ {
		if round > 0 {
			if !utf8.ValidString(form) {
				return decodedWhy(round, "not valid UTF-8")
			}
			if why := badChar(form); why != "" {
				return decodedWhy(round, why)
			}
		}
		if why := checkPath(path); why != "" {
			return decodedWhy(round, why)
		}
		next, nextPath := percentDecode(form), percentDecode(path)
		if next == form {
			return ""
		}
		if round == maxDecodeRounds {
			return "percent-encoded too many times"
		}
		form, path = next, nextPath
	}
}

func decodedWhy(round int, why string) string {
	if round == 0 {
		return why
	}
	return fmt.Sprintf("%s after %d round(s) of percent-decoding", why, round)
}

// checkPath checks a path: no empty segment except a trailing slash, and
// no ".." that climbs above the root it is resolved against.
func checkPath(p string) string {
	if p == "" {
		return ""
	}
	if p[0] != '/' {
		return "path does not start with /"
	}
	segs := strings.Split(p[1:], "/")
	depth := 0
	for i, s := range segs {
		switch s {
		case "":
			if i != len(segs)-1 {
				return "// in the path"
			}
		case ".":
		case "..":
			if depth--; depth < 0 {
				return ".. climbs above the base path"
			}
		default:
			depth++
		}
	}
	return ""
}

// badChar returns why s contains a character no return_to may contain, or
// "".
func badChar(s string) string {
	for _, r := range s {
		switch {
		case r == '\\':
			return "backslash"
		case unicode.IsControl(r):
			return "control character"
		case unicode.IsSpace(r):
			return "whitespace"
		case unicode.Is(unicode.Cf, r):
			return "invisible format character"
		}
	}
	return ""
}

// wellFormedEscapes reports whether every '%' in s starts a %XX escape.
func wellFormedEscapes(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '%' {
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return false
			}
			i += 2
		}
	}
	return true
}

// percentDecode replaces every %XX escape of s by its byte and leaves a '%'
// that does not start one alone (a decoded "%25" may be followed by
// anything). Unlike url.PathUnescape it never fails, and unlike
// url.QueryUnescape it leaves '+' alone.
func percentDecode(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			b = append(b, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
			continue
		}
		b = append(b, s[i])
	}
	return string(b)
}

func isHex(c byte) bool {
	return ('0' <= c && c <= '9') || ('a' <= c && c <= 'f') || ('A' <= c && c <= 'F')
}

func unhex(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}

// escapeUnsafe percent-encodes the bytes of s that do not belong in a
// Location header or next to HTML: non-ASCII bytes, '"', '<', '>' and '`'.
// It adds no '/', '.', '\' or control character, and decoding it once gives
// s back, so it cannot undo the checks.
func escapeUnsafe(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf || c == '"' || c == '<' || c == '>' || c == '`' {
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&0xF])
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}
