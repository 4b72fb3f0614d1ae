package apigw

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

func req(headers map[string][]string) events.APIGatewayProxyRequest {
	r := events.APIGatewayProxyRequest{Headers: map[string]string{}, MultiValueHeaders: headers}
	for k, vs := range headers {
		r.Headers[k] = vs[len(vs)-1]
	}
	return r
}

func TestWantsHTML(t *testing.T) {
	tests := []struct {
		accept string
		want   bool
	}{
		{"", false},
		{"*/*", false},
		{"application/json", false},
		{"text/html", true},
		{"text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8", true}, // Chrome
		{"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", true},            // Firefox
		{"application/json, text/html;q=0.5", false},
		{"text/html;q=0.2, application/json;q=0.1", true},
		{"text/*", true},
		{"text/html;q=0", false},
		{"garbage;;;", false},
	}
	for _, tt := range tests {
		r := req(map[string][]string{"accept": {tt.accept}})
		if got := WantsHTML(r); got != tt.want {
			t.Errorf("WantsHTML(Accept: %q) = %v, want %v", tt.accept, got, tt.want)
		}
	}
}

func TestCallbackURL(t *testing.T) {
	tests := []struct {
		name           string
		domain, stage  string
		host, override string
		want           string
		err            bool
	}{
		{"api gateway", "abc123defg.execute-api.eu-west-1.amazonaws.com", "Prod", "abc123defg.execute-api.eu-west-1.amazonaws.com", "", "https://abc123defg.execute-api.eu-west-1.amazonaws.com/Prod/callback", false},
		{"api gateway ignores Host", "abc123defg.execute-api.eu-west-1.amazonaws.com", "v1", "evil.example.com", "", "https://abc123defg.execute-api.eu-west-1.amazonaws.com/v1/callback", false},
		{"an API id of another length", "abc123.execute-api.us-east-1.amazonaws.com", "Prod", "", "", "https://abc123.execute-api.us-east-1.amazonaws.com/Prod/callback", false},
		{"china partition", "abc123defg.execute-api.cn-north-1.amazonaws.com.cn", "Prod", "", "", "https://abc123defg.execute-api.cn-north-1.amazonaws.com.cn/Prod/callback", false},
		{"sam local", "localhost", "Prod", "127.0.0.1:3000", "", "http://127.0.0.1:3000/callback", false},
		{"no domain, loopback host", "", "", "localhost:3000", "", "http://localhost:3000/callback", false},
		{"ipv6 loopback", "", "", "[::1]:3000", "", "http://[::1]:3000/callback", false},
		{"spoofed loopback Host on a custom domain", "auth.example.com", "Prod", "localhost", "", "", true},
		{"public Host", "", "", "evil.example.com", "", "", true},
		{"host with junk", "", "", "localhost:3000/evil?", "", "", true},
		{"bad stage", "abc123defg.execute-api.eu-west-1.amazonaws.com", "a/b", "", "", "", true},
		{"override wins", "abc123defg.execute-api.eu-west-1.amazonaws.com", "Prod", "", "https://auth.example.com/callback", "https://auth.example.com/callback", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := req(map[string][]string{"Host": {tt.host}})
			r.RequestContext.DomainName, r.RequestContext.Stage = tt.domain, tt.stage
			got, err := CallbackURL(r, tt.override, "callback")
			if tt.err {
				if err == nil {
					t.Errorf("CallbackURL = %q, want an error", got)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("CallbackURL = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestCookieAndHeaders(t *testing.T) {
	r := req(map[string][]string{"cookie": {"a=1; bad cookie; __Host-login=v1", "b=2"}, "X-Thing": {"first", "last"}})
	if v, ok := Cookie(r, "__Host-login"); !ok || v != "v1" {
		t.Errorf("Cookie = %q, %v; want v1 despite a malformed pair", v, ok)
	}
	if v, ok := Cookie(r, "b"); !ok || v != "2" {
		t.Errorf("Cookie from a second header = %q, %v", v, ok)
	}
	if _, ok := Cookie(r, "missing"); ok {
		t.Error("found a missing cookie")
	}
	if got := HeaderValue(r, "x-thing"); got != "last" {
		t.Errorf("HeaderValue = %q, want last", got)
	}
	headersOnly := events.APIGatewayProxyRequest{Headers: map[string]string{"Accept": "text/html"}}
	if !WantsHTML(headersOnly) {
		t.Error("single-value headers map not read")
	}
}

func TestQueryValue(t *testing.T) {
	r := events.APIGatewayProxyRequest{
		QueryStringParameters:           map[string]string{"a": "2", "b": "x"},
		MultiValueQueryStringParameters: map[string][]string{"a": {"1", "2"}, "b": {"x"}},
	}
	if _, err := QueryValue(r, "a"); !errors.Is(err, ErrRepeated) {
		t.Errorf("repeated parameter: err = %v, want ErrRepeated", err)
	}
	if v, err := QueryValue(r, "b"); v != "x" || err != nil {
		t.Errorf("QueryValue(b) = %q, %v", v, err)
	}
	if v, err := QueryValue(r, "c"); v != "" || err != nil {
		t.Errorf("QueryValue(c) = %q, %v", v, err)
	}
}

func TestStatusMapping(t *testing.T) {
	for kind, want := range map[Kind]int{
		KindBadRequest: 400, KindUnauthorized: 401, KindForbidden: 403, KindInternal: 500,
		KindUpstream: 502, KindUnavailable: 503, KindTimeout: 504,
	} {
		if got := Status(kind); got != want {
			t.Errorf("Status(%d) = %d, want %d", kind, got, want)
		}
	}
}

func TestErrorResponseHidesDetail(t *testing.T) {
	var logBuf strings.Builder
	log := NewLogger(&logBuf)
	r := req(map[string][]string{"Accept": {"application/json"}})
	resp := ErrorResponse(context.Background(), log, r, errors.New("dial tcp 10.0.0.1: secret-detail"), nil,
		Header{"Set-Cookie", "a=; Max-Age=0"})
	if resp.StatusCode != http.StatusInternalServerError {
		t.Errorf("status = %d, want 500 for an unclassified error", resp.StatusCode)
	}
	if strings.Contains(resp.Body, "secret-detail") {
		t.Errorf("body leaks detail: %s", resp.Body)
	}
	var body map[string]string
	if err := json.Unmarshal([]byte(resp.Body), &body); err != nil || body["error"] != "server_error" || body["error_description"] == "" {
		t.Errorf("body = %s, want {error, error_description}", resp.Body)
	}
	if !strings.Contains(logBuf.String(), "secret-detail") {
		t.Error("detail not logged")
	}
	if got := resp.MultiValueHeaders["Set-Cookie"]; len(got) != 1 {
		t.Errorf("extra header lost: %v", resp.MultiValueHeaders)
	}
}

func TestAddHeaderKeepsSeveralCookies(t *testing.T) {
	resp := JSON(200, map[string]string{})
	AddHeader(&resp, "Set-Cookie", "a=1")
	AddHeader(&resp, "Set-Cookie", "b=2")
	if got := resp.MultiValueHeaders["Set-Cookie"]; len(got) != 2 {
		t.Errorf("Set-Cookie = %v, want two values in multiValueHeaders", got)
	}
	if _, single := resp.Headers["Set-Cookie"]; single {
		t.Error("Set-Cookie also in headers")
	}
}

func FuzzCookieAndAccept(f *testing.F) {
	f.Add("__Host-login=abc; x=1", "text/html")
	f.Add(";;;=", "*/*;q=foo")
	f.Add("\x00", "text/html;q=2")
	f.Fuzz(func(t *testing.T, cookie, accept string) {
		r := req(map[string][]string{"Cookie": {cookie}, "Accept": {accept}})
		Cookie(r, "__Host-login")
		WantsHTML(r)
	})
}

func TestCheckSameOrigin(t *testing.T) {
	const own = "https://abc123defg.execute-api.us-east-1.amazonaws.com"
	tests := []struct {
		name    string
		headers map[string][]string
		ok      bool
	}{
		{"no browser headers (curl)", nil, true},
		{"same-origin form post", map[string][]string{"Sec-Fetch-Site": {"same-origin"}, "Origin": {own}}, true},
		{"same-origin post from a no-referrer page", map[string][]string{"Sec-Fetch-Site": {"same-origin"}, "Origin": {"null"}}, true},
		{"typed by the user", map[string][]string{"Sec-Fetch-Site": {"none"}}, true},
		{"cross-site", map[string][]string{"Sec-Fetch-Site": {"cross-site"}, "Origin": {"https://evil.example.com"}}, false},
		{"same-site sibling", map[string][]string{"Sec-Fetch-Site": {"same-site"}}, false},
		{"cross-site claiming our Origin", map[string][]string{"Sec-Fetch-Site": {"cross-site"}, "Origin": {own}}, false},
		{"old browser, our Origin", map[string][]string{"Origin": {own}}, true},
		{"old browser, foreign Origin", map[string][]string{"Origin": {"https://evil.example.com"}}, false},
		{"old browser, null Origin", map[string][]string{"Origin": {"null"}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckSameOrigin(req(tt.headers), own, nil)
			if (err == nil) != tt.ok {
				t.Errorf("CheckSameOrigin = %v, want ok %v", err, tt.ok)
			}
			if err != nil && !errors.Is(err, ErrCrossSite) {
				t.Errorf("error %v does not wrap ErrCrossSite", err)
			}
		})
	}
}
