package session

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/example/cognito-sam-go/internal/cognito/cognitotest"
	"github.com/example/cognito-sam-go/internal/logincookie"
	"github.com/example/cognito-sam-go/internal/seal"
	"github.com/example/cognito-sam-go/internal/secret/secrettest"
)

const key = "session-test-cookie-key-0123456789abcdef"

// keys are the seal keys of a deployment with client id "client-id" and
// cookie key k.
func keys(k string) seal.Keys { return seal.Keys{Current: k, Deployment: "client-id"} }

// jar is a browser's cookies for one site.
type jar map[string]string

func (j jar) get(name string) (string, bool) { v, ok := j[name]; return v, ok }
func (j jar) has(name string) bool           { _, ok := j[name]; return ok }

// apply stores Set-Cookie values as a browser would.
func (j jar) apply(t testing.TB, setCookies []string) {
	t.Helper()
	for _, line := range setCookies {
		c, err := http.ParseSetCookie(line)
		if err != nil {
			t.Fatalf("Set-Cookie %.60q: %v", line, err)
		}
		if !strings.HasPrefix(c.Name, "__Host-") || !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Domain != "" {
			t.Errorf("cookie %s = %+v; want __Host-, HttpOnly, Secure, SameSite=Lax, Path=/, no Domain", c.Name, c)
		}
		if len(c.Name)+len(c.Value) > 4096 {
			t.Errorf("cookie %s is %d bytes: browsers drop a cookie over 4096", c.Name, len(c.Name)+len(c.Value))
		}
		if c.MaxAge < 0 {
			delete(j, c.Name)
		} else {
			j[c.Name] = c.Value
		}
	}
}

// header is the Cookie header the browser sends.
func (j jar) header() string {
	var parts []string
	for k, v := range j {
		parts = append(parts, k+"="+v)
	}
	return strings.Join(parts, "; ")
}

func uuid() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// cognitoSized returns a session with tokens the size Cognito issues: ID and
// access tokens with UUID ids and groups groups, and a refresh token shaped
// like Cognito's (a JWE, five base64url segments, about 1.8 KB).
func cognitoSized(t testing.TB, groups int) Session {
	t.Helper()
	cog := cognitotest.New(t)
	var gs []any
	for i := range groups {
		gs = append(gs, fmt.Sprintf("department-group-%02d", i))
	}
	over := cognitotest.Claims{"jti": uuid(), "origin_jti": uuid(), "event_id": uuid(), "cognito:groups": gs,
		"iss": "https://cognito-idp.eu-central-1.amazonaws.com/eu-central-1_AbCdEfGhI"}
	idOver := cognitotest.Claims{"at_hash": "abcdefghijklmnopqrstuv", "email": "ada.lovelace@example.com"}
	for k, v := range over {
		idOver[k] = v
	}
	seg := func(n int) string {
		b := make([]byte, n)
		_, _ = rand.Read(b)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	refresh := base64.RawURLEncoding.EncodeToString([]byte(`{"cty":"JWT","enc":"A256GCM","alg":"RSA-OAEP"}`)) +
		"." + seg(256) + "." + seg(12) + "." + seg(1100) + "." + seg(16)
	now := time.Now()
	return Session{
		RefreshToken: refresh,
		AccessToken:  cog.AccessToken("client-id-26chars-abcdefghij", "openid email profile api/read", over),
		IDToken:      cog.IDToken("client-id-26chars-abcdefghij", "", idOver),
		Expiry:       now.Add(15 * time.Minute).Truncate(time.Second), Created: now.Truncate(time.Second),
		Subject: uuid(), Username: uuid(), Email: "ada.lovelace@example.com",
	}
}

func TestRoundTrip(t *testing.T) {
	k, err := NewSealer(keys(key))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []Session{
		cognitoSized(t, 0),
		cognitoSized(t, 20),
		{RefreshToken: "not a jwt: spaces and = padding==", AccessToken: "a..b", IDToken: "", Created: time.Now().Truncate(time.Second)},
	} {
		j := jar{}
		set, err := k.Cookies(s, j.has)
		if err != nil {
			t.Fatal(err)
		}
		j.apply(t, set)
		got, err := k.Open(j.get, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if got.RefreshToken != s.RefreshToken || got.AccessToken != s.AccessToken || got.IDToken != s.IDToken ||
			!got.Expiry.Equal(s.Expiry) || !got.Created.Equal(s.Created) || got.Subject != s.Subject || got.Email != s.Email || got.Username != s.Username {
			t.Errorf("round trip changed the session")
		}
		for name, v := range j {
			for _, tok := range []string{s.RefreshToken, s.AccessToken, s.IDToken} {
				if len(tok) > 20 && strings.Contains(v, tok[len(tok)-20:]) {
					t.Errorf("cookie %s holds a token in readable form", name)
				}
			}
		}
	}
}

// TestCookieHeaderSize: a signed-in browser with Cognito-sized tokens (20
// groups) and the most login attempts a browser keeps sends a Cookie header
// under 8 KiB, well under API Gateway's 10,240 bytes of request headers.
func TestCookieHeaderSize(t *testing.T) {
	k, _ := NewSealer(keys(key))
	j := jar{}
	set, err := k.Cookies(cognitoSized(t, 20), j.has)
	if err != nil {
		t.Fatal(err)
	}
	j.apply(t, set)
	session := len(j.header())
	// Three sign-in attempts in progress, real login cookies with a
	// return_to on another allowed origin.
	ls, err := logincookie.NewSealer(keys(key))
	if err != nil {
		t.Fatal(err)
	}
	for range logincookie.MaxAttempts {
		st := logincookie.State{State: uuid() + uuid(), Nonce: uuid() + uuid(), Verifier: uuid() + uuid(),
			Created: time.Now(), ReturnTo: "https://app.example.com/dashboard?tab=settings"}
		v, err := ls.Seal(st)
		if err != nil {
			t.Fatal(err)
		}
		j[logincookie.NameFor(st.State)] = v
	}
	total := len("Cookie: ") + len(j.header())
	t.Logf("Cookie header: %d bytes (session %d bytes in %d cookies)", total, session, len(set))
	if total >= 8<<10 {
		t.Errorf("Cookie header is %d bytes, want under 8 KiB", total)
	}
}

func TestOpenRejects(t *testing.T) {
	k, _ := NewSealer(keys(key))
	other, _ := NewSealer(keys("another-deployment-key-0123456789abcdef"))
	s := cognitoSized(t, 20)
	fresh := func() jar {
		j := jar{}
		set, err := k.Cookies(s, j.has)
		if err != nil {
			t.Fatal(err)
		}
		j.apply(t, set)
		return j
	}
	if _, err := k.Open(jar{}.get, time.Now()); err != ErrNone {
		t.Errorf("no cookies: err = %v, want ErrNone", err)
	}
	tests := map[string]func(j jar) (jar, *Sealer, time.Time){
		"other key":     func(j jar) (jar, *Sealer, time.Time) { return j, other, time.Now() },
		"expired":       func(j jar) (jar, *Sealer, time.Time) { return j, k, time.Now().Add(MaxAge + time.Minute) },
		"missing chunk": func(j jar) (jar, *Sealer, time.Time) { delete(j, ChunkName(1)); return j, k, time.Now() },
		"first chunk gone": func(j jar) (jar, *Sealer, time.Time) {
			delete(j, ChunkName(0))
			j[ChunkName(0)] = "x"
			return j, k, time.Now()
		},
		"tampered": func(j jar) (jar, *Sealer, time.Time) {
			v := []byte(j[ChunkName(0)])
			v[40] ^= 1
			j[ChunkName(0)] = string(v)
			return j, k, time.Now()
		},
		"chunks swapped": func(j jar) (jar, *Sealer, time.Time) {
			j[ChunkName(0)], j[ChunkName(1)] = j[ChunkName(1)], j[ChunkName(0)]
			return j, k, time.Now()
		},
		"not base64": func(j jar) (jar, *Sealer, time.Time) { j[ChunkName(0)] = "!!!"; return j, k, time.Now() },
	}
	for name, mutate := range tests {
		t.Run(name, func(t *testing.T) {
			j, sealer, now := mutate(fresh())
			if _, err := sealer.Open(j.get, now); err == nil || err == ErrNone {
				t.Errorf("Open = %v, want ErrInvalid", err)
			}
		})
	}
}

// TestTooManyGroups: tokens grown past MaxValueLen (100 groups) are not
// stored; the session keeps its refresh token and is refreshed on use, and
// the Cookie header stays within budget.
func TestTooManyGroups(t *testing.T) {
	k, _ := NewSealer(keys(key))
	s := cognitoSized(t, 100)
	j := jar{}
	set, err := k.Cookies(s, j.has)
	if err != nil {
		t.Fatal(err)
	}
	j.apply(t, set)
	if n := len(j.header()); n > MaxValueLen+MaxChunks*40 {
		t.Errorf("session cookies are %d bytes, over the budget %d", n, MaxValueLen)
	}
	got, err := k.Open(j.get, time.Now())
	if err != nil || got.RefreshToken != s.RefreshToken || got.AccessToken != "" || got.IDToken != "" || !got.Expiry.IsZero() || got.Email != s.Email {
		t.Errorf("reduced session: %v; refresh kept %v, access %q, expiry %v", err, got.RefreshToken == s.RefreshToken, got.AccessToken, got.Expiry)
	}
	huge := Session{RefreshToken: strings.Repeat("r", 2*MaxValueLen), Created: time.Now()}
	if _, err := k.Cookies(huge, j.has); err == nil {
		t.Error("a refresh token over the budget was stored")
	}
}

// TestStaleChunksCleared: a smaller session clears the chunks a bigger one
// left behind, and Clear removes them all.
func TestStaleChunksCleared(t *testing.T) {
	k, _ := NewSealer(keys(key))
	j := jar{}
	set, _ := k.Cookies(cognitoSized(t, 20), j.has)
	j.apply(t, set)
	before := len(j)
	small := Session{RefreshToken: "r", Created: time.Now()}
	set, _ = k.Cookies(small, j.has)
	j.apply(t, set)
	if len(j) != 1 || before < 2 {
		t.Errorf("after a smaller session: %d cookies (before %d), want 1", len(j), before)
	}
	if got, err := k.Open(j.get, time.Now()); err != nil || got.RefreshToken != "r" {
		t.Errorf("Open = %v", err)
	}
	j.apply(t, Clear(j.has))
	if len(j) != 0 || Present(j.has) {
		t.Errorf("after Clear: %v", j)
	}
}

func TestRedacted(t *testing.T) {
	s := cognitoSized(t, 1)
	secrettest.AssertRedacted(t, s, s.RefreshToken, s.AccessToken, s.IDToken)
}

// FuzzOpen: hostile cookies never panic and never open. The seeds include
// a genuine session cut short, so the fuzzer starts next to a real value;
// recovering its missing tag bytes by mutation is out of reach, so anything
// that opens is a forgery.
func FuzzOpen(f *testing.F) {
	k, _ := NewSealer(keys(key))
	j := jar{}
	set, _ := k.Cookies(Session{RefreshToken: "r.s.t", Created: time.Now()}, j.has)
	j.apply(f, set)
	genuine := j[ChunkName(0)]
	f.Add(genuine[:len(genuine)-8], "")
	f.Add(genuine[:len(genuine)/2], genuine[len(genuine)/2:len(genuine)-4])
	f.Add("AAAA", "BBBB")
	f.Add("", "x")
	f.Fuzz(func(t *testing.T, a, b string) {
		jj := jar{ChunkName(0): a, ChunkName(1): b}
		if _, err := k.Open(jj.get, time.Now()); err == nil {
			t.Errorf("opened a forged session %.40q %.40q", a, b)
		}
	})
}

func BenchmarkSealOpen(b *testing.B) {
	k, _ := NewSealer(keys(key))
	s := cognitoSized(b, 20)
	b.ReportAllocs()
	for b.Loop() {
		j := jar{}
		set, _ := k.Cookies(s, j.has)
		j.apply(b, set)
		if _, err := k.Open(j.get, time.Now()); err != nil {
			b.Fatal(err)
		}
	}
}

// TestKeyChangeAndDeployment: a session sealed before cookie_key changed
// still opens when the old key is previous_cookie_key (and is sealed anew
// under the new key), not once it is removed; a session sealed for another
// client id with the same key does not open.
func TestKeyChangeAndDeployment(t *testing.T) {
	const newKey = "session-test-new-cookie-key-0123456789abcdef"
	s := Session{RefreshToken: "rt", AccessToken: "at", IDToken: "it", Created: time.Now().Add(-time.Hour).Truncate(time.Second)}
	before, _ := NewSealer(keys(key))
	j := jar{}
	set, err := before.Cookies(s, j.has)
	if err != nil {
		t.Fatal(err)
	}
	j.apply(t, set)
	sealer := func(k seal.Keys) *Sealer {
		x, err := NewSealer(k)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	during := sealer(seal.Keys{Current: newKey, Previous: key, Deployment: "client-id"})
	got, err := during.Open(j.get, time.Now())
	if err != nil || got.RefreshToken != "rt" {
		t.Fatalf("session sealed under the previous key: %v, want it open", err)
	}
	if _, err := sealer(keys(newKey)).Open(j.get, time.Now()); !errors.Is(err, ErrInvalid) {
		t.Errorf("session sealed under a removed key: %v, want ErrInvalid", err)
	}
	if _, err := sealer(seal.Keys{Current: key, Deployment: "another-client-id"}).Open(j.get, time.Now()); !errors.Is(err, ErrInvalid) {
		t.Errorf("session sealed for another client id with the same key: %v, want ErrInvalid", err)
	}
	resealed := jar{}
	set, err = during.Cookies(got, resealed.has)
	if err != nil {
		t.Fatal(err)
	}
	resealed.apply(t, set)
	if _, err := sealer(keys(newKey)).Open(resealed.get, time.Now()); err != nil {
		t.Errorf("session sealed anew during the change does not open under the new key alone: %v", err)
	}
	tampered := jar{}
	for k, v := range j {
		b := []byte(v)
		b[len(b)/2] ^= 1
		tampered[k] = string(b)
	}
	if _, err := during.Open(tampered.get, time.Now()); !errors.Is(err, ErrInvalid) {
		t.Errorf("tampered session under the previous key: %v, want ErrInvalid", err)
	}
}
