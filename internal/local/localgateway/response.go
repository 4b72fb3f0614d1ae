package localgateway

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"runtime/debug"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

// responseKind names an answer API Gateway gives itself, without (or
// instead of) the function's; zero means the function's response.
type responseKind int

const (
	_ responseKind = iota
	missingAuthenticationToken
	unauthorized
	authorizerConfigurationError
	integrationFailure
	integrationTimeout
	apiConfigurationError
	requestTooLarge
	bodyTooLarge
)

// writeGatewayResponse writes one of API Gateway's own answers. This is
// the one place where they are shaped: API Gateway's default bodies and
// headers, except where the project's template customizes them with
// GatewayResponses. UNAUTHORIZED gets the template's body
// {"error":"unauthorized","error_description":<message>} and its headers
// Cache-Control: no-store and WWW-Authenticate: Bearer; UNAUTHORIZED and
// MISSING_AUTHENTICATION_TOKEN also get Options.GatewayResponseHeaders.
// message is $context.error.messageString, used by that template.
func (g *Gateway) writeGatewayResponse(w http.ResponseWriter, kind responseKind, message string) {
	status, errorType, contentType, body := http.StatusInternalServerError, "", "application/json", `{"message": "Internal server error"}`
	var extra http.Header
	switch kind {
	case missingAuthenticationToken:
		status, errorType, body = http.StatusForbidden, "MissingAuthenticationTokenException", `{"message":"Missing Authentication Token"}`
		extra = g.gwHeaders
	case unauthorized:
		b, _ := json.Marshal(struct {
			Error       string `json:"error"`
			Description string `json:"error_description"`
		}{"unauthorized", message})
		status, errorType, body = http.StatusUnauthorized, "UnauthorizedException", string(b)
		extra = g.gwHeaders
	case authorizerConfigurationError:
		status, errorType, body = http.StatusInternalServerError, "AuthorizerConfigurationException", `{"message": null}`
	case integrationFailure:
		status, errorType = http.StatusBadGateway, "InternalServerErrorException"
	case integrationTimeout:
		status, body = http.StatusGatewayTimeout, `{"message": "Endpoint request timed out"}`
	case apiConfigurationError:
		status = http.StatusInternalServerError
	case requestTooLarge:
		status, body = http.StatusRequestEntityTooLarge, `{"message":"Request Too Long"}`
	case bodyTooLarge:
		// Answered by API Gateway's front end, in text: this 413 cannot be
		// customized (API Gateway important notes for REST APIs).
		status, contentType, body = http.StatusRequestEntityTooLarge, "text; charset=utf-8", fmt.Sprintf("HTTP content length exceeded %d bytes.", maxBodyBytes)
	}
	h := w.Header()
	h.Set("Content-Type", contentType)
	if errorType != "" {
		h.Set("x-amzn-ErrorType", errorType)
	}
	if kind == unauthorized {
		// The template's UNAUTHORIZED ResponseParameters.Headers.
		h.Set("Cache-Control", "no-store")
		h.Set("WWW-Authenticate", "Bearer")
	}
	for k, vs := range extra {
		h[k] = append([]string(nil), vs...)
	}
	w.WriteHeader(status)
	w.Write([]byte(body))
}

// invoke calls the route's function the way Lambda does: on its own
// goroutine, with the function's deadline on the context and a
// lambdacontext.LambdaContext, a panic turned into a function error. It
// stops waiting at the function timeout (502, like Lambda's "Task timed
// out") or at the integration timeout (504), whichever comes first; the
// function itself goes on until it returns, as it would in Lambda.
func (g *Gateway) invoke(rt *route, ev events.APIGatewayProxyRequest, ids requestIDs) (events.APIGatewayProxyResponse, responseKind) {
	type result struct {
		resp events.APIGatewayProxyResponse
		err  error
	}
	done := make(chan result, 1)
	lambdaID := newUUID()
	deadline := time.Now().Add(rt.Timeout)
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	ctx = lambdacontext.NewContext(ctx, &lambdacontext.LambdaContext{AwsRequestID: lambdaID})
	go func() {
		defer cancel()
		defer func() {
			if p := recover(); p != nil {
				g.log.Error("function panicked", "requestId", ids.request, "lambdaRequestId", lambdaID, "panic", p, "stack", string(debug.Stack()))
				done <- result{err: fmt.Errorf("panic: %v", p)}
			}
		}()
		resp, err := rt.Handler(ctx, ev)
		done <- result{resp, err}
	}()

	wait, onTimeout := rt.IntegrationTimeout, integrationTimeout
	if rt.Timeout < rt.IntegrationTimeout {
		wait, onTimeout = rt.Timeout, integrationFailure
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case res := <-done:
		if !time.Now().Before(deadline) {
			// Lambda stops a function at its deadline; nothing it returns
			// after that reaches API Gateway.
			g.log.Warn("function timed out", "requestId", ids.request, "lambdaRequestId", lambdaID, "timeout", rt.Timeout)
			return events.APIGatewayProxyResponse{}, integrationFailure
		}
		if res.err != nil {
			g.log.Warn("function error", "requestId", ids.request, "lambdaRequestId", lambdaID, "err", res.err)
			return events.APIGatewayProxyResponse{}, integrationFailure
		}
		return res.resp, 0
	case <-timer.C:
		if onTimeout == integrationFailure {
			g.log.Warn("function timed out", "requestId", ids.request, "lambdaRequestId", lambdaID, "timeout", wait)
		} else {
			g.log.Warn("integration timed out", "requestId", ids.request, "timeout", wait)
		}
		return events.APIGatewayProxyResponse{}, onTimeout
	}
}

// remappedResponseHeaders are renamed X-Amzn-Remapped-<name> when a
// function returns them (API Gateway important notes for REST APIs).
var remappedResponseHeaders = map[string]bool{
	"Authorization":    true,
	"Www-Authenticate": true,
}

// framingHeaders belong to the connection to the client, which the gateway
// owns; a function's values for them are dropped.
var framingHeaders = map[string]bool{
	"Connection":        true,
	"Content-Length":    true,
	"Keep-Alive":        true,
	"Transfer-Encoding": true,
	"Trailer":           true,
	"Upgrade":           true,
}

// writeProxyResponse turns the function's response into HTTP. When API
// Gateway would find the response malformed it writes nothing and returns
// the answer to give instead.
func (g *Gateway) writeProxyResponse(w http.ResponseWriter, r *http.Request, resp events.APIGatewayProxyResponse, requestID string) responseKind {
	if resp.StatusCode < 100 || resp.StatusCode > 599 {
		g.log.Warn("malformed Lambda proxy response", "requestId", requestID, "statusCode", resp.StatusCode)
		return integrationFailure
	}
	body := []byte(resp.Body)
	if resp.IsBase64Encoded && g.acceptsBinary(r.Header.Get("Accept")) {
		b, err := base64.StdEncoding.DecodeString(resp.Body)
		if err != nil {
			g.log.Warn("base64 decoding of the response body failed", "requestId", requestID, "err", err)
			return apiConfigurationError
		}
		body = b
	}

	// headers and multiValueHeaders are merged; a name in both keeps only
	// the multiValueHeaders values (API Gateway developer guide, "Output
	// format of a Lambda function for proxy integration").
	merged := http.Header{}
	for k, vs := range resp.MultiValueHeaders {
		k = http.CanonicalHeaderKey(k)
		merged[k] = append(merged[k], vs...)
	}
	for _, k := range sortedKeys(resp.Headers) {
		if _, inMulti := merged[http.CanonicalHeaderKey(k)]; !inMulti {
			merged.Set(k, resp.Headers[k])
		}
	}
	h := w.Header()
	for k, vs := range merged {
		switch {
		case framingHeaders[k] || len(vs) == 0:
			continue
		case remappedResponseHeaders[k]:
			k = "X-Amzn-Remapped-" + k
		}
		h[k] = append(h[k], vs...)
	}
	if h.Get("Content-Type") == "" {
		h.Set("Content-Type", "application/json")
	}
	w.WriteHeader(resp.StatusCode)
	w.Write(body)
	return 0
}

// acceptsBinary reports whether the first media type of the Accept header
// is one of the API's binary media types: API Gateway honours only the
// first (API Gateway important notes for REST APIs).
func (g *Gateway) acceptsBinary(accept string) bool {
	first, _, _ := strings.Cut(accept, ",")
	first = strings.TrimSpace(first)
	if first == "" {
		return false
	}
	if _, _, err := mime.ParseMediaType(first); err != nil {
		return false
	}
	return g.isBinary(first)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
