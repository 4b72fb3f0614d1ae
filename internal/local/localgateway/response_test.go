package localgateway

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

const (
	internalServerError = `{"message": "Internal server error"}`
	missingToken        = `{"message":"Missing Authentication Token"}`
)

func TestResponseConversion(t *testing.T) {
	png := []byte{0x89, 'P', 'N', 'G', 0, 0xff}
	tests := []struct {
		name        string
		binary      []string
		accept      string
		handler     HandlerFunc
		wantStatus  int
		wantHeaders map[string][]string // nil slice: header must be absent
		wantBody    string
	}{
		{
			name: "two Set-Cookie in multiValueHeaders both survive",
			handler: respond(events.APIGatewayProxyResponse{
				StatusCode:        302,
				Headers:           map[string]string{"Location": "https://example.com/"},
				MultiValueHeaders: map[string][]string{"Set-Cookie": {"a=1; Path=/", "b=2; Path=/"}},
			}),
			wantStatus:  302,
			wantHeaders: map[string][]string{"Set-Cookie": {"a=1; Path=/", "b=2; Path=/"}, "Location": {"https://example.com/"}},
		},
		{
			name: "a name in both maps keeps only the multiValueHeaders values",
			handler: respond(events.APIGatewayProxyResponse{
				StatusCode:        200,
				Headers:           map[string]string{"Set-Cookie": "single=1", "Cache-Control": "no-store"},
				MultiValueHeaders: map[string][]string{"set-cookie": {"m1=1", "m2=2"}},
				Body:              "{}",
			}),
			wantStatus:  200,
			wantHeaders: map[string][]string{"Set-Cookie": {"m1=1", "m2=2"}, "Cache-Control": {"no-store"}},
			wantBody:    "{}",
		},
		{
			name:        "Content-Type defaults to application/json",
			handler:     respond(events.APIGatewayProxyResponse{StatusCode: 200, Body: "hi"}),
			wantStatus:  200,
			wantHeaders: map[string][]string{"Content-Type": {"application/json"}},
			wantBody:    "hi",
		},
		{
			name: "the function's Content-Type is kept",
			handler: respond(events.APIGatewayProxyResponse{
				StatusCode: 200, Headers: map[string]string{"content-type": "text/html; charset=utf-8"}, Body: "<p>hi</p>",
			}),
			wantStatus:  200,
			wantHeaders: map[string][]string{"Content-Type": {"text/html; charset=utf-8"}},
			wantBody:    "<p>hi</p>",
		},
		{
			name: "WWW-Authenticate is remapped and Content-Length is the gateway's",
			handler: respond(events.APIGatewayProxyResponse{
				StatusCode: 401,
				Headers:    map[string]string{"WWW-Authenticate": `Bearer error="invalid_token"`, "Content-Length": "999"},
				Body:       "{}",
			}),
			wantStatus: 401,
			wantHeaders: map[string][]string{
				"Www-Authenticate":                 nil,
				"X-Amzn-Remapped-Www-Authenticate": {`Bearer error="invalid_token"`},
				"Content-Length":                   nil,
			},
			wantBody: "{}",
		},
		{
			name:   "base64 body is decoded when the Accept type is a binary media type",
			binary: []string{"image/png"},
			accept: "image/png,*/*;q=0.8",
			handler: respond(events.APIGatewayProxyResponse{
				StatusCode: 200, Headers: map[string]string{"Content-Type": "image/png"},
				Body: base64.StdEncoding.EncodeToString(png), IsBase64Encoded: true,
			}),
			wantStatus: 200,
			wantBody:   string(png),
		},
		{
			name:   "base64 body stays text without binary media types",
			accept: "image/png",
			handler: respond(events.APIGatewayProxyResponse{
				StatusCode: 200, Body: base64.StdEncoding.EncodeToString(png), IsBase64Encoded: true,
			}),
			wantStatus: 200,
			wantBody:   base64.StdEncoding.EncodeToString(png),
		},
		{
			name:   "base64 body stays text when only a later Accept type matches",
			binary: []string{"image/png"},
			accept: "text/html, image/png",
			handler: respond(events.APIGatewayProxyResponse{
				StatusCode: 200, Body: base64.StdEncoding.EncodeToString(png), IsBase64Encoded: true,
			}),
			wantStatus: 200,
			wantBody:   base64.StdEncoding.EncodeToString(png),
		},
		{
			name:   "invalid base64 is an API configuration error",
			binary: []string{"*/*"},
			accept: "*/*",
			handler: respond(events.APIGatewayProxyResponse{
				StatusCode: 200, Body: "not base64!", IsBase64Encoded: true,
			}),
			wantStatus: 500,
			wantBody:   internalServerError,
		},
		{
			name: "handler error is 502",
			handler: func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
				return events.APIGatewayProxyResponse{}, errors.New("boom")
			},
			wantStatus:  502,
			wantHeaders: map[string][]string{"Content-Type": {"application/json"}, "X-Amzn-Errortype": {"InternalServerErrorException"}},
			wantBody:    internalServerError,
		},
		{
			name: "panic is 502",
			handler: func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
				panic("boom")
			},
			wantStatus: 502,
			wantBody:   internalServerError,
		},
		{
			name:       "status 0 is a malformed response: 502",
			handler:    respond(events.APIGatewayProxyResponse{Body: "forgot the status"}),
			wantStatus: 502,
			wantBody:   internalServerError,
		},
		{
			name:       "status 600 is a malformed response: 502",
			handler:    respond(events.APIGatewayProxyResponse{StatusCode: 600}),
			wantStatus: 502,
			wantBody:   internalServerError,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := mustNew(t, Options{
				BinaryMediaTypes: tt.binary,
				Routes:           []Route{{Method: "GET", Path: "/x", Handler: tt.handler}},
			})
			r := httptest.NewRequest("GET", "/x", nil)
			if tt.accept != "" {
				r.Header.Set("Accept", tt.accept)
			}
			resp := serve(g, r)
			body := readAll(t, resp)
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("status = %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			if body != tt.wantBody {
				t.Errorf("body = %q, want %q", body, tt.wantBody)
			}
			for k, want := range tt.wantHeaders {
				if got := resp.Header.Values(k); !reflect.DeepEqual(got, want) && !(len(got) == 0 && len(want) == 0) {
					t.Errorf("header %s = %q, want %q", k, got, want)
				}
			}
			for _, k := range []string{"X-Amzn-Requestid", "X-Amz-Apigw-Id", "X-Amzn-Trace-Id"} {
				if resp.Header.Get(k) == "" {
					t.Errorf("header %s missing", k)
				}
			}
		})
	}
}

func respond(resp events.APIGatewayProxyResponse) HandlerFunc {
	return func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		return resp, nil
	}
}

func TestTimeouts(t *testing.T) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	slow := func(ctx context.Context, _ events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		select {
		case <-ctx.Done():
		case <-release:
		}
		return events.APIGatewayProxyResponse{StatusCode: 200}, nil
	}
	tests := []struct {
		name       string
		route      Route
		wantStatus int
		wantBody   string
	}{
		{
			name:       "function timeout first: Lambda's Task timed out is 502",
			route:      Route{Timeout: 50 * time.Millisecond},
			wantStatus: 502,
			wantBody:   internalServerError,
		},
		{
			name:       "integration timeout first: 504",
			route:      Route{Timeout: 10 * time.Second, IntegrationTimeout: 50 * time.Millisecond},
			wantStatus: 504,
			wantBody:   `{"message": "Endpoint request timed out"}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt := tt.route
			rt.Method, rt.Path, rt.Handler = "GET", "/slow", slow
			g := mustNew(t, Options{Routes: []Route{rt}})
			start := time.Now()
			resp := serve(g, httptest.NewRequest("GET", "/slow", nil))
			if elapsed := time.Since(start); elapsed > 5*time.Second {
				t.Errorf("answered after %v, want right after the timeout", elapsed)
			}
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("status = %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			if got := readAll(t, resp); got != tt.wantBody {
				t.Errorf("body = %q, want %q", got, tt.wantBody)
			}
		})
	}
}

func TestRouting(t *testing.T) {
	get, anyMethod, item, greedy := &recorder{}, &recorder{}, &recorder{}, &recorder{}
	g := mustNew(t, Options{Routes: []Route{
		{Method: "GET", Path: "/login", Handler: get.handle},
		{Method: "ANY", Path: "/login", Handler: anyMethod.handle},
		{Method: "GET", Path: "/items/{id}", Handler: item.handle},
		{Method: "GET", Path: "/items/{proxy+}", Handler: greedy.handle},
		{Method: "GET", Path: "/items/special", Handler: get.handle},
	}})
	tests := []struct {
		method, path string
		wantStatus   int
		wantBody     string
		wantHandler  *recorder
	}{
		{"GET", "/login", 200, "ok", get},
		{"POST", "/login", 200, "ok", anyMethod},
		{"GET", "/items/7", 200, "ok", item},
		{"GET", "/items/special", 200, "ok", get},
		{"GET", "/items/7/more", 200, "ok", greedy},
		{"GET", "/nowhere", 403, missingToken, nil},
		{"GET", "/", 403, missingToken, nil},
		{"GET", "/login/", 403, missingToken, nil},
		{"GET", "/items", 403, missingToken, nil},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			calls := map[*recorder]int{get: get.calls(), anyMethod: anyMethod.calls(), item: item.calls(), greedy: greedy.calls()}
			resp := serve(g, httptest.NewRequest(tt.method, tt.path, nil))
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("status = %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			if got := readAll(t, resp); got != tt.wantBody {
				t.Errorf("body = %q, want %q", got, tt.wantBody)
			}
			for rec, before := range calls {
				called := rec.calls() > before
				if called != (rec == tt.wantHandler) {
					t.Errorf("handler %p called = %v, want %v", rec, called, rec == tt.wantHandler)
				}
			}
		})
	}
}

func TestMissingMethodIs403(t *testing.T) {
	rec := &recorder{}
	g := mustNew(t, Options{Routes: []Route{{Method: "GET", Path: "/hello", Handler: rec.handle}}})
	for _, method := range []string{"POST", "HEAD", "OPTIONS", "DELETE"} {
		t.Run(method, func(t *testing.T) {
			resp := serve(g, httptest.NewRequest(method, "/hello", nil))
			if resp.StatusCode != 403 {
				t.Errorf("status = %d, want 403", resp.StatusCode)
			}
			if got, want := resp.Header.Get("X-Amzn-Errortype"), "MissingAuthenticationTokenException"; got != want {
				t.Errorf("x-amzn-ErrorType = %q, want %q", got, want)
			}
			if method != "HEAD" {
				if got := readAll(t, resp); got != missingToken {
					t.Errorf("body = %q, want %q", got, missingToken)
				}
			}
		})
	}
	if rec.calls() != 0 {
		t.Errorf("handler called %d times, want 0", rec.calls())
	}
}

func TestLimits(t *testing.T) {
	tests := []struct {
		name       string
		req        func() *http.Request
		wantStatus int
		wantBody   string
	}{
		{
			name: "header values at the 10,240-byte limit pass",
			req: func() *http.Request {
				r := httptest.NewRequest("POST", "http://h/x", nil)
				r.Host = "h"
				r.Header.Set("X-Big", strings.Repeat("a", maxHeaderValueBytes-len("h")))
				return r
			},
			wantStatus: 200,
			wantBody:   "ok",
		},
		{
			name: "header values over 10,240 bytes: 413",
			req: func() *http.Request {
				r := httptest.NewRequest("POST", "http://h/x", nil)
				r.Host = "h"
				r.Header.Set("Cookie", strings.Repeat("a", 6000))
				r.Header.Set("X-Big", strings.Repeat("b", 4240))
				return r
			},
			wantStatus: 413,
			wantBody:   `{"message":"Request Too Long"}`,
		},
		{
			name: "body over 10 MB: 413",
			req: func() *http.Request {
				return httptest.NewRequest("POST", "/x", strings.NewReader(strings.Repeat("a", maxBodyBytes+1)))
			},
			wantStatus: 413,
			wantBody:   "HTTP content length exceeded 10485760 bytes.",
		},
		{
			name: "body of exactly 10 MB passes",
			req: func() *http.Request {
				return httptest.NewRequest("POST", "/x", strings.NewReader(strings.Repeat("a", maxBodyBytes)))
			},
			wantStatus: 200,
			wantBody:   "ok",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{}
			g := mustNew(t, Options{Routes: []Route{{Method: "POST", Path: "/x", Handler: rec.handle}}})
			resp := serve(g, tt.req())
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("status = %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			if got := readAll(t, resp); got != tt.wantBody {
				t.Errorf("body = %.80q, want %q", got, tt.wantBody)
			}
			if called := rec.calls() > 0; called != (tt.wantStatus == 200) {
				t.Errorf("handler called = %v, want %v", called, tt.wantStatus == 200)
			}
		})
	}
}

func TestNewReportsEveryProblem(t *testing.T) {
	h := (&recorder{}).handle
	_, err := New(Options{
		Stage:            "bad stage",
		BinaryMediaTypes: []string{"png"},
		Routes: []Route{
			{Method: "FETCH", Path: "/a", Handler: h},
			{Method: "GET", Path: "b", Handler: h},
			{Method: "GET", Path: "/c"},
			{Method: "GET", Path: "/d", Handler: h, Timeout: -time.Second},
			{Method: "GET", Path: "/e", Handler: h, IntegrationTimeout: 30 * time.Second},
			{Method: "GET", Path: "/f", Handler: h, Authorizer: &CognitoAuthorizer{Issuer: "cognito"}},
			{Method: "GET", Path: "/g", Handler: h, Authorizer: &CognitoAuthorizer{Issuer: "https://i", Scopes: []string{"a b"}}},
			{Method: "GET", Path: "/{p+}/h", Handler: h},
			{Method: "GET", Path: "/ok", Handler: h},
			{Method: "get", Path: "/ok", Handler: h},
		},
	})
	if err == nil {
		t.Fatal("New succeeded, want an error")
	}
	for _, want := range []string{
		`stage "bad stage"`, `binary media type "png"`, `method "FETCH"`, `path "b"`, "no handler",
		"timeout -1s", "integration timeout 30s", `issuer "cognito"`, `scope "a b"`, "greedy", "duplicate",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if _, err := New(Options{}); err == nil || !strings.Contains(err.Error(), "no routes") {
		t.Errorf("New(no routes) error = %v, want no routes", err)
	}
}
