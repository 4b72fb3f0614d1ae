package signin

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/example/cognito-sam-go/internal/apigw/apigwtest"
	"github.com/example/cognito-sam-go/internal/cognito"
	"github.com/example/cognito-sam-go/internal/cognito/cognitotest"
	"github.com/example/cognito-sam-go/internal/config"
	"github.com/example/cognito-sam-go/internal/page"
	"github.com/example/cognito-sam-go/internal/secret"
	"github.com/example/cognito-sam-go/internal/secret/secrettest"
)

type logoutHarness struct {
	cog *cognitotest.Server
	src *secrettest.Source
	log apigwtest.Log
	h   *Server
}

func newLogoutHarness(t *testing.T) *logoutHarness {
	h := &logoutHarness{cog: cognitotest.New(t)}
	h.src = &secrettest.Source{Cur: secret.Value{ClientID: "client-id", ClientSecret: "first-secret", CookieKey: "k0123456789abcdef0123456789abcdef"}}
	cfg := &config.Config{CognitoDomain: h.cog.URL, Issuer: h.cog.Issuer, SecretName: "s", Scopes: config.DefaultScopes}
	h.h = New(Options{Config: cfg, Secrets: h.src, Cognito: cognito.New(cognito.Options{Domain: cfg.CognitoDomain, Issuer: cfg.Issuer}), Logger: h.log.Logger()})
	return h
}

var form = http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}

func (h *logoutHarness) post(t *testing.T, body string, hdr http.Header) events.APIGatewayProxyResponse {
	t.Helper()
	resp, err := h.h.Logout(context.Background(), apigwtest.Post("/logout", body, hdr))
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// assertCognitoLogout checks the 303 to Cognito's /logout with the client id
// and the registered logout_uri.
func assertCognitoLogout(t *testing.T, h *logoutHarness, resp events.APIGatewayProxyResponse) {
	t.Helper()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("status = %d, want 303; body %s", resp.StatusCode, resp.Body)
	}
	loc, err := url.Parse(resp.Headers["Location"])
	if err != nil {
		t.Fatal(err)
	}
	if got, want := loc.Scheme+"://"+loc.Host+loc.Path, h.cog.URL+"/logout"; got != want {
		t.Errorf("redirect to %s, want %s", got, want)
	}
	q := loc.Query()
	if q.Get("client_id") != "client-id" || q.Get("logout_uri") != "https://"+apigwtest.Domain+"/Prod/signed-out" {
		t.Errorf("logout query = %v", q)
	}
	if resp.Headers["Cache-Control"] != "no-store" {
		t.Error("no Cache-Control: no-store")
	}
}

func TestLogoutRevokesThenEndsCognitoSession(t *testing.T) {
	h := newLogoutHarness(t)
	resp := h.post(t, "refresh_token=the-refresh-token", http.Header{
		"Content-Type": {"application/x-www-form-urlencoded"}, "Origin": {"https://" + apigwtest.Domain}, "Sec-Fetch-Site": {"same-origin"},
	})
	assertCognitoLogout(t, h, resp)
	revokes := h.cog.RevokeRequests()
	if len(revokes) != 1 {
		t.Fatalf("revoke requests = %d, want 1", len(revokes))
	}
	r := revokes[0]
	if r.Form.Get("token") != "the-refresh-token" || !r.HasBasic || r.BasicUser != "client-id" || r.BasicPass != "first-secret" {
		t.Errorf("revoke request: token %q basic %v %q", r.Form.Get("token"), r.HasBasic, r.BasicUser)
	}
	if strings.Contains(h.log.String(), "the-refresh-token") {
		t.Error("refresh token logged")
	}
}

func TestLogoutWithoutTokenEndsCognitoSessionOnly(t *testing.T) {
	for name, tc := range map[string]struct {
		body string
		hdr  http.Header
	}{
		"empty body":     {"", nil},
		"empty form":     {"", form},
		"JSON, no token": {"{}", http.Header{"Content-Type": {"application/json"}}},
		"unreadable":     {"garbage", http.Header{"Content-Type": {"text/plain"}}},
	} {
		t.Run(name, func(t *testing.T) {
			h := newLogoutHarness(t)
			assertCognitoLogout(t, h, h.post(t, tc.body, tc.hdr))
			if n := len(h.cog.RevokeRequests()); n != 0 {
				t.Errorf("revoke requests = %d, want 0", n)
			}
		})
	}
}

func TestLogoutWhenRevocationFails(t *testing.T) {
	tests := map[string]http.HandlerFunc{
		"5xx":            func(w http.ResponseWriter, r *http.Request) { http.Error(w, "down", 500) },
		"invalid_client": cognitotest.OAuthError(401, "invalid_client"),
		"timeout": func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(RevokeBudget + 5*time.Second):
			}
		},
	}
	for name, handler := range tests {
		t.Run(name, func(t *testing.T) {
			h := newLogoutHarness(t)
			h.cog.HandleRevoke(handler)
			start := time.Now()
			assertCognitoLogout(t, h, h.post(t, "refresh_token=rt", form))
			if d := time.Since(start); d > RevokeBudget+time.Second {
				t.Errorf("sign-out took %v, want at most the revoke budget %v", d, RevokeBudget)
			}
			if !strings.Contains(h.log.String(), "token revocation failed") {
				t.Errorf("the failure is not logged:\n%s", h.log.String())
			}
		})
	}
}

func TestLogoutRefusesCrossSitePosts(t *testing.T) {
	for name, hdr := range map[string]http.Header{
		"Sec-Fetch-Site cross-site": {"Content-Type": {"application/x-www-form-urlencoded"}, "Sec-Fetch-Site": {"cross-site"}},
		"Sec-Fetch-Site same-site":  {"Content-Type": {"application/x-www-form-urlencoded"}, "Sec-Fetch-Site": {"same-site"}},
		"foreign Origin":            {"Content-Type": {"application/x-www-form-urlencoded"}, "Origin": {"https://evil.example.com"}},
	} {
		t.Run(name, func(t *testing.T) {
			h := newLogoutHarness(t)
			resp := h.post(t, "refresh_token=rt", hdr)
			if resp.StatusCode != http.StatusForbidden || resp.Headers["Location"] != "" {
				t.Errorf("status %d location %q, want 403 and no redirect", resp.StatusCode, resp.Headers["Location"])
			}
			if n := len(h.cog.RevokeRequests()); n != 0 {
				t.Errorf("a cross-site post revoked a token (%d calls)", n)
			}
		})
	}
}

func TestLogoutSecretUnavailable(t *testing.T) {
	h := newLogoutHarness(t)
	h.src.Fail = true
	if resp := h.post(t, "refresh_token=rt", form); resp.StatusCode != 503 {
		t.Errorf("status = %d, want 503", resp.StatusCode)
	}
}

func TestLogoutLocalDerivesLoopbackSignedOutURL(t *testing.T) {
	h := newLogoutHarness(t)
	req := apigwtest.Local(apigwtest.Post("/logout", "", nil), "localhost:3000")
	resp, _ := h.h.Logout(context.Background(), req)
	loc, _ := url.Parse(resp.Headers["Location"])
	if got := loc.Query().Get("logout_uri"); got != "http://localhost:3000/signed-out" {
		t.Errorf("logout_uri = %q", got)
	}
}

func TestSignedOutPage(t *testing.T) {
	h := newLogoutHarness(t)
	req := apigwtest.Request("/signed-out", nil, http.Header{"Accept": {"text/html"}})
	resp, _ := h.h.SignedOut(context.Background(), req)
	if resp.StatusCode != 200 || !strings.Contains(resp.Body, "Signed out") || !strings.Contains(resp.Body, `href="login"`) {
		t.Errorf("signed-out page: %d %.200s", resp.StatusCode, resp.Body)
	}
	if page.HasInlineScript(resp.Body) || resp.Headers["Content-Security-Policy"] != page.CSP {
		t.Error("signed-out page has script or lacks the CSP")
	}
	req.Headers["Accept"], req.MultiValueHeaders["Accept"] = "application/json", []string{"application/json"}
	resp, _ = h.h.SignedOut(context.Background(), req)
	var body map[string]string
	if err := json.Unmarshal([]byte(resp.Body), &body); err != nil || body["message"] == "" {
		t.Errorf("JSON signed-out: %s", resp.Body)
	}
}

// TestLogoutReadsTheSecretOnce: the revocation and the Cognito /logout URL
// use the credentials of one read; after a rotation found by invalid_client,
// the URL still names the client the browser signed in with.
func TestLogoutReadsTheSecretOnce(t *testing.T) {
	h := newLogoutHarness(t)
	h.cog.HandleRevoke(func(w http.ResponseWriter, r *http.Request) {
		if _, p, _ := r.BasicAuth(); p == "second-secret" {
			w.WriteHeader(http.StatusOK)
			return
		}
		cognitotest.OAuthError(400, "invalid_client")(w, r)
	})
	h.src.Next = secret.Value{ClientID: "client-id", ClientSecret: "second-secret", CookieKey: h.src.Cur.CookieKey}
	resp := h.post(t, "refresh_token=rt", form)
	assertCognitoLogout(t, h, resp)
	if h.src.Gets != 1 || h.src.Refreshes != 1 || len(h.cog.RevokeRequests()) != 2 {
		t.Errorf("Get %d, Refresh %d, revocations %d; want 1, 1 and 2", h.src.Gets, h.src.Refreshes, len(h.cog.RevokeRequests()))
	}
}
