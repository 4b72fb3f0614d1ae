package localgateway

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

func TestRequestConversion(t *testing.T) {
	tests := []struct {
		name  string
		route Route
		opts  Options
		req   func() *http.Request
		check func(t *testing.T, ev events.APIGatewayProxyRequest)
	}{
		{
			name:  "repeated headers keep the last value in headers and all in multiValueHeaders",
			route: Route{Method: "GET", Path: "/hello"},
			req: func() *http.Request {
				r := httptest.NewRequest("GET", "http://localhost:3000/hello", nil)
				r.Header.Add("X-Test", "first")
				r.Header.Add("X-Test", "second")
				r.Header.Set("Accept", "text/html, application/json")
				r.Header.Set("Connection", "keep-alive")
				return r
			},
			check: func(t *testing.T, ev events.APIGatewayProxyRequest) {
				if got, want := ev.Headers["X-Test"], "second"; got != want {
					t.Errorf("headers[X-Test] = %q, want %q", got, want)
				}
				if got, want := ev.MultiValueHeaders["X-Test"], []string{"first", "second"}; !reflect.DeepEqual(got, want) {
					t.Errorf("multiValueHeaders[X-Test] = %q, want %q", got, want)
				}
				if got, want := ev.MultiValueHeaders["Accept"], []string{"text/html, application/json"}; !reflect.DeepEqual(got, want) {
					t.Errorf("multiValueHeaders[Accept] = %q, want %q (one header line is one value)", got, want)
				}
				if got, want := ev.Headers["Host"], "localhost:3000"; got != want {
					t.Errorf("headers[Host] = %q, want %q", got, want)
				}
				if _, ok := ev.Headers["Connection"]; ok {
					t.Error("hop-by-hop header Connection was passed on")
				}
				for k, want := range map[string]string{"X-Forwarded-For": "192.0.2.1", "X-Forwarded-Proto": "http", "X-Forwarded-Port": "3000"} {
					if got := ev.Headers[k]; got != want {
						t.Errorf("headers[%s] = %q, want %q", k, got, want)
					}
				}
				if got := ev.Headers["X-Amzn-Trace-Id"]; !regexp.MustCompile(`^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$`).MatchString(got) {
					t.Errorf("headers[X-Amzn-Trace-Id] = %q, want Root=1-<time>-<id>", got)
				}
			},
		},
		{
			name:  "X-Forwarded-For gets the client address appended",
			route: Route{Method: "GET", Path: "/hello"},
			req: func() *http.Request {
				r := httptest.NewRequest("GET", "http://localhost/hello", nil)
				r.Header.Set("X-Forwarded-For", "203.0.113.9")
				r.Header.Set("X-Forwarded-Proto", "https")
				return r
			},
			check: func(t *testing.T, ev events.APIGatewayProxyRequest) {
				if got, want := ev.Headers["X-Forwarded-For"], "203.0.113.9, 192.0.2.1"; got != want {
					t.Errorf("headers[X-Forwarded-For] = %q, want %q", got, want)
				}
				if got, want := ev.Headers["X-Forwarded-Proto"], "http"; got != want {
					t.Errorf("headers[X-Forwarded-Proto] = %q, want %q (the gateway's own)", got, want)
				}
				if got, want := ev.RequestContext.Identity.SourceIP, "192.0.2.1"; got != want {
					t.Errorf("sourceIp = %q, want %q (never from X-Forwarded-For)", got, want)
				}
			},
		},
		{
			name:  "repeated and encoded query parameters",
			route: Route{Method: "GET", Path: "/callback"},
			req: func() *http.Request {
				return httptest.NewRequest("GET", "/callback?code=a%2Fb&state=1&state=2&q=x+y%20z&flag&plus=%2B;semi=1", nil)
			},
			check: func(t *testing.T, ev events.APIGatewayProxyRequest) {
				wantSingle := map[string]string{"code": "a/b", "state": "2", "q": "x y z", "flag": "", "plus": "+", "semi": "1"}
				if !reflect.DeepEqual(ev.QueryStringParameters, wantSingle) {
					t.Errorf("queryStringParameters = %q, want %q", ev.QueryStringParameters, wantSingle)
				}
				wantMulti := map[string][]string{"code": {"a/b"}, "state": {"1", "2"}, "q": {"x y z"}, "flag": {""}, "plus": {"+"}, "semi": {"1"}}
				if !reflect.DeepEqual(ev.MultiValueQueryStringParameters, wantMulti) {
					t.Errorf("multiValueQueryStringParameters = %q, want %q", ev.MultiValueQueryStringParameters, wantMulti)
				}
			},
		},
		{
			name:  "absent parts are null, as API Gateway sends them",
			route: Route{Method: "GET", Path: "/login"},
			req:   func() *http.Request { return httptest.NewRequest("GET", "/login", nil) },
			check: func(t *testing.T, ev events.APIGatewayProxyRequest) {
				if ev.QueryStringParameters != nil || ev.MultiValueQueryStringParameters != nil {
					t.Errorf("query maps = %v, %v, want nil", ev.QueryStringParameters, ev.MultiValueQueryStringParameters)
				}
				if ev.PathParameters != nil {
					t.Errorf("pathParameters = %v, want nil", ev.PathParameters)
				}
				if ev.StageVariables != nil {
					t.Errorf("stageVariables = %v, want nil", ev.StageVariables)
				}
				if ev.RequestContext.Authorizer != nil {
					t.Errorf("authorizer = %v, want nil on a route without authorizer", ev.RequestContext.Authorizer)
				}
				if ev.Body != "" || ev.IsBase64Encoded {
					t.Errorf("body = %q, isBase64Encoded = %v, want empty, false", ev.Body, ev.IsBase64Encoded)
				}
			},
		},
		{
			name:  "requestContext",
			route: Route{Method: "GET", Path: "/hello"},
			opts:  Options{Stage: "dev", APIID: "abc123defg", AccountID: "111122223333", StageVariables: map[string]string{"v": "1"}},
			req: func() *http.Request {
				r := httptest.NewRequest("GET", "http://api.example.com:8080/hello", nil)
				r.Header.Set("User-Agent", "test-agent/1.0")
				r.RemoteAddr = "[2001:db8::1]:55000"
				return r
			},
			check: func(t *testing.T, ev events.APIGatewayProxyRequest) {
				rc := ev.RequestContext
				for _, c := range []struct{ field, got, want string }{
					{"resource", ev.Resource, "/hello"},
					{"path", ev.Path, "/hello"},
					{"httpMethod", ev.HTTPMethod, "GET"},
					{"accountId", rc.AccountID, "111122223333"},
					{"apiId", rc.APIID, "abc123defg"},
					{"stage", rc.Stage, "dev"},
					{"domainName", rc.DomainName, "api.example.com:8080"},
					{"domainPrefix", rc.DomainPrefix, "api"},
					{"protocol", rc.Protocol, "HTTP/1.1"},
					{"resourcePath", rc.ResourcePath, "/hello"},
					{"requestContext.path", rc.Path, "/hello"},
					{"requestContext.httpMethod", rc.HTTPMethod, "GET"},
					{"identity.sourceIp", rc.Identity.SourceIP, "2001:db8::1"},
					{"identity.userAgent", rc.Identity.UserAgent, "test-agent/1.0"},
					{"requestTime", rc.RequestTime, "15/Jun/2026:04:56:21 +0000"},
				} {
					if c.got != c.want {
						t.Errorf("%s = %q, want %q", c.field, c.got, c.want)
					}
				}
				if got, want := rc.RequestTimeEpoch, newClock().Now().UnixMilli(); got != want {
					t.Errorf("requestTimeEpoch = %d, want %d", got, want)
				}
				if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(rc.RequestID) {
					t.Errorf("requestId = %q, want a UUID", rc.RequestID)
				}
				if !regexp.MustCompile(`^[A-Za-z0-9+/]{15}=$`).MatchString(rc.ExtendedRequestID) {
					t.Errorf("extendedRequestId = %q, want 16 base64 characters", rc.ExtendedRequestID)
				}
				if !regexp.MustCompile(`^[0-9a-z]{6}$`).MatchString(rc.ResourceID) {
					t.Errorf("resourceId = %q, want 6 characters", rc.ResourceID)
				}
				if got, want := ev.StageVariables, map[string]string{"v": "1"}; !reflect.DeepEqual(got, want) {
					t.Errorf("stageVariables = %v, want %v", got, want)
				}
			},
		},
		{
			name:  "path parameters, greedy one included",
			route: Route{Method: "GET", Path: "/items/{id}/files/{rest+}"},
			req:   func() *http.Request { return httptest.NewRequest("GET", "/items/42/files/a/b%20c.txt", nil) },
			check: func(t *testing.T, ev events.APIGatewayProxyRequest) {
				if got, want := ev.PathParameters, map[string]string{"id": "42", "rest": "a/b c.txt"}; !reflect.DeepEqual(got, want) {
					t.Errorf("pathParameters = %q, want %q", got, want)
				}
				if got, want := ev.Resource, "/items/{id}/files/{rest+}"; got != want {
					t.Errorf("resource = %q, want %q", got, want)
				}
				if got, want := ev.Path, "/items/42/files/a/b c.txt"; got != want {
					t.Errorf("path = %q, want %q", got, want)
				}
			},
		},
		{
			name:  "text body as it is",
			route: Route{Method: "POST", Path: "/refresh"},
			req: func() *http.Request {
				r := httptest.NewRequest("POST", "/refresh", strings.NewReader(`{"a":"é"}`))
				r.Header.Set("Content-Type", "application/json")
				return r
			},
			check: func(t *testing.T, ev events.APIGatewayProxyRequest) {
				if ev.Body != `{"a":"é"}` || ev.IsBase64Encoded {
					t.Errorf("body = %q, isBase64Encoded = %v, want the text, false", ev.Body, ev.IsBase64Encoded)
				}
			},
		},
		{
			name:  "non-UTF-8 body without binary media types is text with U+FFFD",
			route: Route{Method: "POST", Path: "/upload"},
			req: func() *http.Request {
				r := httptest.NewRequest("POST", "/upload", strings.NewReader("a\xffb"))
				r.Header.Set("Content-Type", "application/octet-stream")
				return r
			},
			check: func(t *testing.T, ev events.APIGatewayProxyRequest) {
				if ev.Body != "a\uFFFDb" || ev.IsBase64Encoded {
					t.Errorf("body = %q, isBase64Encoded = %v, want %q, false", ev.Body, ev.IsBase64Encoded, "a\uFFFDb")
				}
			},
		},
		{
			name:  "binary media type body is base64",
			route: Route{Method: "POST", Path: "/upload"},
			opts:  Options{BinaryMediaTypes: []string{"application/octet-stream"}},
			req: func() *http.Request {
				r := httptest.NewRequest("POST", "/upload", strings.NewReader("a\xffb"))
				r.Header.Set("Content-Type", "application/octet-stream")
				return r
			},
			check: func(t *testing.T, ev events.APIGatewayProxyRequest) {
				want := base64.StdEncoding.EncodeToString([]byte("a\xffb"))
				if ev.Body != want || !ev.IsBase64Encoded {
					t.Errorf("body = %q, isBase64Encoded = %v, want %q, true", ev.Body, ev.IsBase64Encoded, want)
				}
			},
		},
		{
			name:  "X-HTTP-Method-Override overrides the method",
			route: Route{Method: "DELETE", Path: "/session"},
			req: func() *http.Request {
				r := httptest.NewRequest("POST", "/session", nil)
				r.Header.Set("X-HTTP-Method-Override", "delete")
				return r
			},
			check: func(t *testing.T, ev events.APIGatewayProxyRequest) {
				if ev.HTTPMethod != "DELETE" || ev.RequestContext.HTTPMethod != "DELETE" {
					t.Errorf("httpMethod = %q / %q, want DELETE", ev.HTTPMethod, ev.RequestContext.HTTPMethod)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{}
			tt.route.Handler = rec.handle
			opts := tt.opts
			opts.Routes = []Route{tt.route}
			opts.Now = newClock().Now
			g := mustNew(t, opts)
			resp := serve(g, tt.req())
			if resp.StatusCode != 200 {
				t.Fatalf("status = %d, want 200; body %s", resp.StatusCode, readAll(t, resp))
			}
			tt.check(t, rec.last(t))
		})
	}
}

func TestRequestIDMatchesResponseHeaders(t *testing.T) {
	rec := &recorder{}
	g := mustNew(t, Options{Routes: []Route{{Method: "GET", Path: "/hello", Handler: rec.handle}}})
	resp := serve(g, httptest.NewRequest("GET", "/hello", nil))
	ev := rec.last(t)
	if got, want := resp.Header.Get("x-amzn-RequestId"), ev.RequestContext.RequestID; got != want {
		t.Errorf("x-amzn-RequestId = %q, want requestContext.requestId %q", got, want)
	}
	if got, want := resp.Header.Get("x-amz-apigw-id"), ev.RequestContext.ExtendedRequestID; got != want {
		t.Errorf("x-amz-apigw-id = %q, want extendedRequestId %q", got, want)
	}
	serve(g, httptest.NewRequest("GET", "/hello", nil))
	if second := rec.last(t); second.RequestContext.RequestID == ev.RequestContext.RequestID {
		t.Error("two requests got the same request id")
	}
}

func TestHandlerContext(t *testing.T) {
	rec := &recorder{}
	g := mustNew(t, Options{Routes: []Route{{Method: "GET", Path: "/hello", Handler: rec.handle, Timeout: 7 * time.Second}}})
	before := time.Now()
	serve(g, httptest.NewRequest("GET", "/hello", nil))
	rec.mu.Lock()
	ctx := rec.ctxs[0]
	rec.mu.Unlock()
	deadline, ok := ctx.Deadline()
	if !ok {
		t.Fatal("handler context has no deadline")
	}
	if d := deadline.Sub(before); d < 6*time.Second || d > 8*time.Second {
		t.Errorf("deadline in %v, want about the route's 7s timeout", d)
	}
	lc, ok := lambdacontext.FromContext(ctx)
	if !ok || lc.AwsRequestID == "" {
		t.Errorf("lambdacontext = %+v, %v, want one with an AwsRequestID", lc, ok)
	}
	if lc != nil && lc.AwsRequestID == rec.last(t).RequestContext.RequestID {
		t.Error("Lambda request id equals API Gateway's request id; they differ in AWS")
	}
}
