package signin

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
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

const ownOrigin = "https://" + apigwtest.Domain

type refreshHarness struct {
	cog *cognitotest.Server
	src *secrettest.Source
	log apigwtest.Log
	h   *Server
}

func newRefreshHarness(t *testing.T) *refreshHarness {
	h := &refreshHarness{cog: cognitotest.New(t)}
	h.src = &secrettest.Source{Cur: secret.Value{ClientID: "client-id", ClientSecret: "first-secret", CookieKey: "k0123456789abcdef0123456789abcdef"}}
	cfg := &config.Config{CognitoDomain: h.cog.URL, Issuer: h.cog.Issuer, SecretName: "s", Scopes: config.DefaultScopes}
	client := cognito.New(cognito.Options{Domain: cfg.CognitoDomain, Issuer: cfg.Issuer})
	h.h = New(Options{Config: cfg, Secrets: h.src, Cognito: client, Logger: h.log.Logger()})
	h.cog.HandleToken(h.cog.RefreshedTokens("client-id"))
	return h
}

func jsonBody(rt string) (string, http.Header) {
	b, _ := json.Marshal(map[string]string{"refresh_token": rt})
	return string(b), http.Header{"Content-Type": {"application/json"}}
}

func (h *refreshHarness) post(ctx context.Context, body string, hdr http.Header) events.APIGatewayProxyResponse {
	resp, err := h.h.Refresh(ctx, apigwtest.Post("/refresh", body, hdr))
	if err != nil {
		panic(err)
	}
	return resp
}

func TestRefreshJSON(t *testing.T) {
	h := newRefreshHarness(t)
	body, hdr := jsonBody("the-refresh-token")
	resp := h.post(context.Background(), body, hdr)
	if resp.StatusCode != 200 {
		t.Fatalf("status = %d, want 200; body %s", resp.StatusCode, resp.Body)
	}
	for k, want := range map[string]string{"Cache-Control": "no-store", "Pragma": "no-cache", "Referrer-Policy": "no-referrer", "Content-Type": "application/json"} {
		if got := resp.Headers[k]; got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	var got map[string]any
	_ = json.Unmarshal([]byte(resp.Body), &got)
	for _, k := range []string{"access_token", "id_token", "refresh_token", "token_type", "expires_in"} {
		if got[k] == nil || got[k] == "" {
			t.Errorf("response lacks %s: %s", k, resp.Body)
		}
	}
	if got["refresh_token"] != "the-refresh-token" {
		t.Errorf("refresh_token = %v, want the one sent (Cognito returned none)", got["refresh_token"])
	}
	reqs := h.cog.Requests()
	if len(reqs) != 1 {
		t.Fatalf("token requests = %d", len(reqs))
	}
	r := reqs[0]
	if r.Form.Get("grant_type") != "refresh_token" || r.Form.Get("refresh_token") != "the-refresh-token" {
		t.Errorf("form = %v", r.Form)
	}
	if !r.HasBasic || r.BasicUser != "client-id" || r.BasicPass != "first-secret" || r.Form.Get("client_secret") != "" {
		t.Errorf("client auth: want client_secret_basic only")
	}
	if strings.Contains(h.log.String(), "the-refresh-token") {
		t.Error("the refresh token was logged")
	}
}

func TestRefreshKeepsARotatedRefreshToken(t *testing.T) {
	h := newRefreshHarness(t)
	h.cog.HandleToken(func(w http.ResponseWriter, r *http.Request) {
		cognitotest.WriteJSON(w, 200, map[string]any{
			"id_token": h.cog.IDToken("client-id", "", nil), "access_token": h.cog.AccessToken("client-id", "openid", nil),
			"refresh_token": "rotated-refresh-token", "token_type": "Bearer", "expires_in": 3600,
		})
	})
	resp := h.post(context.Background(), "refresh_token=old", http.Header{"Content-Type": {"application/x-www-form-urlencoded"}})
	var got map[string]any
	_ = json.Unmarshal([]byte(resp.Body), &got)
	if resp.StatusCode != 200 || got["refresh_token"] != "rotated-refresh-token" {
		t.Errorf("status %d refresh_token %v, want 200 and the new token", resp.StatusCode, got["refresh_token"])
	}
}

// TestRefreshWithABodyTokenIsForScripts: a refresh token in the body gets
// JSON, even from a browser: no page is ever given a refresh token to hold.
func TestRefreshWithABodyTokenIsForScripts(t *testing.T) {
	h := newRefreshHarness(t)
	resp := h.post(context.Background(), "refresh_token=rt", http.Header{
		"Content-Type": {"application/x-www-form-urlencoded"}, "Accept": {"text/html"},
		"Origin": {ownOrigin}, "Sec-Fetch-Site": {"same-origin"},
	})
	var got map[string]any
	if err := json.Unmarshal([]byte(resp.Body), &got); resp.StatusCode != 200 || err != nil || got["refresh_token"] != "rt" {
		t.Fatalf("status %d, body %.300s", resp.StatusCode, resp.Body)
	}
	if ct := resp.Headers["Content-Type"]; ct != "application/json" || page.HasInlineScript(resp.Body) {
		t.Errorf("Content-Type = %q", ct)
	}
}

func TestRefreshFailures(t *testing.T) {
	hang := func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	}
	form := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	tests := []struct {
		name     string
		body     string
		header   http.Header
		handler  func(h *refreshHarness) http.HandlerFunc
		rotate   bool
		deadline time.Duration
		status   int
		code     string
		calls    int
	}{
		{"expired or revoked", "refresh_token=rt", form, func(h *refreshHarness) http.HandlerFunc { return cognitotest.OAuthError(400, "invalid_grant") }, false, 0, 401, "invalid_grant", 1},
		{"missing token, JSON", `{}`, http.Header{"Content-Type": {"application/json"}}, nil, false, 0, 400, "invalid_request", 0},
		{"missing token, empty body", ``, nil, nil, false, 0, 400, "invalid_request", 0},
		{"empty token", `refresh_token=`, form, nil, false, 0, 400, "invalid_request", 0},
		{"malformed JSON", `{"refresh_token":`, http.Header{"Content-Type": {"application/json"}}, nil, false, 0, 400, "invalid_request", 0},
		{"token not a string", `{"refresh_token":42}`, http.Header{"Content-Type": {"application/json"}}, nil, false, 0, 400, "invalid_request", 0},
		{"repeated token", `refresh_token=a&refresh_token=b`, form, nil, false, 0, 400, "invalid_request", 0},
		{"oversized token", "refresh_token=" + strings.Repeat("a", 9000), form, nil, false, 0, 400, "invalid_request", 0},
		{"oversized body", "refresh_token=a&x=" + strings.Repeat("a", 20000), form, nil, false, 0, 400, "invalid_request", 0},
		{"unsupported content type", `rt`, http.Header{"Content-Type": {"text/plain"}}, nil, false, 0, 400, "invalid_request", 0},
		{"cross-site form post", "refresh_token=rt", http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "Sec-Fetch-Site": {"cross-site"}}, nil, false, 0, 403, "cross_site_request", 0},
		{"foreign Origin", "refresh_token=rt", http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "Origin": {"https://evil.example.com"}}, nil, false, 0, 403, "cross_site_request", 0},
		{"null Origin", "refresh_token=rt", http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "Origin": {"null"}}, nil, false, 0, 403, "cross_site_request", 0},
		{"cognito 5xx", "refresh_token=rt", form, func(h *refreshHarness) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) { http.Error(w, "down", 500) }
		}, false, 0, 502, "bad_gateway", 1},
		{"cognito timeout", "refresh_token=rt", form, func(h *refreshHarness) http.HandlerFunc { return hang }, false, 700 * time.Millisecond, 504, "gateway_timeout", 1},
		{"bad ID token", "refresh_token=rt", form, func(h *refreshHarness) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				cognitotest.WriteJSON(w, 200, map[string]any{"id_token": h.cog.IDToken("other-client", "", nil), "access_token": "a", "token_type": "Bearer", "expires_in": 3600})
			}
		}, false, 0, 502, "invalid_token", 1},
		{"invalid_client, secret rotated", "refresh_token=rt", form, func(h *refreshHarness) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				if _, p, _ := r.BasicAuth(); p == "second-secret" {
					h.cog.RefreshedTokens("client-id")(w, r)
					return
				}
				cognitotest.OAuthError(400, "invalid_client")(w, r)
			}
		}, true, 0, 200, "", 2},
		{"invalid_client, secret unchanged", "refresh_token=rt", form, func(h *refreshHarness) http.HandlerFunc { return cognitotest.OAuthError(400, "invalid_client") }, false, 0, 502, "bad_gateway", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newRefreshHarness(t)
			if tt.handler != nil {
				h.cog.HandleToken(tt.handler(h))
			}
			if tt.rotate {
				h.src.Next = secret.Value{ClientID: "client-id", ClientSecret: "second-secret", CookieKey: h.src.Cur.CookieKey}
			}
			ctx := context.Background()
			if tt.deadline > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.deadline)
				defer cancel()
			}
			resp := h.post(ctx, tt.body, tt.header)
			if resp.StatusCode != tt.status {
				t.Errorf("status = %d, want %d; body %s", resp.StatusCode, tt.status, resp.Body)
			}
			var body map[string]string
			_ = json.Unmarshal([]byte(resp.Body), &body)
			if tt.code != "" && body["error"] != tt.code {
				t.Errorf("error = %q, want %q (%s)", body["error"], tt.code, resp.Body)
			}
			if tt.status == 401 && !strings.Contains(body["error_description"], "sign in again") {
				t.Errorf("401 does not tell the user to sign in again: %q", body["error_description"])
			}
			if n := len(h.cog.Requests()); n != tt.calls {
				t.Errorf("token requests = %d, want %d", n, tt.calls)
			}
			if resp.Headers["Location"] != "" {
				t.Errorf("a refresh failure redirects (%s): that is how loops start", resp.Headers["Location"])
			}
		})
	}
}

func TestRefreshSecretUnavailable(t *testing.T) {
	h := newRefreshHarness(t)
	h.src.Fail = true
	if resp := h.post(context.Background(), "refresh_token=rt", http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}); resp.StatusCode != 503 {
		t.Errorf("status = %d, want 503", resp.StatusCode)
	}
}

func TestRefreshBase64Body(t *testing.T) {
	h := newRefreshHarness(t)
	req := apigwtest.Post("/refresh", base64.StdEncoding.EncodeToString([]byte(`{"refresh_token":"b64-token"}`)), http.Header{"Content-Type": {"application/json"}})
	req.IsBase64Encoded = true
	resp, _ := h.h.Refresh(context.Background(), req)
	if resp.StatusCode != 200 || h.cog.Requests()[0].Form.Get("refresh_token") != "b64-token" {
		t.Errorf("status %d; a base64-encoded body must be decoded", resp.StatusCode)
	}
}

// TestRefreshBadRequestMessagesAreFixed: a refused body gets one of a few
// fixed sentences, never the parser's detail.
func TestRefreshBadRequestMessagesAreFixed(t *testing.T) {
	fixed := map[string]bool{
		sendRefreshToken: true,
		"The request body is malformed. " + sendRefreshToken:      true,
		"This Content-Type is not supported. " + sendRefreshToken: true,
	}
	form := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	for name, tt := range map[string]struct {
		body string
		hdr  http.Header
	}{
		"empty":          {"", nil},
		"repeated":       {"refresh_token=a&refresh_token=b", form},
		"oversized":      {"refresh_token=" + strings.Repeat("a", 9000), form},
		"control":        {"refresh_token=a%00", form},
		"bad JSON":       {`{"refresh_token":`, http.Header{"Content-Type": {"application/json"}}},
		"content type":   {"rt", http.Header{"Content-Type": {"text/x-made-up"}}},
		"no type":        {"rt", nil},
		"over the limit": {"refresh_token=a&x=" + strings.Repeat("a", 20000), form},
	} {
		t.Run(name, func(t *testing.T) {
			h := newRefreshHarness(t)
			resp := h.post(context.Background(), tt.body, tt.hdr)
			var body map[string]string
			_ = json.Unmarshal([]byte(resp.Body), &body)
			if resp.StatusCode != 400 || !fixed[body["error_description"]] {
				t.Errorf("%d %q: want 400 with a fixed message", resp.StatusCode, body["error_description"])
			}
			if strings.Contains(resp.Body, "made-up") {
				t.Errorf("the body echoes the request: %s", resp.Body)
			}
		})
	}
}
