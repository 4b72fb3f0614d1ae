package localgateway

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/example/cognito-sam-go/internal/cognito/cognitotest/tokensign"
)

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

// testClock is a settable clock, safe for concurrent use.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *testClock {
	return &testClock{t: time.Date(2026, time.June, 15, 4, 56, 21, 0, time.UTC)}
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// recorder is a handler that remembers the events it was called with.
type recorder struct {
	mu     sync.Mutex
	events []events.APIGatewayProxyRequest
	ctxs   []context.Context
	resp   events.APIGatewayProxyResponse
}

func (rec *recorder) handle(ctx context.Context, ev events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	rec.events = append(rec.events, ev)
	rec.ctxs = append(rec.ctxs, ctx)
	if rec.resp.StatusCode == 0 {
		return events.APIGatewayProxyResponse{StatusCode: 200, Body: "ok"}, nil
	}
	return rec.resp, nil
}

func (rec *recorder) calls() int {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return len(rec.events)
}

func (rec *recorder) last(t *testing.T) events.APIGatewayProxyRequest {
	t.Helper()
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.events) == 0 {
		t.Fatal("handler was not called")
	}
	return rec.events[len(rec.events)-1]
}

func mustNew(t *testing.T, opts Options) *Gateway {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = discard
	}
	g, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return g
}

// serve runs one request through g.
func serve(g http.Handler, r *http.Request) *http.Response {
	w := httptest.NewRecorder()
	g.ServeHTTP(w, r)
	return w.Result()
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// issuer is a fake Cognito user pool: it signs tokens and serves its key
// set, counting the fetches.
type issuer struct {
	srv    *httptest.Server
	signer *tokensign.Signer
	hits   atomic.Int64

	mu    sync.Mutex
	extra []*tokensign.Signer // further keys published, for rotation
	fail  bool
}

func newIssuer(t *testing.T) *issuer {
	t.Helper()
	s, err := tokensign.New()
	if err != nil {
		t.Fatal(err)
	}
	iss := &issuer{signer: s}
	iss.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/.well-known/jwks.json" {
			http.NotFound(w, r)
			return
		}
		iss.hits.Add(1)
		iss.mu.Lock()
		defer iss.mu.Unlock()
		if iss.fail {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		set := iss.signer.JWKS()
		for _, e := range iss.extra {
			set.Keys = append(set.Keys, e.JWKS().Keys...)
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(set)
	}))
	t.Cleanup(iss.srv.Close)
	return iss
}

func (iss *issuer) URL() string { return iss.srv.URL }

// accessClaims are the claims of a Cognito access token valid at now.
func (iss *issuer) accessClaims(now time.Time, scope string) map[string]any {
	return map[string]any{
		"sub":       "8f4e2d1c-0000-4000-8000-000000000001",
		"iss":       iss.URL(),
		"client_id": "localclient",
		"token_use": "access",
		"scope":     scope,
		"auth_time": now.Unix(),
		"exp":       now.Add(time.Hour).Unix(),
		"iat":       now.Unix(),
		"jti":       "jti-1",
		"username":  "demo",
	}
}

// idClaims are the claims of a Cognito ID token valid at now.
func (iss *issuer) idClaims(now time.Time) map[string]any {
	return map[string]any{
		"sub":              "8f4e2d1c-0000-4000-8000-000000000001",
		"iss":              iss.URL(),
		"aud":              "localclient",
		"token_use":        "id",
		"cognito:username": "demo",
		"email":            "demo@example.com",
		"email_verified":   true,
		"auth_time":        now.Unix(),
		"exp":              now.Add(time.Hour).Unix(),
		"iat":              now.Unix(),
	}
}

func sign(t *testing.T, s *tokensign.Signer, claims map[string]any) string {
	t.Helper()
	tok, err := s.Sign(claims)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}
