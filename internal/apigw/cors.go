package apigw

import (
	"net/http"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/example/cognito-sam-go/internal/config"
)

// CORS returns the headers that let a front end on an allowed origin read
// this answer with credentials: Access-Control-Allow-Origin with that exact
// origin (never *), Access-Control-Allow-Credentials and Vary: Origin. For a
// request without an allowed Origin it returns only Vary: Origin, so that a
// cache never serves one origin's answer to another.
func CORS(req events.APIGatewayProxyRequest, allowed config.Origins) []Header {
	vary := Header{"Vary", "Origin"}
	origin := HeaderValue(req, "Origin")
	if origin == "" || !allowed.Allows(origin) {
		return []Header{vary}
	}
	return []Header{
		{"Access-Control-Allow-Origin", origin},
		{"Access-Control-Allow-Credentials", "true"},
		vary,
	}
}

// Preflight answers a CORS preflight (OPTIONS) for a route that takes
// methods and the request headers in headers (Authorization for /hello,
// Content-Type for the posts): 204 with the CORS headers for an allowed
// origin, 403 without any for another. It never reaches a handler's logic:
// a preflight carries no credentials. It is the preflights' whole answer,
// so it adds Strict-Transport-Security itself (Secure).
func Preflight(req events.APIGatewayProxyRequest, allowed config.Origins, methods, headers []string) events.APIGatewayProxyResponse {
	resp := preflight(req, allowed, methods, headers)
	Secure(req, &resp)
	return resp
}

func preflight(req events.APIGatewayProxyRequest, allowed config.Origins, methods, headers []string) events.APIGatewayProxyResponse {
	cors := CORS(req, allowed)
	if len(cors) == 1 {
		resp := JSON(http.StatusForbidden, map[string]string{"error": "cors_origin_not_allowed",
			"error_description": "This origin may not call this API from a browser."})
		AddHeader(&resp, "Vary", "Origin")
		return resp
	}
	resp := base(http.StatusNoContent, "")
	for _, h := range cors {
		AddHeader(&resp, h.Name, h.Value)
	}
	AddHeader(&resp, "Access-Control-Allow-Methods", strings.Join(methods, ", "))
	AddHeader(&resp, "Access-Control-Allow-Headers", strings.Join(headers, ", "))
	AddHeader(&resp, "Access-Control-Max-Age", "600")
	return resp
}
