package localgateway

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/example/cognito-sam-go/internal/cognito/cognitotest/tokensign"
)

const (
	apiScope         = "hello-api/hello.read"
	unauthorizedBody = `{"error":"unauthorized","error_description":"Unauthorized"}`
	expiredBody      = `{"error":"unauthorized","error_description":"The incoming token has expired"}`
)

// authSetup is a gateway with two protected routes: /hello wants an access
// token with apiScope, /profile an ID token.
type authSetup struct {
	iss     *issuer
	clock   *testClock
	hello   *recorder
	profile *recorder
	g       *Gateway
}

func newAuthSetup(t *testing.T) *authSetup {
	t.Helper()
	s := &authSetup{iss: newIssuer(t), clock: newClock(), hello: &recorder{}, profile: &recorder{}}
	s.g = mustNew(t, Options{Routes: []Route{
		{Method: "GET", Path: "/hello", Handler: s.hello.handle, Authorizer: &CognitoAuthorizer{
			Issuer: s.iss.URL(), Scopes: []string{"other/scope", apiScope}, Now: s.clock.Now,
		}},
		{Method: "GET", Path: "/profile", Handler: s.profile.handle, Authorizer: &CognitoAuthorizer{
			Issuer: s.iss.URL(), Now: s.clock.Now,
		}},
	}})
	return s
}

func (s *authSetup) get(path, authorization string) *httptest.ResponseRecorder {
	r := httptest.NewRequest("GET", path, nil)
	if authorization != "" {
		r.Header.Set("Authorization", authorization)
	}
	w := httptest.NewRecorder()
	s.g.ServeHTTP(w, r)
	return w
}

func TestCognitoAuthorizer(t *testing.T) {
	s := newAuthSetup(t)
	now := s.clock.Now()
	access := s.iss.accessClaims(now, "openid "+apiScope)
	foreign, err := tokensign.New()
	if err != nil {
		t.Fatal(err)
	}
	otherKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	sameKidOtherKey, err := tokensign.NewWithKey(otherKey, s.iss.signer.KeyID())
	if err != nil {
		t.Fatal(err)
	}
	with := func(base map[string]any, k string, v any) map[string]any {
		c := map[string]any{}
		for bk, bv := range base {
			c[bk] = bv
		}
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
		return c
	}
	tok := func(signer *tokensign.Signer, claims map[string]any) string { return sign(t, signer, claims) }

	tests := []struct {
		name          string
		path          string
		authorization string
		wantStatus    int
		wantBody      string
	}{
		{"access token with the scope", "/hello", tok(s.iss.signer, access), 200, "ok"},
		{"Bearer prefix is accepted", "/hello", "Bearer " + tok(s.iss.signer, access), 200, "ok"},
		{"lower-case bearer prefix is accepted", "/hello", "bearer " + tok(s.iss.signer, access), 200, "ok"},
		{"ID token on a method without scopes", "/profile", tok(s.iss.signer, s.iss.idClaims(now)), 200, "ok"},
		{"missing header", "/hello", "", 401, unauthorizedBody},
		{"Bearer without a token", "/hello", "Bearer ", 401, unauthorizedBody},
		{"garbage", "/hello", "not-a-jwt", 401, unauthorizedBody},
		{"three parts of garbage", "/hello", "a.b.c", 401, unauthorizedBody},
		{"foreign key (unknown kid)", "/hello", tok(foreign, access), 401, unauthorizedBody},
		{"wrong signature with a known kid", "/hello", tok(sameKidOtherKey, access), 401, unauthorizedBody},
		{"wrong issuer", "/hello", tok(s.iss.signer, with(access, "iss", "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_other")), 401, unauthorizedBody},
		{"expired", "/hello", tok(s.iss.signer, with(access, "exp", now.Add(-time.Second).Unix())), 401, expiredBody},
		{"expiring this second", "/hello", tok(s.iss.signer, with(access, "exp", now.Unix())), 401, expiredBody},
		{"no exp", "/hello", tok(s.iss.signer, with(access, "exp", nil)), 401, unauthorizedBody},
		{"ID token where an access token is required", "/hello", tok(s.iss.signer, with(s.iss.idClaims(now), "scope", apiScope)), 401, unauthorizedBody},
		{"access token without any of the scopes", "/hello", tok(s.iss.signer, with(access, "scope", "openid email")), 401, unauthorizedBody},
		{"scope only as a prefix", "/hello", tok(s.iss.signer, with(access, "scope", apiScope+"x")), 401, unauthorizedBody},
		{"access token where an ID token is required", "/profile", tok(s.iss.signer, access), 401, unauthorizedBody},
		{"HS256 token", "/hello", hs256(t, access), 401, unauthorizedBody},
		{"unsigned token", "/hello", unsigned(t, access), 401, unauthorizedBody},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := s.hello.calls() + s.profile.calls()
			w := s.get(tt.path, tt.authorization)
			if w.Code != tt.wantStatus {
				t.Errorf("status = %d, want %d", w.Code, tt.wantStatus)
			}
			if got := w.Body.String(); got != tt.wantBody {
				t.Errorf("body = %q, want %q", got, tt.wantBody)
			}
			called := s.hello.calls()+s.profile.calls() > before
			if called != (tt.wantStatus == 200) {
				t.Errorf("handler called = %v, want %v", called, tt.wantStatus == 200)
			}
			if tt.wantStatus == 401 {
				if got, want := w.Header().Get("Content-Type"), "application/json"; got != want {
					t.Errorf("Content-Type = %q, want %q", got, want)
				}
				if got, want := w.Header().Get("X-Amzn-Errortype"), "UnauthorizedException"; got != want {
					t.Errorf("x-amzn-ErrorType = %q, want %q", got, want)
				}
			}
		})
	}
}

func hs256(t *testing.T, claims map[string]any) string {
	t.Helper()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: []byte("0123456789abcdef0123456789abcdef")},
		(&jose.SignerOptions{}).WithHeader("kid", "any"))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func unsigned(t *testing.T, claims map[string]any) string {
	t.Helper()
	payload, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(`{"alg":"none","kid":"k"}`)) + "." + enc.EncodeToString(payload) + "."
}

func TestClaimsAreStrings(t *testing.T) {
	s := newAuthSetup(t)
	now := s.clock.Now()
	claims := s.iss.accessClaims(now, "openid "+apiScope)
	claims["auth_time"] = int64(1781499381)
	claims["cognito:groups"] = []string{"admin", "staff"}
	claims["email_verified"] = true
	claims["custom:ratio"] = 1.5
	claims["identities"] = []map[string]any{{"providerName": "Google", "primary": "true"}}
	claims["nothing"] = nil
	w := s.get("/hello", sign(t, s.iss.signer, claims))
	if w.Code != 200 {
		t.Fatalf("status = %d, want 200; body %s", w.Code, w.Body)
	}
	ev := s.hello.last(t)
	got, ok := ev.RequestContext.Authorizer["claims"].(map[string]interface{})
	if !ok {
		t.Fatalf("authorizer = %#v, want a claims map", ev.RequestContext.Authorizer)
	}
	for k, v := range got {
		if _, ok := v.(string); !ok {
			t.Errorf("claim %s = %#v (%T), want a string", k, v, v)
		}
	}
	want := map[string]string{
		"sub":            "8f4e2d1c-0000-4000-8000-000000000001",
		"iss":            s.iss.URL(),
		"token_use":      "access",
		"scope":          "openid " + apiScope,
		"username":       "demo",
		"client_id":      "localclient",
		"jti":            "jti-1",
		"exp":            "Mon Jun 15 05:56:21 UTC 2026",
		"iat":            "Mon Jun 15 04:56:21 UTC 2026",
		"auth_time":      "1781499381",
		"cognito:groups": "admin,staff",
		"email_verified": "true",
		"custom:ratio":   "1.5",
		"identities":     `{"primary":"true","providerName":"Google"}`,
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("claims[%q] = %#v, want %q", k, got[k], w)
		}
	}
	if _, ok := got["nothing"]; ok {
		t.Error("null claim was passed on")
	}
	if len(got) != len(want) {
		t.Errorf("got %d claims, want %d: %v", len(got), len(want), got)
	}
}

func TestKeySetFetchedOnce(t *testing.T) {
	s := newAuthSetup(t)
	good := sign(t, s.iss.signer, s.iss.accessClaims(s.clock.Now(), apiScope))
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if w := s.get("/hello", good); w.Code != 200 {
				t.Errorf("status = %d, want 200", w.Code)
			}
		}()
	}
	wg.Wait()
	if got := s.iss.hits.Load(); got != 1 {
		t.Errorf("key set fetched %d times for 20 requests, want 1", got)
	}

	// A flood of tokens with unknown key ids does not refetch per request.
	forger, err := tokensign.New()
	if err != nil {
		t.Fatal(err)
	}
	forged := sign(t, forger, s.iss.accessClaims(s.clock.Now(), apiScope))
	for range 50 {
		if w := s.get("/hello", forged); w.Code != 401 {
			t.Fatalf("forged token: status = %d, want 401", w.Code)
		}
	}
	if got := s.iss.hits.Load(); got != 1 {
		t.Errorf("key set fetched %d times after 50 forged tokens within a minute, want 1", got)
	}

	// A rotated-in key is picked up once the minute has passed: one refetch.
	rotated, err := tokensign.New()
	if err != nil {
		t.Fatal(err)
	}
	s.iss.mu.Lock()
	s.iss.extra = append(s.iss.extra, rotated)
	s.iss.mu.Unlock()
	s.clock.Advance(59 * time.Second)
	newTok := sign(t, rotated, s.iss.accessClaims(s.clock.Now(), apiScope))
	if w := s.get("/hello", newTok); w.Code != 401 {
		t.Errorf("new key before the minute passed: status = %d, want 401", w.Code)
	}
	s.clock.Advance(2 * time.Second)
	if w := s.get("/hello", newTok); w.Code != 200 {
		t.Errorf("new key after the minute: status = %d, want 200", w.Code)
	}
	for range 10 {
		s.get("/hello", forged)
	}
	if got := s.iss.hits.Load(); got != 2 {
		t.Errorf("key set fetched %d times, want 2", got)
	}
	// Both routes share the issuer's key set.
	if w := s.get("/profile", sign(t, rotated, s.iss.idClaims(s.clock.Now()))); w.Code != 200 {
		t.Errorf("/profile: status = %d, want 200", w.Code)
	}
	if got := s.iss.hits.Load(); got != 2 {
		t.Errorf("key set fetched %d times after a second route, want 2", got)
	}
}

func TestKeySetUnavailable(t *testing.T) {
	s := newAuthSetup(t)
	s.iss.mu.Lock()
	s.iss.fail = true
	s.iss.mu.Unlock()
	good := sign(t, s.iss.signer, s.iss.accessClaims(s.clock.Now(), apiScope))
	for range 10 {
		w := s.get("/hello", good)
		if w.Code != 500 {
			t.Errorf("status = %d, want 500", w.Code)
		}
		if got, want := w.Body.String(), `{"message": null}`; got != want {
			t.Errorf("body = %q, want %q", got, want)
		}
	}
	if got := s.iss.hits.Load(); got != 1 {
		t.Errorf("key set fetched %d times while down, want 1 (then a 5s back-off)", got)
	}
	s.iss.mu.Lock()
	s.iss.fail = false
	s.iss.mu.Unlock()
	s.clock.Advance(5 * time.Second)
	if w := s.get("/hello", good); w.Code != 200 {
		t.Errorf("after recovery: status = %d, want 200", w.Code)
	}
	if s.hello.calls() != 1 {
		t.Errorf("handler called %d times, want 1", s.hello.calls())
	}
}
