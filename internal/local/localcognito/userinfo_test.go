package localcognito

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/example/cognito-sam-go/internal/cognito/cognitotest/tokensign"
)

func getUserInfo(t *testing.T, p *testPool, accessToken string) page {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, p.Domain()+"/oauth2/userInfo", nil)
	if err != nil {
		t.Fatal(err)
	}
	if accessToken != "" {
		req.Header.Set("Authorization", "Bearer "+accessToken)
	}
	return newBrowser(t).do(req)
}

func TestUserInfo(t *testing.T) {
	pool := newTestPool(t, nil)
	fresh := func(t *testing.T, scope string) map[string]any {
		q := authorizeQuery(testVerifier)
		q.Set("scope", scope)
		return pool.redeem(t, pool.signIn(t, newBrowser(t), q))
	}
	sub, _ := pool.UserSub(testEmail)
	foreign, err := tokensign.New()
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name       string
		header     func(t *testing.T) string // the Authorization header
		wantStatus int
		wantError  string // in WWW-Authenticate; "" on success
	}{
		{"valid", func(t *testing.T) string {
			return "Bearer " + fresh(t, "openid email")["access_token"].(string)
		}, http.StatusOK, ""},
		{"lowercase bearer", func(t *testing.T) string {
			return "bearer " + fresh(t, "openid")["access_token"].(string)
		}, http.StatusOK, ""},
		{"no header", func(t *testing.T) string { return "" }, http.StatusBadRequest, "invalid_request"},
		{"basic scheme", func(t *testing.T) string { return "Basic Zm9vOmJhcg==" }, http.StatusBadRequest, "invalid_request"},
		{"garbage", func(t *testing.T) string { return "Bearer not-a-token" }, http.StatusUnauthorized, "invalid_token"},
		{"ID token", func(t *testing.T) string {
			return "Bearer " + fresh(t, "openid")["id_token"].(string)
		}, http.StatusUnauthorized, "invalid_token"},
		{"expired", func(t *testing.T) string {
			tok := fresh(t, "openid")["access_token"].(string)
			pool.clock.Advance(DefaultAccessTokenLifetime)
			return "Bearer " + tok
		}, http.StatusUnauthorized, "invalid_token"},
		{"signed by another key", func(t *testing.T) string {
			claims := claimsOf(t, fresh(t, "openid")["access_token"].(string))
			forged, err := foreign.Sign(claims)
			if err != nil {
				t.Fatal(err)
			}
			return "Bearer " + forged
		}, http.StatusUnauthorized, "invalid_token"},
		{"another issuer", func(t *testing.T) string {
			claims := claimsOf(t, fresh(t, "openid")["access_token"].(string))
			claims["iss"] = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_other"
			forged, err := pool.Signer().Sign(claims)
			if err != nil {
				t.Fatal(err)
			}
			return "Bearer " + forged
		}, http.StatusUnauthorized, "invalid_token"},
		{"no openid scope", func(t *testing.T) string {
			return "Bearer " + fresh(t, "api/read")["access_token"].(string)
		}, http.StatusForbidden, "insufficient_scope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, pool.Domain()+"/oauth2/userInfo", nil)
			if err != nil {
				t.Fatal(err)
			}
			if h := tt.header(t); h != "" {
				req.Header.Set("Authorization", h)
			}
			res := newBrowser(t).do(req)
			if res.status != tt.wantStatus {
				t.Fatalf("status %d, want %d (%s)", res.status, tt.wantStatus, res.body)
			}
			if tt.wantError != "" {
				if got := res.header.Get("WWW-Authenticate"); !strings.HasPrefix(got, `Bearer error="`+tt.wantError+`"`) {
					t.Errorf("WWW-Authenticate = %q, want Bearer error=%q", got, tt.wantError)
				}
				return
			}
			want := `{"sub":"` + sub + `","email_verified":"true","email":"` + testEmail + `","username":"` + sub + `"}`
			if strings.TrimSpace(res.body) != want {
				t.Errorf("body %s, want %s", res.body, want)
			}
		})
	}
}

// TestUserInfoAfterRefresh: access tokens from a refresh grant work at
// userInfo like the first one, and revoking the refresh token disables both.
func TestUserInfoAfterRefresh(t *testing.T) {
	pool := newTestPool(t, nil)
	first := pool.redeem(t, pool.signIn(t, newBrowser(t), authorizeQuery(testVerifier)))
	rt := first["refresh_token"].(string)
	pool.clock.Advance(30 * time.Minute)
	res := pool.tokenRequest(t, "/oauth2/token", testClientID, testSecret, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}})
	if res.status != http.StatusOK {
		t.Fatalf("refresh: %d %s", res.status, res.body)
	}
	var refreshed struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal([]byte(res.body), &refreshed); err != nil {
		t.Fatal(err)
	}
	tokens := map[string]string{"first": first["access_token"].(string), "refreshed": refreshed.AccessToken}
	for name, tok := range tokens {
		if got := getUserInfo(t, pool, tok); got.status != http.StatusOK {
			t.Errorf("%s access token: status %d, want 200", name, got.status)
		}
	}
	if res := pool.tokenRequest(t, "/oauth2/revoke", testClientID, testSecret, url.Values{"token": {rt}}); res.status != http.StatusOK {
		t.Fatalf("revoke: %d %s", res.status, res.body)
	}
	for name, tok := range tokens {
		if got := getUserInfo(t, pool, tok); got.status != http.StatusUnauthorized {
			t.Errorf("%s access token after revoke: status %d, want 401", name, got.status)
		}
	}
}
