package signin

import (
	"net/http"
	"testing"
	"time"

	"github.com/example/cognito-sam-go/internal/secret"
)

// The secret's versions across a cookie_key change done as the README says:
// before it, and after its second step (the new key current, the old one
// previous).
var (
	beforeChange = secret.Value{ClientID: "client-id", ClientSecret: "first-secret", CookieKey: cookieKey}
	afterChange  = secret.Value{ClientID: "client-id", ClientSecret: "first-secret",
		CookieKey: "new-cookie-key-0123456789abcdef0123456789", PreviousCookieKey: cookieKey}
)

// TestIdleEnvironmentAfterACookieKeyChange: an environment that held the
// secret from before the change and was idle through it gets a session
// cookie another environment sealed under the new key. With its value
// past the TTL, asking the source once for a fresher value opens the
// cookie; with a value within its TTL the source keeps its value (that a
// real cache then makes no GetSecretValue is TestCacheRefreshIfStale's) and
// the session does not open.
func TestIdleEnvironmentAfterACookieKeyChange(t *testing.T) {
	for _, stale := range []bool{true, false} {
		b := signedIn(t)
		// Another environment, on the new secret, refreshes the session:
		// it seals it under the new key.
		b.h.src.Cur = afterChange
		b.h.clock = 59*time.Minute + 30*time.Second
		if resp := b.do(b.h.cb.Token, post("/token", nil)); resp.StatusCode != 200 {
			t.Fatalf("/token on the new secret: %d %s", resp.StatusCode, resp.Body)
		}
		// This environment still holds the old secret.
		b.h.src.Cur, b.h.src.Next, b.h.src.Stale = beforeChange, afterChange, stale
		resp := b.do(b.h.cb.Token, post("/token", nil))
		switch {
		case stale && resp.StatusCode != 200:
			t.Errorf("stale secret: /token %d %s, want 200 after reading the secret afresh", resp.StatusCode, resp.Body)
		case !stale && resp.StatusCode != http.StatusUnauthorized:
			t.Errorf("fresh secret: /token %d, want 401", resp.StatusCode)
		}
		if b.h.src.StaleRefreshes != 1 {
			t.Errorf("stale %v: RefreshIfStale called %d times, want once", stale, b.h.src.StaleRefreshes)
		}
	}
}

// TestIdleEnvironmentOpensANewLoginCookie: the same for a sign-in started
// on an environment with the new secret and finished on the idle one.
func TestIdleEnvironmentOpensANewLoginCookie(t *testing.T) {
	b := newBrowser(t)
	b.h.src.Cur = afterChange
	q, nonce := b.login("")
	b.h.src.Cur, b.h.src.Next, b.h.src.Stale = beforeChange, afterChange, true
	if resp := b.callback(q, nonce); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("callback on the idle environment: %d %s, want 303", resp.StatusCode, resp.Body)
	}
	if b.h.src.StaleRefreshes != 1 {
		t.Errorf("RefreshIfStale called %d times, want once", b.h.src.StaleRefreshes)
	}
}

// TestIdleEnvironmentSignsOutANewSession: sign-out on the idle environment
// still finds the session's refresh token, and revokes it.
func TestIdleEnvironmentSignsOutANewSession(t *testing.T) {
	b := signedIn(t)
	b.h.src.Cur = afterChange
	b.h.clock = 59*time.Minute + 30*time.Second
	if resp := b.do(b.h.cb.Token, post("/token", nil)); resp.StatusCode != 200 {
		t.Fatalf("/token on the new secret: %d %s", resp.StatusCode, resp.Body)
	}
	b.h.src.Cur, b.h.src.Next, b.h.src.Stale = beforeChange, afterChange, true
	b.h.cog.HandleRevoke(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(200) })
	resp := b.do(b.h.cb.Logout, post("/logout", http.Header{"Sec-Fetch-Site": {"same-origin"}}))
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("/logout: %d %s", resp.StatusCode, resp.Body)
	}
	if r := b.h.cog.RevokeRequests(); len(r) != 1 || r[0].Form.Get("token") != "refresh-token-value" {
		t.Errorf("revocations on the idle environment: %d, want the session's refresh token revoked", len(r))
	}
}
