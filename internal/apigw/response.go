package apigw

import (
	"encoding/json"
	"net/http"

	"github.com/aws/aws-lambda-go/events"
)

// Header is one response header.
type Header struct{ Name, Value string }

// noStore are the headers every response carries: nothing here may be
// cached or leak through a Referer (RFC 6749 §5.1, RFC 9700 §4.2.4).
var noStore = map[string]string{
	"Cache-Control":          "no-store",
	"Pragma":                 "no-cache",
	"Referrer-Policy":        "no-referrer",
	"X-Content-Type-Options": "nosniff",
}

func base(status int, contentType string) events.APIGatewayProxyResponse {
	h := make(map[string]string, len(noStore)+1)
	for k, v := range noStore {
		h[k] = v
	}
	if contentType != "" {
		h["Content-Type"] = contentType
	}
	return events.APIGatewayProxyResponse{StatusCode: status, Headers: h}
}

// JSON returns a JSON response with the no-store headers.
func JSON(status int, v any) events.APIGatewayProxyResponse {
	body, err := json.Marshal(v)
	if err != nil {
		status, body = http.StatusInternalServerError, []byte(`{"error":"server_error","error_description":"Something went wrong on our side."}`)
	}
	r := base(status, "application/json")
	r.Body = string(body)
	return r
}

// HTML returns an HTML response with the no-store headers, the given
// Content-Security-Policy, and framing forbidden.
func HTML(status int, body, csp string) events.APIGatewayProxyResponse {
	r := base(status, "text/html; charset=utf-8")
	r.Headers["Content-Security-Policy"] = csp
	r.Headers["X-Frame-Options"] = "DENY"
	r.Body = body
	return r
}

// Redirect returns a 302 to location with the no-store headers.
func Redirect(location string) events.APIGatewayProxyResponse {
	r := base(http.StatusFound, "")
	r.Headers["Location"] = location
	return r
}

// AddHeader adds a header value. Set-Cookie goes to multiValueHeaders, so
// that several cookies survive (API Gateway keeps the multi-value entry
// when a name is in both maps).
func AddHeader(r *events.APIGatewayProxyResponse, name, value string) {
	if name == "Set-Cookie" {
		if r.MultiValueHeaders == nil {
			r.MultiValueHeaders = map[string][]string{}
		}
		r.MultiValueHeaders[name] = append(r.MultiValueHeaders[name], value)
		return
	}
	if r.Headers == nil {
		r.Headers = map[string]string{}
	}
	r.Headers[name] = value
}
