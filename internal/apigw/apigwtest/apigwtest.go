// Package apigwtest builds API Gateway events for handler tests, as API
// Gateway's REST proxy integration would deliver them, and records log
// output so tests can prove that nothing secret was written.
package apigwtest

import (
	"bytes"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/aws/aws-lambda-go/events"
	"github.com/example/cognito-sam-go/internal/apigw"
)

// Domain and Stage of the API Gateway deployment the events come from.
const (
	Domain = "abc123defg.execute-api.us-east-1.amazonaws.com"
	Stage  = "Prod"
)

// Request returns a GET event for path with query and headers (a header
// given twice keeps both values, as multiValueHeaders does). Host,
// X-Forwarded-Proto (https) and X-Forwarded-Port (443) are added as API
// Gateway adds them, unless headers set them.
func Request(path string, query url.Values, headers http.Header) events.APIGatewayProxyRequest {
	req := events.APIGatewayProxyRequest{
		Resource: path, Path: path, HTTPMethod: http.MethodGet,
		Headers: map[string]string{}, MultiValueHeaders: map[string][]string{},
		RequestContext: events.APIGatewayProxyRequestContext{
			Stage: Stage, DomainName: Domain, RequestID: "req-1", ResourcePath: path,
			HTTPMethod: http.MethodGet, Path: "/" + Stage + path,
		},
	}
	if len(query) > 0 {
		req.QueryStringParameters = map[string]string{}
		req.MultiValueQueryStringParameters = map[string][]string{}
		for k, vs := range query {
			req.QueryStringParameters[k] = vs[len(vs)-1]
			req.MultiValueQueryStringParameters[k] = vs
		}
	}
	for k, vs := range headers {
		req.Headers[k] = vs[len(vs)-1]
		req.MultiValueHeaders[k] = vs
	}
	for name, value := range map[string]string{"Host": Domain, "X-Forwarded-Proto": "https", "X-Forwarded-Port": "443"} {
		if len(apigw.HeaderValues(req, name)) == 0 {
			req.Headers[name] = value
			req.MultiValueHeaders[name] = []string{value}
		}
	}
	return req
}

// Local turns req into one sent over plain http to a loopback host (sam
// local, go run), whose emulators set X-Forwarded-Proto to http.
func Local(req events.APIGatewayProxyRequest, host string) events.APIGatewayProxyRequest {
	req.RequestContext.DomainName = host
	port := "80"
	if _, p, err := net.SplitHostPort(host); err == nil {
		port = p
	}
	for name, value := range map[string]string{"Host": host, "X-Forwarded-Proto": "http", "X-Forwarded-Port": port} {
		for k := range req.MultiValueHeaders {
			if strings.EqualFold(k, name) {
				delete(req.MultiValueHeaders, k)
			}
		}
		for k := range req.Headers {
			if strings.EqualFold(k, name) {
				delete(req.Headers, k)
			}
		}
		req.Headers[name] = value
		req.MultiValueHeaders[name] = []string{value}
	}
	return req
}

// Header returns a response header, looking in both maps as API Gateway does
// (multi-value wins).
func Header(resp events.APIGatewayProxyResponse, name string) []string {
	for k, vs := range resp.MultiValueHeaders {
		if strings.EqualFold(k, name) {
			return vs
		}
	}
	for k, v := range resp.Headers {
		if strings.EqualFold(k, name) {
			return []string{v}
		}
	}
	return nil
}

// SetCookies parses the response's Set-Cookie headers.
func SetCookies(resp events.APIGatewayProxyResponse) []*http.Cookie {
	var out []*http.Cookie
	for _, line := range Header(resp, "Set-Cookie") {
		if c, err := http.ParseSetCookie(line); err == nil {
			out = append(out, c)
		}
	}
	return out
}

// Log is a concurrency-safe buffer behind a JSON slog.Logger.
type Log struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *Log) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// String returns everything logged so far.
func (l *Log) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// Logger returns the production JSON logger writing to l.
func (l *Log) Logger() *slog.Logger { return apigw.NewLogger(l) }

// Post returns a POST event for path with body and headers.
func Post(path, body string, headers http.Header) events.APIGatewayProxyRequest {
	req := Request(path, nil, headers)
	req.HTTPMethod, req.RequestContext.HTTPMethod = http.MethodPost, http.MethodPost
	req.Body = body
	return req
}
