package localgateway

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// requestIDs are the identifiers API Gateway gives one request.
type requestIDs struct {
	request  string    // requestContext.requestId and x-amzn-RequestId: a UUID
	extended string    // requestContext.extendedRequestId and x-amz-apigw-id
	trace    string    // X-Amzn-Trace-Id
	time     time.Time // requestTime
}

func newRequestIDs(now time.Time) requestIDs {
	ext := make([]byte, 11)
	rand.Read(ext)
	tr := make([]byte, 12)
	rand.Read(tr)
	return requestIDs{
		request:  newUUID(),
		extended: base64.StdEncoding.EncodeToString(ext),
		trace:    fmt.Sprintf("Root=1-%08x-%s", now.Unix(), hex.EncodeToString(tr)),
		time:     now,
	}
}

// newUUID returns a random (version 4) UUID.
func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// hopByHop are connection-level headers, which a gateway consumes and does
// not pass on (RFC 9110, section 7.6.1).
var hopByHop = map[string]bool{
	"Connection":          true,
	"Keep-Alive":          true,
	"Proxy-Connection":    true,
	"Proxy-Authenticate":  true,
	"Proxy-Authorization": true,
	"Te":                  true,
	"Trailer":             true,
	"Transfer-Encoding":   true,
	"Upgrade":             true,
}

// buildEvent converts the HTTP request into the proxy event, then passes it
// through JSON as the Lambda runtime does, so the handler sees exactly what
// it would decode in AWS: null maps as nil, a missing body as "", invalid
// UTF-8 replaced by U+FFFD.
func (g *Gateway) buildEvent(r *http.Request, rt *route, method string, params map[string]string, body []byte, authorizer map[string]interface{}, ids requestIDs) (events.APIGatewayProxyRequest, error) {
	sourceIP := remoteIP(r)
	multi := make(map[string][]string, len(r.Header)+5)
	for k, vs := range r.Header {
		if hopByHop[k] || len(vs) == 0 {
			continue
		}
		multi[k] = append([]string(nil), vs...)
	}
	multi["Host"] = []string{r.Host}
	// API Gateway appends the client's address to X-Forwarded-For and sets
	// the protocol and port it was reached on, and a trace id.
	if xff := multi["X-Forwarded-For"]; len(xff) > 0 {
		multi["X-Forwarded-For"] = []string{strings.Join(xff, ", ") + ", " + sourceIP}
	} else {
		multi["X-Forwarded-For"] = []string{sourceIP}
	}
	proto, port := "http", localPort(r, "80")
	if r.TLS != nil {
		proto, port = "https", localPort(r, "443")
	}
	multi["X-Forwarded-Proto"] = []string{proto}
	multi["X-Forwarded-Port"] = []string{port}
	multi["X-Amzn-Trace-Id"] = []string{ids.trace}
	single := make(map[string]string, len(multi))
	for k, vs := range multi {
		single[k] = vs[len(vs)-1]
	}

	query, multiQuery := parseQuery(r.URL.RawQuery)

	ev := events.APIGatewayProxyRequest{
		Resource:                        rt.Path,
		Path:                            r.URL.Path,
		HTTPMethod:                      method,
		Headers:                         single,
		MultiValueHeaders:               multi,
		QueryStringParameters:           query,
		MultiValueQueryStringParameters: multiQuery,
		PathParameters:                  params,
		StageVariables:                  g.stageVars,
		RequestContext: events.APIGatewayProxyRequestContext{
			AccountID:         g.accountID,
			ResourceID:        rt.resourceID,
			Stage:             g.stage,
			DomainName:        r.Host,
			DomainPrefix:      domainPrefix(r.Host),
			RequestID:         ids.request,
			ExtendedRequestID: ids.extended,
			Protocol:          r.Proto,
			Identity: events.APIGatewayRequestIdentity{
				SourceIP:  sourceIP,
				UserAgent: r.UserAgent(),
			},
			ResourcePath:     rt.Path,
			Path:             r.URL.Path,
			Authorizer:       authorizer,
			HTTPMethod:       method,
			RequestTime:      ids.time.UTC().Format("02/Jan/2006:15:04:05 -0700"),
			RequestTimeEpoch: ids.time.UnixMilli(),
			APIID:            g.apiID,
		},
	}
	if len(body) > 0 {
		if g.isBinary(r.Header.Get("Content-Type")) {
			ev.Body = base64.StdEncoding.EncodeToString(body)
			ev.IsBase64Encoded = true
		} else {
			ev.Body = string(body)
		}
	}

	b, err := json.Marshal(ev)
	if err != nil {
		return events.APIGatewayProxyRequest{}, fmt.Errorf("encode event: %w", err)
	}
	var out events.APIGatewayProxyRequest
	if err := json.Unmarshal(b, &out); err != nil {
		return events.APIGatewayProxyRequest{}, fmt.Errorf("decode event: %w", err)
	}
	return out, nil
}

// parseQuery splits a raw query string into API Gateway's two maps: the
// last value of each name, and all of them in order. Both are nil when the
// query is empty, as API Gateway sends null. Like API Gateway, a ';'
// separates parameters just as '&' does. Names and values are URL-decoded
// ('+' is a space); a malformed escape is kept as it was sent.
func parseQuery(raw string) (map[string]string, map[string][]string) {
	var multi map[string][]string
	for _, part := range strings.FieldsFunc(raw, func(c rune) bool { return c == '&' || c == ';' }) {
		k, v, _ := strings.Cut(part, "=")
		if multi == nil {
			multi = map[string][]string{}
		}
		k, v = unescape(k), unescape(v)
		multi[k] = append(multi[k], v)
	}
	if multi == nil {
		return nil, nil
	}
	single := make(map[string]string, len(multi))
	for k, vs := range multi {
		single[k] = vs[len(vs)-1]
	}
	return single, multi
}

func unescape(s string) string {
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}

// isBinary reports whether contentType matches one of the API's binary
// media types.
func (g *Gateway) isBinary(contentType string) bool {
	if len(g.binary) == 0 || contentType == "" {
		return false
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	typ, sub, ok := strings.Cut(mt, "/")
	if !ok {
		return false
	}
	for _, b := range g.binary {
		bt, bs, _ := strings.Cut(b, "/")
		if (bt == "*" || bt == typ) && (bs == "*" || bs == sub) {
			return true
		}
	}
	return false
}

// remoteIP is the client's address without its port.
func remoteIP(r *http.Request) string {
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}

// localPort is the port the server accepted the connection on.
func localPort(r *http.Request, def string) string {
	if a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		if _, port, err := net.SplitHostPort(a.String()); err == nil {
			return port
		}
	}
	if _, port, err := net.SplitHostPort(r.Host); err == nil {
		if _, err := strconv.Atoi(port); err == nil {
			return port
		}
	}
	return def
}

// domainPrefix is the first label of the host name ($context.domainPrefix).
func domainPrefix(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	first, _, _ := strings.Cut(host, ".")
	return first
}
