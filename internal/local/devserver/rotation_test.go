package devserver

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/example/cognito-sam-go/internal/local/localcognito"
)

// noGrace rotates refresh tokens with no grace period: a refresh token
// works once. A session that did not store the rotated token fails at its
// next refresh, so these tests see it without waiting through a grace
// period.
var noGrace = &localcognito.RefreshTokenRotation{Enabled: true}

// TestRotationOverHTTP: through the whole local stack, the session keeps
// the rotated refresh token across several refreshes (POST /refresh
// without a body), and a script calling /refresh with a body must keep
// the token each answer returns: the one it sent is then refused with a
// 401, never a 5xx.
func TestRotationOverHTTP(t *testing.T) {
	s, log := start(t, Options{RefreshTokenRotation: noGrace})
	c, cb := signedIn(t, s)
	var signIn struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
	}
	if err := json.Unmarshal([]byte(cb.body), &signIn); err != nil || signIn.RefreshToken == "" {
		t.Fatalf("callback body: %v", err)
	}

	// The session: each refresh spends the session's token and stores the
	// new one.
	seen := map[string]bool{signIn.AccessToken: true}
	for i := range 3 {
		r := c.post(s.APIURL + "/refresh")
		var body map[string]any
		if err := json.Unmarshal([]byte(r.body), &body); r.status != http.StatusOK || err != nil {
			t.Fatalf("session refresh #%d: %d %s", i+1, r.status, r.body)
		}
		access, _ := body["access_token"].(string)
		if seen[access] {
			t.Fatalf("session refresh #%d: no new access token", i+1)
		}
		seen[access] = true
		if _, ok := body["refresh_token"]; ok {
			t.Errorf("session refresh #%d handed out the refresh token", i+1)
		}
		if h := c.get(s.APIURL+"/hello", "Authorization", access); h.status != http.StatusOK {
			t.Errorf("/hello after session refresh #%d: %d", i+1, h.status)
		}
	}
	if r := c.get(s.APIURL + "/"); r.status != http.StatusOK || !strings.Contains(r.body, `"signed_in":true`) {
		t.Errorf("home page after three refreshes: %d %s", r.status, r.body)
	}
	if got := tokenCalls(t, log)["refresh_token"]; got != 3 {
		t.Errorf("refresh grants = %d, want 3", got)
	}

	// The token the callback answered was the session's first, spent by
	// the first session refresh: a copy of it is refused.
	script := newClient(t)
	if r := script.postJSON(s.APIURL+"/refresh", map[string]string{"refresh_token": signIn.RefreshToken}); r.status != http.StatusUnauthorized || !strings.Contains(r.body, `"invalid_grant"`) {
		t.Errorf("/refresh with the callback's token after the session rotated it: %d %s, want 401 invalid_grant", r.status, r.body)
	}
}

// TestRotationForScriptsOverHTTP: /refresh with a body answers the next
// refresh token; using each answer's token works, reusing one is a 401.
func TestRotationForScriptsOverHTTP(t *testing.T) {
	s, _ := start(t, Options{RefreshTokenRotation: noGrace})
	_, cb := signedIn(t, s)
	var tok struct {
		RefreshToken string `json:"refresh_token"`
	}
	_ = json.Unmarshal([]byte(cb.body), &tok)
	script := newClient(t)
	rt := tok.RefreshToken
	for i := range 3 {
		r := script.postJSON(s.APIURL+"/refresh", map[string]string{"refresh_token": rt})
		var got struct {
			RefreshToken string `json:"refresh_token"`
		}
		if err := json.Unmarshal([]byte(r.body), &got); r.status != http.StatusOK || err != nil || got.RefreshToken == "" || got.RefreshToken == rt {
			t.Fatalf("/refresh #%d: %d, want 200 with a new refresh token", i+1, r.status)
		}
		if again := script.postJSON(s.APIURL+"/refresh", map[string]string{"refresh_token": rt}); again.status != http.StatusUnauthorized {
			t.Errorf("/refresh #%d again with the spent token: %d %s, want 401", i+1, again.status, again.body)
		}
		rt = got.RefreshToken
	}
}
