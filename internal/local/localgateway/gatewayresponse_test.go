package localgateway

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// corsHeaders are what the template's GatewayResponses add with
// AllowedOrigins set.
var corsHeaders = map[string]string{
	"Access-Control-Allow-Origin":      "https://app.example.com",
	"Access-Control-Allow-Credentials": "true",
	"Vary":                             "Origin",
}

// idHeaders are on every answer, with values that change per request.
var idHeaders = []string{"X-Amzn-Requestid", "X-Amz-Apigw-Id", "X-Amzn-Trace-Id"}

// corsSetup is a gateway whose /hello wants an access token on GET, answers
// OPTIONS without an authorizer, and whose /public function answers 401
// itself; /fail's function fails.
type corsSetup struct {
	iss     *issuer
	clock   *testClock
	hello   *recorder
	preflit *recorder
	g       *Gateway
}

func newCORSSetup(t *testing.T, headers map[string]string) *corsSetup {
	t.Helper()
	s := &corsSetup{iss: newIssuer(t), clock: newClock(), hello: &recorder{}, preflit: &recorder{}}
	public := &recorder{resp: events.APIGatewayProxyResponse{
		StatusCode: 401,
		Headers:    map[string]string{"Content-Type": "application/json"},
		Body:       `{"error":"unauthorized"}`,
	}}
	s.preflit.resp = events.APIGatewayProxyResponse{
		StatusCode: 204,
		Headers: map[string]string{
			"Access-Control-Allow-Origin":  "https://other.example.com",
			"Access-Control-Allow-Methods": "GET",
			"Access-Control-Allow-Headers": "Authorization",
		},
	}
	fail := func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		return events.APIGatewayProxyResponse{}, errors.New("boom")
	}
	s.g = mustNew(t, Options{
		GatewayResponseHeaders: headers,
		Routes: []Route{
			{Method: "GET", Path: "/hello", Handler: s.hello.handle, Authorizer: &CognitoAuthorizer{
				Issuer: s.iss.URL(), Scopes: []string{apiScope}, Now: s.clock.Now,
			}},
			{Method: "OPTIONS", Path: "/hello", Handler: s.preflit.handle},
			{Method: "GET", Path: "/public", Handler: public.handle},
			{Method: "GET", Path: "/fail", Handler: fail},
		},
	})
	return s
}

func (s *corsSetup) do(t *testing.T, method, path, authorization string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(method, path, nil)
	r.Header.Set("Origin", "https://app.example.com")
	if authorization != "" {
		r.Header.Set("Authorization", authorization)
	}
	w := httptest.NewRecorder()
	s.g.ServeHTTP(w, r)
	return w
}

func (s *corsSetup) accessToken(t *testing.T) string {
	return sign(t, s.iss.signer, s.iss.accessClaims(s.clock.Now(), apiScope))
}

// headersWithoutIDs is h with the per-request id headers checked and
// removed.
func headersWithoutIDs(t *testing.T, h http.Header) map[string]string {
	t.Helper()
	out := map[string]string{}
	for k, vs := range h {
		out[k] = strings.Join(vs, "\n")
	}
	for _, k := range idHeaders {
		if out[k] == "" {
			t.Errorf("%s missing", k)
		}
		delete(out, k)
	}
	return out
}

func merge(maps ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range maps {
		for k, v := range m {
			out[http.CanonicalHeaderKey(k)] = v
		}
	}
	return out
}

func TestGatewayResponseHeaders(t *testing.T) {
	unauthorizedHeaders := map[string]string{
		"Content-Type":     "application/json",
		"X-Amzn-Errortype": "UnauthorizedException",
		"Cache-Control":    "no-store",
		"Www-Authenticate": "Bearer",
	}
	missingHeaders := map[string]string{
		"Content-Type":     "application/json",
		"X-Amzn-Errortype": "MissingAuthenticationTokenException",
	}
	for _, configured := range []bool{true, false} {
		name := "with GatewayResponseHeaders"
		var opt, added map[string]string
		if configured {
			opt, added = corsHeaders, corsHeaders
		} else {
			name = "without GatewayResponseHeaders"
		}
		t.Run(name, func(t *testing.T) {
			s := newCORSSetup(t, opt)
			expired := s.iss.accessClaims(s.clock.Now(), apiScope)
			expired["exp"] = s.clock.Now().Add(-time.Minute).Unix()
			tests := []struct {
				name                string
				method, path, token string
				wantStatus          int
				wantBody            string
				wantHeaders         map[string]string
			}{
				{"authorizer 401, no token", "GET", "/hello", "", 401, unauthorizedBody, merge(unauthorizedHeaders, added)},
				{"authorizer 401, bad token", "GET", "/hello", "Bearer a.b.c", 401, unauthorizedBody, merge(unauthorizedHeaders, added)},
				{"authorizer 401, expired token", "GET", "/hello", sign(t, s.iss.signer, expired), 401, expiredBody, merge(unauthorizedHeaders, added)},
				{"403 for an unknown path", "GET", "/nowhere", "", 403, missingToken, merge(missingHeaders, added)},
				{"403 for a method with no route", "POST", "/hello", "", 403, missingToken, merge(missingHeaders, added)},
				{"403 for OPTIONS with no route", "OPTIONS", "/public", "", 403, missingToken, merge(missingHeaders, added)},
				{"function's 200", "GET", "/hello", s.accessToken(t), 200, "ok", map[string]string{"Content-Type": "application/json"}},
				{"function's own 401", "GET", "/public", "", 401, `{"error":"unauthorized"}`, map[string]string{"Content-Type": "application/json"}},
				{"502 of a failing function", "GET", "/fail", "", 502, internalServerError, map[string]string{
					"Content-Type": "application/json", "X-Amzn-Errortype": "InternalServerErrorException",
				}},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					w := s.do(t, tt.method, tt.path, tt.token)
					if w.Code != tt.wantStatus {
						t.Errorf("status = %d, want %d", w.Code, tt.wantStatus)
					}
					if got := w.Body.String(); got != tt.wantBody {
						t.Errorf("body = %q, want %q", got, tt.wantBody)
					}
					if got := headersWithoutIDs(t, w.Header()); !reflect.DeepEqual(got, tt.wantHeaders) {
						t.Errorf("headers:\n got %v\nwant %v", sortedPairs(got), sortedPairs(tt.wantHeaders))
					}
				})
			}
		})
	}
}

func sortedPairs(m map[string]string) []string {
	var out []string
	for k, v := range m {
		out = append(out, k+": "+v)
	}
	sort.Strings(out)
	return out
}

func TestGatewayResponseHeadersOverrideTheGateways(t *testing.T) {
	s := newCORSSetup(t, map[string]string{"cache-control": "no-store, private", "x-extra": ""})
	w := s.do(t, "GET", "/hello", "")
	if got := w.Header().Values("Cache-Control"); !reflect.DeepEqual(got, []string{"no-store, private"}) {
		t.Errorf("Cache-Control = %q, want the configured value only", got)
	}
	if got, ok := w.Header()["X-Extra"]; !ok || !reflect.DeepEqual(got, []string{""}) {
		t.Errorf("X-Extra = %q (present %v), want an empty value", got, ok)
	}
}

func TestGatewayResponseHeadersAreValidated(t *testing.T) {
	rec := &recorder{}
	_, err := New(Options{
		Logger: discard,
		Routes: []Route{{Method: "GET", Path: "/x", Handler: rec.handle}},
		GatewayResponseHeaders: map[string]string{
			"Bad Name":          "x",
			"":                  "x",
			"X-Split":           "a\r\nInjected: 1",
			"Content-Length":    "1",
			"Transfer-Encoding": "chunked",
			"Vary":              "Origin",
		},
	})
	if err == nil {
		t.Fatal("New accepted invalid gateway response headers")
	}
	for _, want := range []string{`"Bad Name"`, `""`, `"X-Split"`, `"Content-Length"`, `"Transfer-Encoding"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %s", err, want)
		}
	}
	if strings.Contains(err.Error(), `"Vary"`) {
		t.Errorf("error %q rejects the valid Vary header", err)
	}
}

func TestOptionsRouteNeedsNoToken(t *testing.T) {
	s := newCORSSetup(t, corsHeaders)

	w := s.do(t, "OPTIONS", "/hello", "")
	if w.Code != 204 {
		t.Fatalf("OPTIONS /hello without a token: status = %d, want 204 from the function", w.Code)
	}
	ev := s.preflit.last(t)
	if ev.HTTPMethod != "OPTIONS" || ev.Resource != "/hello" {
		t.Errorf("event = %s %s, want OPTIONS /hello", ev.HTTPMethod, ev.Resource)
	}
	if ev.RequestContext.Authorizer != nil {
		t.Errorf("requestContext.authorizer = %v, want none", ev.RequestContext.Authorizer)
	}
	// The function's answer, untouched: its own origin, none of the
	// gateway response headers.
	want := map[string]string{
		"Access-Control-Allow-Origin":  "https://other.example.com",
		"Access-Control-Allow-Methods": "GET",
		"Access-Control-Allow-Headers": "Authorization",
		"Content-Type":                 "application/json",
	}
	if got := headersWithoutIDs(t, w.Header()); !reflect.DeepEqual(got, want) {
		t.Errorf("headers:\n got %v\nwant %v", sortedPairs(got), sortedPairs(want))
	}

	// A token on the preflight is neither needed nor checked.
	if w := s.do(t, "OPTIONS", "/hello", "garbage"); w.Code != 204 {
		t.Errorf("OPTIONS /hello with a garbage token: status = %d, want 204", w.Code)
	}

	if w := s.do(t, "GET", "/hello", ""); w.Code != 401 {
		t.Errorf("GET /hello without a token: status = %d, want 401", w.Code)
	}
	if s.hello.calls() != 0 {
		t.Errorf("GET handler called %d times without a token, want 0", s.hello.calls())
	}
	if w := s.do(t, "GET", "/hello", s.accessToken(t)); w.Code != 200 {
		t.Errorf("GET /hello with a token: status = %d, want 200", w.Code)
	}
}

func TestOptionsRouteWinsOverProtectedAny(t *testing.T) {
	iss, clock := newIssuer(t), newClock()
	anyRec, opts := &recorder{}, &recorder{}
	auth := &CognitoAuthorizer{Issuer: iss.URL(), Scopes: []string{apiScope}, Now: clock.Now}
	g := mustNew(t, Options{Routes: []Route{
		{Method: "ANY", Path: "/hello", Handler: anyRec.handle, Authorizer: auth},
		{Method: "OPTIONS", Path: "/hello", Handler: opts.handle},
		{Method: "ANY", Path: "/other", Handler: anyRec.handle, Authorizer: auth},
	}})
	if resp := serve(g, httptest.NewRequest("OPTIONS", "/hello", nil)); resp.StatusCode != 200 || opts.calls() != 1 {
		t.Errorf("OPTIONS /hello: status = %d, OPTIONS handler calls = %d; want 200 and 1", resp.StatusCode, opts.calls())
	}
	// Without an OPTIONS route, ANY (and its authorizer) applies, as in API
	// Gateway.
	if resp := serve(g, httptest.NewRequest("OPTIONS", "/other", nil)); resp.StatusCode != 401 {
		t.Errorf("OPTIONS /other: status = %d, want 401 from the ANY route's authorizer", resp.StatusCode)
	}
	if resp := serve(g, httptest.NewRequest("DELETE", "/hello", nil)); resp.StatusCode != 401 {
		t.Errorf("DELETE /hello: status = %d, want 401", resp.StatusCode)
	}
	if anyRec.calls() != 0 {
		t.Errorf("ANY handler called %d times, want 0", anyRec.calls())
	}
}
