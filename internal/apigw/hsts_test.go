package apigw

import (
	"context"
	"errors"
	"io"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/example/cognito-sam-go/internal/config"
)

const apiDomain = "abc123defg.execute-api.eu-west-1.amazonaws.com"

// event is a request to domain (requestContext.domainName) with headers.
func event(domain string, headers map[string][]string) events.APIGatewayProxyRequest {
	r := req(headers)
	r.RequestContext.DomainName = domain
	return r
}

func TestIsHTTPS(t *testing.T) {
	tests := []struct {
		name    string
		domain  string
		headers map[string][]string
		want    bool
	}{
		{"api gateway", apiDomain, map[string][]string{"Host": {apiDomain}, "X-Forwarded-Proto": {"https"}, "X-Forwarded-Port": {"443"}}, true},
		{"custom domain", "api.example.com", map[string][]string{"Host": {"api.example.com"}, "X-Forwarded-Proto": {"https"}}, true},
		{"header name in lower case", apiDomain, map[string][]string{"x-forwarded-proto": {"HTTPS"}}, true},
		{"api gateway without the header (console test event)", apiDomain, nil, true},
		{"custom domain without the header", "api.example.com", nil, false},
		{"direct invocation", "", nil, false},
		{"client claims http through api gateway", apiDomain, map[string][]string{"X-Forwarded-Proto": {"http"}}, false},
		{"nearest proxy's entry counts", apiDomain, map[string][]string{"X-Forwarded-Proto": {"http, https"}}, true},
		{"nearest proxy's entry counts (http last)", apiDomain, map[string][]string{"X-Forwarded-Proto": {"https, http"}}, false},
		{"sam local", "localhost", map[string][]string{"Host": {"127.0.0.1:3000"}, "X-Forwarded-Proto": {"http"}}, false},
		{"go run ./cmd/local", "localhost:3000", map[string][]string{"Host": {"localhost:3000"}, "X-Forwarded-Proto": {"http"}}, false},
		{"forged https on loopback", "127.0.0.1:3000", map[string][]string{"Host": {"127.0.0.1:3000"}, "X-Forwarded-Proto": {"https"}}, false},
		{"forged https on ipv6 loopback", "[::1]:3000", map[string][]string{"X-Forwarded-Proto": {"https"}}, false},
		{"no domain, loopback Host, forged https", "", map[string][]string{"Host": {"localhost:3000"}, "X-Forwarded-Proto": {"https"}}, false},
		{"local gateway, forged public Host", "evil.example.com", map[string][]string{"Host": {"evil.example.com"}, "X-Forwarded-Proto": {"http"}}, false},
		{"spoofed loopback Host on api gateway", apiDomain, map[string][]string{"Host": {"localhost"}, "X-Forwarded-Proto": {"https"}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsHTTPS(event(tt.domain, tt.headers)); got != tt.want {
				t.Errorf("IsHTTPS = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestSecure(t *testing.T) {
	if HSTS != "max-age=63072000; includeSubDomains" {
		t.Errorf("HSTS = %q, want two years with includeSubDomains and no preload", HSTS)
	}
	https := event(apiDomain, map[string][]string{"X-Forwarded-Proto": {"https"}, "Accept": {"text/html"}})
	local := event("localhost:3000", map[string][]string{"Host": {"localhost:3000"}, "X-Forwarded-Proto": {"http"}, "Accept": {"text/html"}})
	forged := event("localhost:3000", map[string][]string{"Host": {"localhost:3000"}, "X-Forwarded-Proto": {"https"}})
	errPage := func(int, *Error) (string, string) { return "<p>error</p>", "default-src 'none'" }
	answers := map[string]func(events.APIGatewayProxyRequest) events.APIGatewayProxyResponse{
		"json": func(events.APIGatewayProxyRequest) events.APIGatewayProxyResponse {
			return JSON(200, map[string]string{})
		},
		"html": func(events.APIGatewayProxyRequest) events.APIGatewayProxyResponse {
			return HTML(200, "<p>hi</p>", "default-src 'none'")
		},
		"redirect": func(events.APIGatewayProxyRequest) events.APIGatewayProxyResponse {
			return Redirect("https://example.com/")
		},
		"error": func(r events.APIGatewayProxyRequest) events.APIGatewayProxyResponse {
			return ErrorResponse(context.Background(), NewLogger(io.Discard), r, errors.New("boom"), errPage)
		},
	}
	for name, answer := range answers {
		t.Run(name, func(t *testing.T) {
			resp := answer(https)
			Secure(https, &resp)
			if got := resp.Headers["Strict-Transport-Security"]; got != HSTS {
				t.Errorf("https answer: Strict-Transport-Security = %q, want %q", got, HSTS)
			}
			Secure(https, &resp) // twice is harmless
			if got := resp.Headers["Strict-Transport-Security"]; got != HSTS || len(resp.MultiValueHeaders["Strict-Transport-Security"]) != 0 {
				t.Errorf("second call: %q %v", got, resp.MultiValueHeaders)
			}
			for what, r := range map[string]events.APIGatewayProxyRequest{"loopback http": local, "loopback with a forged X-Forwarded-Proto": forged} {
				resp := answer(r)
				Secure(r, &resp)
				if got, ok := resp.Headers["Strict-Transport-Security"]; ok {
					t.Errorf("%s: Strict-Transport-Security = %q, want none", what, got)
				}
			}
		})
	}
}

func TestPreflightIsSecure(t *testing.T) {
	allowed := config.Origins{"https://app.example.com"}
	for _, origin := range []string{"https://app.example.com", "https://evil.example.com"} {
		r := event(apiDomain, map[string][]string{"Origin": {origin}, "X-Forwarded-Proto": {"https"}})
		resp := Preflight(r, allowed, []string{"POST", "OPTIONS"}, []string{"Content-Type"})
		if got := resp.Headers["Strict-Transport-Security"]; got != HSTS {
			t.Errorf("preflight from %s (%d): Strict-Transport-Security = %q, want %q", origin, resp.StatusCode, got, HSTS)
		}
		local := event("localhost:3000", map[string][]string{"Origin": {origin}, "Host": {"localhost:3000"}, "X-Forwarded-Proto": {"http"}})
		if got, ok := Preflight(local, allowed, []string{"POST"}, nil).Headers["Strict-Transport-Security"]; ok {
			t.Errorf("local preflight from %s: Strict-Transport-Security = %q, want none", origin, got)
		}
	}
}
