package apigw

import (
	"net"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/example/cognito-sam-go/internal/config"
)

// HSTS is the Strict-Transport-Security value of every https answer: two
// years, subdomains included, no preload.
//
// includeSubDomains covers the names below the host that served the answer,
// never its parent or siblings: sent from
// abc123defg.execute-api.<region>.amazonaws.com it covers only names under
// that API's own host, and from a custom domain such as api.example.com
// only *.api.example.com, not example.com or www.example.com. Only an API
// mapped at a registrable domain's apex (example.com itself) would pin
// every subdomain of the organisation to https; do not map it there while
// some of them still serve plain http. preload is left out: it asks
// browsers to ship the policy for a whole registrable domain, a decision
// for the domain's owner, not for this API.
const HSTS = "max-age=63072000; includeSubDomains"

// IsHTTPS reports whether req reached API Gateway over https, which
// decides whether its answer carries Strict-Transport-Security:
//
//   - A request to a loopback host (sam local start-api, go run ./cmd/local)
//     is never https, whatever its headers say: a policy a browser kept for
//     localhost would break every other development server on it.
//   - Otherwise X-Forwarded-Proto decides when present. API Gateway's REST
//     proxy integration passes it to the function ("https", with
//     X-Forwarded-Port 443); the local emulators set it to their own
//     scheme, overwriting what the client sent.
//   - Without it, a request whose requestContext.domainName is an
//     execute-api host is https (API Gateway serves no plain http), as in a
//     console test event; anything else (a direct invocation) is not.
//
// A client can only change its own answer by forging the header, and
// nothing it forges can harm another user: a missing
// Strict-Transport-Security does not remove a policy the browser keeps
// (only max-age=0 does, RFC 6797 §6.1.1), and a browser ignores one received
// over plain http or for an IP address (RFC 6797 §8.1).
func IsHTTPS(req events.APIGatewayProxyRequest) bool {
	if isLoopbackRequest(req) {
		return false
	}
	if proto := forwardedProto(req); proto != "" {
		return strings.EqualFold(proto, "https")
	}
	return isExecuteAPIHost(strings.ToLower(req.RequestContext.DomainName))
}

// Secure adds Strict-Transport-Security (HSTS) to resp when req came over
// https (see IsHTTPS). Every concern calls it once, where its answer
// leaves it, on success and error answers alike; calling it twice is
// harmless. The value is a constant: nothing of the request is written to
// the header.
func Secure(req events.APIGatewayProxyRequest, resp *events.APIGatewayProxyResponse) {
	if IsHTTPS(req) {
		AddHeader(resp, "Strict-Transport-Security", HSTS)
	}
}

// isLoopbackRequest reports whether req was sent to a loopback host: the
// request context's domain is loopback, or there is none and the Host
// header is (the same rule CallbackURL applies).
func isLoopbackRequest(req events.APIGatewayProxyRequest) bool {
	if domain := hostname(req.RequestContext.DomainName); domain != "" {
		return config.IsLoopback(domain)
	}
	host := hostname(HeaderValue(req, "Host"))
	return host != "" && config.IsLoopback(host)
}

// hostname is host without its port.
func hostname(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		return h
	}
	return host
}

// forwardedProto is the scheme the nearest proxy recorded: the last entry
// of the last X-Forwarded-Proto value, or "".
func forwardedProto(req events.APIGatewayProxyRequest) string {
	v := HeaderValue(req, "X-Forwarded-Proto")
	if i := strings.LastIndex(v, ","); i >= 0 {
		v = v[i+1:]
	}
	return strings.TrimSpace(v)
}
