package localcognito

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// refreshed is one refresh_token grant's answer.
type refreshed struct {
	status                   int
	err                      string // OAuth error code, "" on 200
	access, id, refreshToken string
}

// refreshGrant posts a refresh_token grant for the test client.
func (p *testPool) refreshGrant(t *testing.T, rt string) refreshed {
	t.Helper()
	res := p.tokenRequest(t, "/oauth2/token", testClientID, testSecret, url.Values{
		"grant_type": {"refresh_token"}, "refresh_token": {rt},
	})
	if res.status != http.StatusOK {
		return refreshed{status: res.status, err: oauthErrorOf(t, res.body)}
	}
	var body struct {
		Access  string `json:"access_token"`
		ID      string `json:"id_token"`
		Refresh string `json:"refresh_token"`
	}
	if err := json.Unmarshal([]byte(res.body), &body); err != nil {
		t.Fatal(err)
	}
	return refreshed{status: res.status, access: body.Access, id: body.ID, refreshToken: body.Refresh}
}

// signedIn signs the test user in and returns the code grant's tokens.
func (p *testPool) signedIn(t *testing.T) (access, refreshToken string) {
	t.Helper()
	body := p.redeem(t, p.signIn(t, newBrowser(t), authorizeQuery(testVerifier)))
	return body["access_token"].(string), body["refresh_token"].(string)
}

func withRotation(r *RefreshTokenRotation) func(*Options) {
	return func(o *Options) { o.Clients[0].RefreshTokenRotation = r }
}

// mustRefresh is a refresh that must succeed with a new refresh token.
func (p *testPool) mustRefresh(t *testing.T, what, rt string) refreshed {
	t.Helper()
	r := p.refreshGrant(t, rt)
	if r.status != http.StatusOK || r.refreshToken == "" || r.refreshToken == rt {
		t.Fatalf("%s: status %d error %q, new refresh token %t; want 200 with a new refresh token", what, r.status, r.err, r.refreshToken != "" && r.refreshToken != rt)
	}
	return r
}

func wantInvalidGrant(t *testing.T, p *testPool, what, rt string) {
	t.Helper()
	if r := p.refreshGrant(t, rt); r.status != http.StatusBadRequest || r.err != "invalid_grant" {
		t.Errorf("%s: status %d error %q, want 400 invalid_grant", what, r.status, r.err)
	}
}

// TestRotationIsTheDefault: a Client without a RefreshTokenRotation
// rotates, with the template's 30 second grace period.
func TestRotationIsTheDefault(t *testing.T) {
	pool := newTestPool(t, nil)
	_, r1 := pool.signedIn(t)
	r2 := pool.mustRefresh(t, "first refresh", r1)
	pool.clock.Advance(30*time.Second - time.Millisecond)
	pool.mustRefresh(t, "the old token just inside 30 s", r1)
	pool.clock.Advance(time.Millisecond)
	wantInvalidGrant(t, pool, "the old token at 30 s", r1)
	pool.mustRefresh(t, "the new token", r2.refreshToken)
}

// TestRotationGracePeriod: the presented token keeps working for the grace
// period after its FIRST use, each use returns another new token, and
// every new token works on its own: two tabs that refreshed one session at
// once hold different tokens, both good.
func TestRotationGracePeriod(t *testing.T) {
	const grace = 10 * time.Second
	pool := newTestPool(t, withRotation(&RefreshTokenRotation{Enabled: true, RetryGracePeriod: grace}))
	access1, r1 := pool.signedIn(t)

	a := pool.mustRefresh(t, "tab A", r1)
	pool.clock.Advance(grace / 2)
	b := pool.mustRefresh(t, "tab B, inside the grace period", r1)
	if a.refreshToken == b.refreshToken {
		t.Fatal("two refreshes returned the same refresh token")
	}
	for _, tok := range []string{a.access, b.access} {
		if got, want := claimsOf(t, tok)["origin_jti"], claimsOf(t, access1)["origin_jti"]; got != want {
			t.Errorf("rotated access token origin_jti %v, want the sign-in's %v", got, want)
		}
	}
	// The grace period runs from the first use, not the last.
	pool.clock.Advance(grace / 2)
	wantInvalidGrant(t, pool, "old token after the grace period", r1)
	wantInvalidGrant(t, pool, "old token once more", r1)

	// Both tabs' tokens still work, and each rotates in turn.
	a2 := pool.mustRefresh(t, "tab A's token", a.refreshToken)
	pool.mustRefresh(t, "tab B's token", b.refreshToken)
	pool.clock.Advance(grace)
	wantInvalidGrant(t, pool, "tab A's token after its grace period", a.refreshToken)
	pool.mustRefresh(t, "tab A's newest token", a2.refreshToken)
	if got := getUserInfo(t, pool, a2.access); got.status != http.StatusOK {
		t.Errorf("userInfo with a rotated access token: %d %s", got.status, got.body)
	}
}

func TestRotationWithoutGracePeriod(t *testing.T) {
	pool := newTestPool(t, withRotation(&RefreshTokenRotation{Enabled: true}))
	_, r1 := pool.signedIn(t)
	r2 := pool.mustRefresh(t, "first refresh", r1)
	wantInvalidGrant(t, pool, "the old token at once", r1)
	pool.mustRefresh(t, "the new token", r2.refreshToken)
}

// TestRotatedTokensKeepTheSignInsExpiry: the refresh-token lifetime counts
// from the sign-in, whatever the rotations.
func TestRotatedTokensKeepTheSignInsExpiry(t *testing.T) {
	pool := newTestPool(t, func(o *Options) { o.RefreshTokenLifetime = time.Hour })
	_, r1 := pool.signedIn(t)
	pool.clock.Advance(time.Hour - time.Minute)
	r2 := pool.mustRefresh(t, "a minute before the sign-in's expiry", r1)
	pool.clock.Advance(time.Minute)
	wantInvalidGrant(t, pool, "the rotated token at the sign-in's expiry", r2.refreshToken)
}

// TestRotationDisabled: without rotation the refresh grant returns no
// refresh token and the presented one stays good.
func TestRotationDisabled(t *testing.T) {
	pool := newTestPool(t, withRotation(&RefreshTokenRotation{}))
	_, r1 := pool.signedIn(t)
	for i := range 3 {
		r := pool.refreshGrant(t, r1)
		if r.status != http.StatusOK || r.refreshToken != "" || r.access == "" || r.id == "" {
			t.Fatalf("refresh #%d: status %d error %q refresh token %t; want 200, new ID and access tokens, no refresh token", i+1, r.status, r.err, r.refreshToken != "")
		}
		pool.clock.Advance(time.Minute)
	}
}

// TestRevokeEndsTheSignIn: revoking any live token of a sign-in ends all
// of it: the other refresh tokens (an older one in its grace period, a
// sibling) and the access tokens. A token past its grace period is as
// unknown: revoking it changes nothing.
func TestRevokeEndsTheSignIn(t *testing.T) {
	auth := basicAuth(testClientID, testSecret)
	revoke := func(t *testing.T, pool *testPool, tok string) {
		t.Helper()
		if res := newBrowser(t).do(tokenPost(t, pool, "/oauth2/revoke", url.Values{"token": {tok}}, auth)); res.status != http.StatusOK {
			t.Fatalf("revoke: %d %s", res.status, res.body)
		}
	}

	t.Run("live token", func(t *testing.T) {
		pool := newTestPool(t, nil)
		access1, r1 := pool.signedIn(t)
		a := pool.mustRefresh(t, "tab A", r1)
		b := pool.mustRefresh(t, "tab B", r1)
		revoke(t, pool, a.refreshToken)
		for name, tok := range map[string]string{"revoked": a.refreshToken, "older, in its grace period": r1, "sibling": b.refreshToken} {
			wantInvalidGrant(t, pool, name+" token after revocation", tok)
		}
		for _, tok := range []string{access1, a.access, b.access} {
			if res := getUserInfo(t, pool, tok); res.status != http.StatusUnauthorized {
				t.Errorf("userInfo after revocation: %d, want 401", res.status)
			}
		}
	})
	t.Run("token past its grace period", func(t *testing.T) {
		pool := newTestPool(t, nil)
		_, r1 := pool.signedIn(t)
		r2 := pool.mustRefresh(t, "refresh", r1)
		pool.clock.Advance(DefaultRefreshTokenRotation.RetryGracePeriod)
		revoke(t, pool, r1)
		pool.mustRefresh(t, "the current token after revoking a dead one", r2.refreshToken)
	})
}

func TestRotationValidation(t *testing.T) {
	for _, grace := range []time.Duration{-time.Second, MaxRetryGracePeriod + time.Second} {
		_, err := New(Options{BaseURL: "http://127.0.0.1:1", Clients: []Client{{
			ID: "c", CallbackURLs: []string{testCallback}, Scopes: []string{"openid"},
			RefreshTokenRotation: &RefreshTokenRotation{Enabled: true, RetryGracePeriod: grace},
		}}})
		if err == nil || !strings.Contains(err.Error(), "RetryGracePeriod") {
			t.Errorf("grace %v: error %v, want one naming RetryGracePeriod", grace, err)
		}
	}
	for _, grace := range []time.Duration{0, MaxRetryGracePeriod} {
		if _, err := New(Options{BaseURL: "http://127.0.0.1:1", Clients: []Client{{
			ID: "c", CallbackURLs: []string{testCallback}, Scopes: []string{"openid"},
			RefreshTokenRotation: &RefreshTokenRotation{Enabled: true, RetryGracePeriod: grace},
		}}}); err != nil {
			t.Errorf("grace %v: %v", grace, err)
		}
	}
}

// TestRotationWhenTheStoreIsFull: at MaxRefreshTokens a rotation makes
// room by ending the sign-in that expires first, never the one rotating.
func TestRotationWhenTheStoreIsFull(t *testing.T) {
	pool := newTestPool(t, func(o *Options) { o.RefreshTokenLifetime = time.Hour })
	_, r1 := pool.signedIn(t)
	later := pool.clock.Now().Add(2 * time.Hour)
	pool.mu.Lock()
	for i := 0; len(pool.refresh) < MaxRefreshTokens; i++ {
		g := &refreshGrant{clientID: testClientID, digest: digest("filler" + strconv.Itoa(i)), originJTI: "filler-" + strconv.Itoa(i), expires: later}
		pool.addRefreshLocked(g, pool.clock.Now())
	}
	pool.mu.Unlock()

	r2 := pool.mustRefresh(t, "refresh with the store full", r1)
	if res := getUserInfo(t, pool, r2.access); res.status != http.StatusOK {
		t.Errorf("userInfo with the rotated access token: %d, want 200 (the rotating sign-in was ended)", res.status)
	}
	pool.mustRefresh(t, "the rotated token", r2.refreshToken)
	pool.mu.Lock()
	n := len(pool.refresh)
	pool.mu.Unlock()
	if n > MaxRefreshTokens {
		t.Errorf("%d refresh tokens stored, want at most %d", n, MaxRefreshTokens)
	}
}
