package apigw

import (
	"encoding/base64"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/example/cognito-sam-go/internal/config"
)

// HeaderValues returns every value of the named header, case-insensitively.
// API Gateway's REST API keeps header names as the client sent them, and
// puts all values in multiValueHeaders and the last in headers.
func HeaderValues(req events.APIGatewayProxyRequest, name string) []string {
	var out []string
	for k, vs := range req.MultiValueHeaders {
		if strings.EqualFold(k, name) {
			out = append(out, vs...)
		}
	}
	if len(out) > 0 {
		return out
	}
	for k, v := range req.Headers {
		if strings.EqualFold(k, name) {
			out = append(out, v)
		}
	}
	return out
}

// HeaderValue returns the last value of the named header, or "".
func HeaderValue(req events.APIGatewayProxyRequest, name string) string {
	vs := HeaderValues(req, name)
	if len(vs) == 0 {
		return ""
	}
	return vs[len(vs)-1]
}

// Cookie returns the value of the first cookie called name in the request's
// Cookie headers, and whether there was one.
func Cookie(req events.APIGatewayProxyRequest, name string) (string, bool) {
	for _, c := range Cookies(req) {
		if c.Name == name {
			return c.Value, true
		}
	}
	return "", false
}

// Cookies returns every cookie of the request's Cookie headers, in order,
// skipping malformed pairs.
func Cookies(req events.APIGatewayProxyRequest) []*http.Cookie {
	var out []*http.Cookie
	for _, line := range HeaderValues(req, "Cookie") {
		cookies, err := http.ParseCookie(line)
		if err != nil {
			// One malformed pair makes ParseCookie reject the line; fall
			// back to the pairs that do parse.
			cookies = lenientCookies(line)
		}
		out = append(out, cookies...)
	}
	return out
}

func lenientCookies(line string) []*http.Cookie {
	var out []*http.Cookie
	for _, part := range strings.Split(line, ";") {
		if cs, err := http.ParseCookie(strings.TrimSpace(part)); err == nil {
			out = append(out, cs...)
		}
	}
	return out
}

// ErrRepeated is returned by QueryValue for a parameter given more than once.
var ErrRepeated = errors.New("parameter repeated")

// QueryValue returns the single value of a query parameter: "" when absent,
// ErrRepeated when it appears more than once (an ambiguity an attacker could
// use to make two components read different values).
func QueryValue(req events.APIGatewayProxyRequest, name string) (string, error) {
	if vs, ok := req.MultiValueQueryStringParameters[name]; ok {
		if len(vs) > 1 {
			return "", ErrRepeated
		}
		if len(vs) == 1 {
			return vs[0], nil
		}
		return "", nil
	}
	return req.QueryStringParameters[name], nil
}

// WantsHTML reports whether the client prefers HTML to JSON: true when the
// Accept header ranks text/html above application/json (a browser), false
// for */*, application/json or no Accept header (curl, scripts).
func WantsHTML(req events.APIGatewayProxyRequest) bool {
	accept := strings.Join(HeaderValues(req, "Accept"), ",")
	html, jsonQ := acceptQ(accept, "text", "html"), acceptQ(accept, "application", "json")
	return html > 0 && html > jsonQ
}

// acceptQ returns the quality the Accept header gives type/subtype: the most
// specific matching range wins (RFC 9110 §12.5.1). An explicit */* counts
// for both, so only an explicit text/html wins over JSON.
func acceptQ(accept, typ, sub string) float64 {
	best, bestSpec := 0.0, -1
	for _, part := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		t, s, _ := strings.Cut(mt, "/")
		spec := -1
		switch {
		case t == typ && s == sub:
			spec = 2
		case t == typ && s == "*":
			spec = 1
		case t == "*" && s == "*":
			spec = 0
		}
		if spec < 0 || spec < bestSpec {
			continue
		}
		q := 1.0
		if v, ok := params["q"]; ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil && f >= 0 && f <= 1 {
				q = f
			}
		}
		if spec > bestSpec || q > best {
			best, bestSpec = q, spec
		}
	}
	return best
}

// ErrNoRedirectURI means the callback URL cannot be derived from the
// request: it came through a custom domain, where REDIRECT_URI must be set.
var ErrNoRedirectURI = errors.New("cannot derive the callback URL from this request; set REDIRECT_URI")

// CallbackURL returns the redirect URI for this deployment, derived from the
// request as the contract says, or override when it is set:
//   - API Gateway's own host: https://<domainName>/<stage>/<path>
//   - a loopback Host (sam local, go run ./cmd/local): http://<Host>/<path>
//
// /login and /callback both call it, so Cognito sees byte-identical values.
// The Host header is trusted only on loopback, where requestContext has no
// API Gateway domain; on AWS the domain comes from requestContext, which
// the client cannot set.
func CallbackURL(req events.APIGatewayProxyRequest, override, path string) (string, error) {
	if override != "" {
		return override, nil
	}
	rc := req.RequestContext
	domain := strings.ToLower(rc.DomainName)
	if isExecuteAPIHost(domain) {
		if !isStage(rc.Stage) {
			return "", errors.New("request context has no valid stage")
		}
		return "https://" + domain + "/" + rc.Stage + "/" + path, nil
	}
	host := HeaderValue(req, "Host")
	hostname := host
	if h, _, err := net.SplitHostPort(host); err == nil {
		hostname = h
	}
	domainHost := domain
	if h, _, err := net.SplitHostPort(domain); err == nil {
		domainHost = h
	}
	if host != "" && config.IsLoopback(hostname) && (domainHost == "" || config.IsLoopback(domainHost)) && validHost(host) {
		return "http://" + host + "/" + path, nil
	}
	return "", ErrNoRedirectURI
}

// validHost rejects Host values with characters that do not belong in an
// authority (a header injection could otherwise shape the URL).
func validHost(h string) bool {
	for _, r := range h {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(".-:[]", r)) {
			return false
		}
	}
	return true
}

// SiblingURL replaces the last path segment of u (the callback URL) with
// name, e.g. .../Prod/callback -> .../Prod/hello.
func SiblingURL(u, name string) string {
	i := strings.LastIndex(u, "/")
	if i < 0 {
		return name
	}
	return u[:i+1] + name
}

// ErrCrossSite is returned by CheckSameOrigin for a browser request made
// from another site.
var ErrCrossSite = errors.New("cross-site request")

// CheckSameOrigin refuses a state-changing request that a browser sent from
// another site (a cross-site form post, CSRF). When the browser sends
// Sec-Fetch-Site (all current ones do; a page cannot forge it), it decides:
// only same-origin and none (typed, bookmarked) pass. Otherwise Origin, when
// present, must be ownOrigin (scheme://host[:port] of this deployment); an
// opaque "null" Origin is refused there. Requests with neither header come
// from non-browser clients, which cannot be made to act for a user.
//
// An Origin in allowed (ALLOWED_ORIGINS) is accepted whatever its
// Sec-Fetch-Site: those front ends are same-site with the API by
// configuration (a front end on another port of localhost, or
// app.example.com for api.example.com) and call it with credentials.
//
// Origin alone is not enough: on a page with Referrer-Policy: no-referrer,
// as this app's pages have, browsers send "Origin: null" even for a
// same-origin form post.
func CheckSameOrigin(req events.APIGatewayProxyRequest, ownOrigin string, allowed config.Origins) error {
	if origin := HeaderValue(req, "Origin"); origin != "" && allowed.Allows(origin) {
		return nil
	}
	switch site := HeaderValue(req, "Sec-Fetch-Site"); site {
	case "same-origin", "none":
		return nil
	case "":
	default:
		return fmt.Errorf("%w: Sec-Fetch-Site %.40q", ErrCrossSite, site)
	}
	if origin := HeaderValue(req, "Origin"); origin != "" && !strings.EqualFold(origin, ownOrigin) {
		return fmt.Errorf("%w: Origin %.100q is not %s", ErrCrossSite, origin, ownOrigin)
	}
	return nil
}

// MaxBodyBytes bounds the request bodies the handlers read.
const MaxBodyBytes = 16 << 10

// Body returns the request body, decoded when API Gateway base64-encoded
// it, and refuses bodies over MaxBodyBytes.
func Body(req events.APIGatewayProxyRequest) ([]byte, error) {
	if len(req.Body) > MaxBodyBytes*4/3+4 {
		return nil, fmt.Errorf("body over %d bytes", MaxBodyBytes)
	}
	b := []byte(req.Body)
	if req.IsBase64Encoded {
		var err error
		if b, err = base64.StdEncoding.DecodeString(req.Body); err != nil {
			return nil, errors.New("body is not valid base64")
		}
	}
	if len(b) > MaxBodyBytes {
		return nil, fmt.Errorf("body over %d bytes", MaxBodyBytes)
	}
	return b, nil
}
