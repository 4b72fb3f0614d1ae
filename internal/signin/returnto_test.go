package signin

import (
	"errors"
	"net/url"
	"path"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

const (
	returnToGatewayBase  = "https://abc123defg.execute-api.us-east-1.amazonaws.com/Prod"
	returnToLoopbackBase = "http://localhost:3000"
)

var (
	returnToBases   = []string{returnToGatewayBase, returnToLoopbackBase}
	returnToAllowed = []string{"https://app.example.com", "http://localhost:5173", "http://[::1]:8080/"}
)

// returnToRelative: paths resolved against the API's base URL; want is what
// follows apiBase in the result.
var returnToRelative = []struct{ name, raw, want string }{
	{"empty is the API root", "", "/"},
	{"root", "/", "/"},
	{"path", "/app", "/app"},
	{"trailing slash", "/app/", "/app/"},
	{"query", "/app?x=1", "/app?x=1"},
	{"fragment", "/app#frag", "/app#frag"},
	{"query and fragment", "/app?x=1#y", "/app?x=1#y"},
	{"deep path", "/a/b/c", "/a/b/c"},
	{"query only", "/?x=1", "/?x=1"},
	// The query is not a path: an encoded (or plain) URL in a query value
	// stays on the API's origin.
	{"encoded slash in query", "/app?next=%2Fx", "/app?next=%2Fx"},
	{"double slash in query", "/app?next=//evil", "/app?next=//evil"},
	{"encoded double slash in query", "/app?next=%2F%2Fevil.com", "/app?next=%2F%2Fevil.com"},
	{"url in query", "/app?next=https://evil.com", "/app?next=https://evil.com"},
	{"dot segments in query", "/app?next=../../x", "/app?next=../../x"},
	{"dot segments in fragment", "/app#/../../x", "/app#/../../x"},
	{"at sign in path", "/app@evil.com", "/app@evil.com"},
	{"colon in path", "/a:b", "/a:b"},
	{"encoded slash in a segment", "/files/a%2Fb", "/files/a%2Fb"},
	{"plus is not a space", "/app?q=a+b", "/app?q=a+b"},
	{"encoded percent", "/app?q=100%25", "/app?q=100%25"},
	{"double-encoded value in query", "/app?next=%252Fx", "/app?next=%252Fx"},
	{"dot segment", "/a/./b", "/a/./b"},
	{"dot-dot within the base", "/a/../b", "/a/../b"},
	{"dot-dot back to the root", "/a/b/../..", "/a/b/../.."},
	{"three dots are a name", "/.../x", "/.../x"},
	{"non-ASCII is encoded", "/caf\u00e9", "/caf%C3%A9"},
	{"angle brackets are encoded", "/app?x=<b>\"`", "/app?x=%3Cb%3E%22%60"},
	{"encoded non-ASCII", "/caf%C3%A9", "/caf%C3%A9"},
	{"exactly 1 KiB", "/" + strings.Repeat("a", MaxReturnToLen-1), "/" + strings.Repeat("a", MaxReturnToLen-1)},
}

// returnToAbsolute: URLs on an allowed origin, whatever the API's base.
var returnToAbsolute = []struct{ name, raw, want string }{
	{"allowed origin", "https://app.example.com/dash", "https://app.example.com/dash"},
	{"allowed loopback origin", "http://localhost:5173/", "http://localhost:5173/"},
	{"default port", "https://app.example.com:443/x", "https://app.example.com/x"},
	{"upper-case host", "https://APP.example.com/x", "https://app.example.com/x"},
	{"upper-case scheme", "HTTPS://app.example.com/x", "https://app.example.com/x"},
	{"origin only", "https://app.example.com", "https://app.example.com"},
	{"query only", "https://app.example.com?x=1", "https://app.example.com?x=1"},
	{"query and fragment", "https://app.example.com/a?x=1#y", "https://app.example.com/a?x=1#y"},
	{"encoded url in query", "http://localhost:5173/cb?next=%2F%2Fx", "http://localhost:5173/cb?next=%2F%2Fx"},
	// After '?' or '#' an '@' is part of the query or fragment, not user
	// info: the browser goes to app.example.com.
	{"at sign in query", "https://app.example.com?@evil.com", "https://app.example.com?@evil.com"},
	{"at sign in fragment", "https://app.example.com#@evil.com", "https://app.example.com#@evil.com"},
	{"ipv6 loopback", "http://[::1]:8080/x", "http://[::1]:8080/x"},
	{"non-ASCII path is encoded", "https://app.example.com/\u00e9", "https://app.example.com/%C3%A9"},
}

// returnToRefused: every one must be refused with either base.
var returnToRefused = []struct{ name, raw string }{
	// Scheme-relative and backslash forms: the browser goes to evil.com.
	{"scheme-relative", "//evil.com"},
	{"triple slash", "///evil.com"},
	{"many slashes", "/////evil.com/"},
	{"slash backslash", "/\\evil.com"},
	{"two backslashes", "\\\\evil.com"},
	{"backslash slash", "\\/evil.com"},
	{"slash backslash slash", "/\\/evil.com"},
	{"scheme-relative allowed host", "//app.example.com"},
	{"scheme-relative allowed host with path", "//app.example.com/dash"},
	{"backslash in query", "/app?x=a\\b"},
	// Encoded prefixes, seen after decoding.
	{"encoded double slash", "/%2F%2Fevil.com"},
	{"encoded lower-case slash", "/%2f/evil.com"},
	{"encoded backslash", "/%5Cevil.com"},
	{"encoded lower-case backslash", "/%5cevil.com"},
	{"encoded leading slashes", "%2F%2Fevil.com"},
	{"double-encoded slashes", "/%252F%252Fevil.com"},
	{"triple-encoded slashes", "/%25252F%25252Fevil.com"},
	{"double-encoded backslash", "/%255Cevil.com"},
	{"encoded slash backslash slash", "/%2f%5c%2fevil.com/"},
	{"encoded everything", "%2F%2F%65%76%69%6C%2E%63%6F%6D"},
	{"encoded backslash in query", "/app?x=%5C"},
	{"encoded too many times", "/%" + strings.Repeat("25", maxDecodeRounds) + "2Fevil.com"},
	{"harmless but encoded too many times", "/app?x=%" + strings.Repeat("25", maxDecodeRounds) + "41"},
	// Absolute URLs on other origins.
	{"other origin", "https://evil.com"},
	{"other origin with path", "https://evil.com/"},
	{"wrong scheme", "http://app.example.com"},
	{"wrong scheme loopback", "https://localhost:5173/"},
	{"suffix host", "https://app.example.com.evil.com"},
	{"prefix host", "https://evilapp.example.com/"},
	{"parent domain", "https://example.com/"},
	{"subdomain", "https://a.app.example.com/"},
	{"allowed origin in path", "https://evil.com/https://app.example.com"},
	{"allowed origin in query", "https://evil.com/?https://app.example.com"},
	{"allowed origin in fragment", "https://evil.com#https://app.example.com"},
	{"user info host", "https://app.example.com@evil.com"},
	{"user info host with path", "https://app.example.com@evil.com/dash"},
	{"user and password", "https://user:pass@app.example.com/"},
	{"empty user info", "https://@app.example.com/"},
	{"encoded at in host", "https://app.example.com%40evil.com/"},
	{"encoded slash in user info", "https://app.example.com%2F@evil.com"},
	{"encoded dot in host", "https://app%2Eexample.com/"},
	{"loopback with user info", "http://localhost:5173@evil.com/"},
	{"trailing dot", "https://app.example.com./"},
	{"other port", "https://app.example.com:444/"},
	{"empty port", "https://app.example.com:/x"},
	{"port with leading zero", "https://app.example.com:0443/"},
	{"two ports", "https://app.example.com:443:443/"},
	{"loopback other port", "http://localhost:5174/"},
	{"loopback default port", "http://localhost/"},
	{"loopback by address", "http://127.0.0.1:5173/"},
	{"loopback by number", "http://2130706433:5173/"},
	{"ipv6 other port", "http://[::1]:8081/"},
	{"cyrillic look-alike", "https://\u0430pp.example.com/"},
	{"punycode look-alike", "https://xn--pp-8kc.example.com/"},
	{"ideographic full stop", "https://app\u3002example.com/"},
	{"kelvin sign", "https://\u212Aapp.example.com/"},
	{"fullwidth host", "https://\uff41pp.example.com/"},
	{"double slash path on allowed origin", "https://app.example.com//evil.com"},
	{"encoded double slash path on allowed origin", "https://app.example.com/%2F%2Fevil.com"},
	{"whitespace on allowed origin", "https://app.example.com/ x"},
	{"leading space", " https://app.example.com/"},
	{"space in host", "https:// app.example.com/"},
	{"backslash in host", "https://app.example.com\\@evil.com"},
	{"backslash host separator", "https://evil.com\\.app.example.com/"},
	// Malformed absolute URLs browsers repair.
	{"no slashes after scheme", "https:evil.com"},
	{"one slash after scheme", "https:/evil.com"},
	{"three slashes after scheme", "https:///evil.com"},
	{"backslashes after scheme", "http:\\\\evil.com"},
	{"slash backslash after scheme", "http:/\\/evil.com"},
	{"scheme only", "https:"},
	{"scheme and slashes", "https://"},
	// Other schemes.
	{"javascript", "javascript:alert(1)"},
	{"javascript mixed case", "JaVaScRiPt:alert(1)"},
	{"javascript with slashes", "javascript://app.example.com/%0aalert(1)"},
	{"encoded javascript", "%6Aavascript:alert(1)"},
	{"javascript after tab", "java\tscript:alert(1)"},
	{"data", "data:text/html,x"},
	{"data base64", "data:text/html;base64,PHNjcmlwdD4="},
	{"vbscript", "vbscript:msgbox(1)"},
	{"ftp on allowed host", "ftp://app.example.com/"},
	{"websocket on allowed host", "wss://app.example.com/"},
	{"file", "file:///etc/passwd"},
	// Control characters and whitespace, raw and encoded.
	{"tab", "/\tevil"},
	{"space", "/ evil"},
	{"space slash", "/ /evil.com"},
	{"space backslash", "/ \\evil.com"},
	{"tab slash", "/\t/evil.com"},
	{"newline slash", "/\n/evil.com"},
	{"carriage return slash", "/\r/evil.com"},
	{"vertical tab slash", "/\v/evil.com"},
	{"form feed slash", "/\f/evil.com"},
	{"encoded tab slash", "/%09/evil.com"},
	{"encoded newline", "/%0a"},
	{"encoded upper-case newline", "/%0A/evil.com"},
	{"encoded nul", "/%00"},
	{"encoded delete", "/%7f"},
	{"encoded space in query", "/app?q=a%20b"},
	{"nul", "/\x00"},
	{"delete", "/app\x7f"},
	{"escape character", "/app\x1b[31m"},
	{"header injection", "/app\r\nSet-Cookie:x"},
	{"encoded header injection", "/app%0d%0aSet-Cookie:x=1"},
	{"line separator", "\u2028"},
	{"line separator in path", "/app\u2028x"},
	{"paragraph separator", "/\u2029/evil.com"},
	{"encoded line separator", "/%E2%80%A8"},
	{"no-break space", "/\u00a0/evil.com"},
	{"encoded no-break space", "/%C2%A0/evil.com"},
	{"next line", "/\u0085"},
	{"ideographic space", "/\u3000evil"},
	{"zero-width space", "/\u200b/evil.com"},
	{"encoded zero-width space", "/%E2%80%8B/evil.com"},
	{"byte order mark", "/\ufeffapp"},
	{"right-to-left override", "/app\u202emoc.live"},
	// Not a path starting with "/".
	{"bare name", "app"},
	{"host without scheme", "app.example.com/dash"},
	{"dot slash", "./app"},
	{"dot dot slash", "../app"},
	{"query alone", "?x"},
	{"fragment alone", "#x"},
	{"at host", "@evil.com"},
	{"semicolon", ";@evil.com"},
	// Climbing above the base path, raw and encoded.
	{"dot dot", "/.."},
	{"dot dot slash path", "/../app"},
	{"climb two", "/../../etc"},
	{"climb after a segment", "/a/../../b"},
	{"dot then climb", "/./../x"},
	{"encoded dots", "/a/%2e%2e/%2e%2e/x"},
	{"encoded ? ends no path", "/%3F/%2e%2e/%2e%2e/other"},
	{"encoded # ends no path", "/%23/..%2F..%2Fother"},
	{"double-encoded ? ends no path", "/%253F/%252e%252e/%252e%252e/other"},
	{"upper-case encoded dots", "/%2E%2E/x"},
	{"half-encoded dots", "/.%2e/x"},
	{"encoded dots and slashes", "/a%2f..%2f..%2fx"},
	{"double-encoded dots", "/%252e%252e/x"},
	{"dots before an encoded question mark", "/app%3F/../../x"},
	{"empty segment", "/a//b"},
	{"empty segment after dot dot", "/a/..//evil.com"},
	{"dot then empty segment", "/.//evil.com"},
	{"dot backslash", "/./\\evil.com"},
	{"dot dot backslash", "/./../../\\evil.com"},
	// Size and encoding.
	{"over 1 KiB", "/" + strings.Repeat("a", MaxReturnToLen)},
	{"over 1 KiB in the query", "/app?x=" + strings.Repeat("%41", MaxReturnToLen/3)},
	{"invalid UTF-8", "/\xff"},
	{"truncated UTF-8", "/app\xc3"},
	{"encoded invalid UTF-8", "/%ff"},
	{"encoded overlong slash", "/%C0%AF/evil.com"},
	{"encoded overlong dot", "/%C0%AE%C0%AE/x"},
	{"malformed escape", "/%zz"},
	{"truncated escape", "/%2"},
	{"lone percent", "/app%"},
	{"malformed escape in query", "/app?x=%G0"},
}

func TestResolveReturnToAcceptsRelative(t *testing.T) {
	for _, base := range returnToBases {
		for _, tt := range returnToRelative {
			t.Run(base+"/"+tt.name, func(t *testing.T) {
				got, err := resolveReturnTo(tt.raw, base, returnToAllowed)
				if want := base + tt.want; err != nil || got != want {
					t.Fatalf("resolveReturnTo(%q) = %q, %v; want %q", tt.raw, got, err, want)
				}
				assertReturnToProperty(t, tt.raw, base, got)
			})
		}
	}
}

func TestResolveReturnToAcceptsAllowedOrigins(t *testing.T) {
	for _, base := range returnToBases {
		for _, tt := range returnToAbsolute {
			t.Run(base+"/"+tt.name, func(t *testing.T) {
				got, err := resolveReturnTo(tt.raw, base, returnToAllowed)
				if err != nil || got != tt.want {
					t.Fatalf("resolveReturnTo(%q) = %q, %v; want %q", tt.raw, got, err, tt.want)
				}
				assertReturnToProperty(t, tt.raw, base, got)
			})
		}
	}
}

func TestResolveReturnToRefuses(t *testing.T) {
	if n := len(returnToRefused); n < 60 {
		t.Fatalf("only %d refused cases", n)
	}
	for _, base := range returnToBases {
		for _, tt := range returnToRefused {
			t.Run(base+"/"+tt.name, func(t *testing.T) {
				got, err := resolveReturnTo(tt.raw, base, returnToAllowed)
				if err == nil {
					t.Fatalf("resolveReturnTo(%q) = %q; want an error", tt.raw, got)
				}
				if got != "" {
					t.Errorf("resolveReturnTo(%q) = %q with error %v; want \"\"", tt.raw, got, err)
				}
				if !errors.Is(err, errBadReturnTo) {
					t.Errorf("resolveReturnTo(%q) error = %v; want errBadReturnTo", tt.raw, err)
				}
			})
		}
	}
}

// TestResolveReturnToWithoutAllowedOrigins: with ALLOWED_ORIGINS empty only
// paths are accepted, and an absolute URL on the API's own origin is not
// one of them.
func TestResolveReturnToWithoutAllowedOrigins(t *testing.T) {
	for _, raw := range []string{"https://app.example.com/dash", returnToGatewayBase + "/app", "http://localhost:3000/"} {
		if got, err := resolveReturnTo(raw, returnToGatewayBase, nil); !errors.Is(err, errBadReturnTo) {
			t.Errorf("resolveReturnTo(%q) with no allowed origins = %q, %v; want errBadReturnTo", raw, got, err)
		}
	}
	if got, err := resolveReturnTo("/app", returnToGatewayBase, nil); err != nil || got != returnToGatewayBase+"/app" {
		t.Errorf("resolveReturnTo(/app) = %q, %v; want %q", got, err, returnToGatewayBase+"/app")
	}
}

// TestResolveReturnToIgnoresBadAllowedOrigins: an entry that is not an
// origin never matches.
func TestResolveReturnToIgnoresBadAllowedOrigins(t *testing.T) {
	allowed := []string{"app.example.com", "https://app.example.com/path", "*", "https://user@app.example.com", "javascript:x"}
	for _, raw := range []string{"https://app.example.com/", "https://app.example.com/path", "javascript:x"} {
		if got, err := resolveReturnTo(raw, returnToGatewayBase, allowed); !errors.Is(err, errBadReturnTo) {
			t.Errorf("resolveReturnTo(%q) with %q = %q, %v; want errBadReturnTo", raw, allowed, got, err)
		}
	}
}

// TestResolveReturnToTrailingSlashBase: a base URL with a trailing slash
// still gives a single slash.
func TestResolveReturnToTrailingSlashBase(t *testing.T) {
	for raw, want := range map[string]string{"": "http://localhost:3000/", "/app": "http://localhost:3000/app"} {
		if got, err := resolveReturnTo(raw, "http://localhost:3000/", nil); err != nil || got != want {
			t.Errorf("resolveReturnTo(%q) = %q, %v; want %q", raw, got, err, want)
		}
	}
}

// TestResolveReturnToErrorQuotesLittle: the error text reaches the log; it
// quotes at most 60 bytes of the value, escaped.
func TestResolveReturnToErrorQuotesLittle(t *testing.T) {
	for _, raw := range []string{
		"/" + strings.Repeat("secret", 300),
		"//evil.com/" + strings.Repeat("\u00e9", 100),
		"/\n" + strings.Repeat("\x00", 200),
	} {
		_, err := resolveReturnTo(raw, returnToGatewayBase, returnToAllowed)
		if err == nil {
			t.Fatalf("resolveReturnTo(%.20q) accepted", raw)
		}
		msg := err.Error()
		if strings.Contains(msg, raw[:61]) || len(msg) > 400 || strings.ContainsAny(msg, "\n\x00") {
			t.Errorf("error quotes too much or unescaped: %q", msg)
		}
	}
}

// TestReturnToClip: clip never splits a UTF-8 sequence.
func TestReturnToClip(t *testing.T) {
	for _, tt := range []struct {
		name, s, want string
		n             int
	}{
		{"short", "abc", "abc", 60},
		{"ascii", "abcdef", "abc", 3},
		{"inside a rune", "a\u00e9b", "a", 2},
		{"at a rune", "a\u00e9b", "a\u00e9", 3},
		{"invalid", "\xff\xff\xff\xff\xff\xff", "\xff\xff\xff", 3},
	} {
		if got := clip(tt.s, tt.n); got != tt.want {
			t.Errorf("%s: clip(%q, %d) = %q; want %q", tt.name, tt.s, tt.n, got, tt.want)
		}
	}
}

// FuzzReturnTo: for any value, resolveReturnTo never panics, refuses with
// errBadReturnTo, and anything it accepts satisfies the redirect property
// (assertReturnToProperty). The seeds are the table cases.
func FuzzReturnTo(f *testing.F) {
	for _, tt := range returnToRelative {
		f.Add(tt.raw)
	}
	for _, tt := range returnToAbsolute {
		f.Add(tt.raw)
	}
	for _, tt := range returnToRefused {
		f.Add(tt.raw)
	}
	refused := make(map[string]bool, len(returnToRefused))
	for _, tt := range returnToRefused {
		refused[tt.raw] = true
	}
	f.Fuzz(func(t *testing.T, raw string) {
		for _, base := range returnToBases {
			got, err := resolveReturnTo(raw, base, returnToAllowed)
			if err != nil {
				if got != "" || !errors.Is(err, errBadReturnTo) {
					t.Fatalf("resolveReturnTo(%q) = %q, %v; want \"\", errBadReturnTo", raw, got, err)
				}
				continue
			}
			if refused[raw] {
				t.Fatalf("resolveReturnTo(%q) = %q; a refused case was accepted", raw, got)
			}
			assertReturnToProperty(t, raw, base, got)
		}
	})
}

// assertReturnToProperty checks what must hold for every accepted value,
// independently of how resolveReturnTo decides: the result is an absolute
// URL on base's origin or an allowed one; a relative value stays under
// base's path however often its path is decoded; and no form of the result
// starts its path with "//" or holds a backslash, a control character or
// whitespace.
func assertReturnToProperty(t *testing.T, raw, base, got string) {
	t.Helper()
	if len(raw) > MaxReturnToLen || !utf8.ValidString(raw) {
		t.Fatalf("resolveReturnTo accepted %q (length %d, valid UTF-8 %v)", raw, len(raw), utf8.ValidString(raw))
	}
	for i := 0; i < len(got); i++ {
		if got[i] <= ' ' || got[i] >= 0x7f {
			t.Fatalf("resolveReturnTo(%q) = %q: byte %#x is not printable ASCII", raw, got, got[i])
		}
	}
	u, err := url.Parse(got)
	if err != nil {
		t.Fatalf("resolveReturnTo(%q) = %q: %v", raw, got, err)
	}
	if u.User != nil || u.Opaque != "" {
		t.Fatalf("resolveReturnTo(%q) = %q: user info or opaque URL", raw, got)
	}
	b, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	origin := returnToOrigin(u)
	relative := raw == "" || strings.HasPrefix(raw, "/")
	if relative {
		if origin != returnToOrigin(b) {
			t.Fatalf("resolveReturnTo(%q) = %q: origin %q, want the API's %q", raw, got, origin, returnToOrigin(b))
		}
		if !strings.HasPrefix(got, strings.TrimSuffix(base, "/")+"/") {
			t.Fatalf("resolveReturnTo(%q) = %q: not under %q", raw, got, base)
		}
	} else if !returnToOriginAllowed(origin) {
		t.Fatalf("resolveReturnTo(%q) = %q: origin %q is not allowed", raw, got, origin)
	}

	// Decode the path as often as it changes: it must stay under the base
	// path (relative values) and never start with "//".
	basePath := strings.TrimSuffix(b.Path, "/")
	p := u.EscapedPath()
	for round := 0; round <= maxDecodeRounds+1; round++ {
		if strings.HasPrefix(p, "//") || strings.ContainsAny(p, "\\") {
			t.Fatalf("resolveReturnTo(%q) = %q: path %q after %d decodings", raw, got, p, round)
		}
		if relative {
			rest := strings.TrimPrefix(p, basePath)
			if !strings.HasPrefix(p, basePath) || !strings.HasPrefix(rest, "/") || strings.HasPrefix(rest, "//") {
				t.Fatalf("resolveReturnTo(%q) = %q: path %q after %d decodings is not under %q", raw, got, p, round, basePath)
			}
			if c := path.Clean(p); c != basePath && !strings.HasPrefix(c, basePath+"/") {
				t.Fatalf("resolveReturnTo(%q) = %q: path %q climbs out of %q", raw, got, c, basePath)
			}
		}
		next, err := url.PathUnescape(p)
		if err != nil || next == p {
			break
		}
		p = next
	}

	// No decoded form of the whole result carries a character a browser
	// strips or reads as a separator.
	s := got
	for round := 0; round <= maxDecodeRounds+1; round++ {
		for _, r := range s {
			if r == '\\' || unicode.IsControl(r) || unicode.IsSpace(r) || unicode.Is(unicode.Cf, r) {
				t.Fatalf("resolveReturnTo(%q) = %q: %q after %d decodings", raw, got, r, round)
			}
		}
		next, err := url.PathUnescape(s)
		if err != nil || next == s {
			break
		}
		s = next
	}
}

func returnToOrigin(u *url.URL) string {
	host, port := strings.ToLower(u.Hostname()), u.Port()
	if (u.Scheme == "https" && port == "443") || (u.Scheme == "http" && port == "80") {
		port = ""
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port != "" {
		host += ":" + port
	}
	return u.Scheme + "://" + host
}

func returnToOriginAllowed(origin string) bool {
	for _, a := range returnToAllowed {
		u, err := url.Parse(a)
		if err == nil && returnToOrigin(u) == origin {
			return true
		}
	}
	return false
}
