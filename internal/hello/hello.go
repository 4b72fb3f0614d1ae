// Package hello is the GET /hello handler, the sample protected route. It
// trusts API Gateway's Cognito authorizer: by the time it runs, the access
// token was verified and its claims are in requestContext.authorizer.claims.
// It does no token verification of its own and needs no AWS SDK.
package hello

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/example/cognito-sam-go/internal/apigw"
	"github.com/example/cognito-sam-go/internal/config"
	"github.com/example/cognito-sam-go/internal/routes"
	"github.com/example/cognito-sam-go/internal/webapp"
)

// Handler serves GET /hello.
type Handler struct {
	log     *slog.Logger
	origins config.Origins
}

// New returns a hello Handler. Front ends on origins (ALLOWED_ORIGINS) get
// CORS headers on its answers.
func New(log *slog.Logger, origins config.Origins) *Handler {
	return &Handler{log: log, origins: origins}
}

// Function returns the Lambda handler of the hello function (name, from
// package routes): GET /hello, the sample app (package webapp) and the CORS
// preflights. It reads ALLOWED_ORIGINS and, for the sample app's sign-out
// form, COGNITO_DOMAIN; it needs no secret: API Gateway's authorizer has
// checked the caller before /hello runs.
func Function(_ context.Context, name string, getenv func(string) string, log *slog.Logger) (routes.HandlerFunc, error) {
	// The looser same-site check: see config.LastTwoLabels.
	origins, err := config.LoadOrigins(getenv, config.LastTwoLabels)
	if err != nil {
		return nil, fmt.Errorf("invalid configuration: %w", err)
	}
	app := webapp.New(webapp.Options{CognitoDomain: strings.TrimSpace(getenv(config.EnvCognitoDomain))})
	return routes.Handler(name, routes.Binders{New(log, origins), app, routes.Preflights{Allowed: origins}})
}

// HandlerFor returns Handle for GET /hello (routes.Binder).
func (h *Handler) HandlerFor(r routes.Route) (routes.HandlerFunc, bool) {
	if r.Key() == routes.Hello.Key() {
		return h.Handle, true
	}
	return nil, false
}

// Greeting is the JSON body of a successful call.
type Greeting struct {
	Message  string `json:"message"`
	Subject  string `json:"sub"`
	Username string `json:"username,omitempty"`
	Scope    string `json:"scope,omitempty"`
	// Groups are the caller's user pool groups, from cognito:groups; an
	// empty array, never null, when the caller is in none.
	Groups   []string `json:"groups"`
	ClientID string   `json:"client_id,omitempty"`
	TokenUse string   `json:"token_use,omitempty"`
}

// Handle answers 200 with a greeting built from the authorizer's claims, or
// 401 when there are none: the route is misconfigured, or it runs under
// `sam local start-api`, which does not enforce Cognito authorizers.
func (h *Handler) Handle(ctx context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	resp := h.handle(ctx, req)
	// With proxy integration only the function can add CORS headers to its
	// own answers.
	for _, c := range apigw.CORS(req, h.origins) {
		apigw.AddHeader(&resp, c.Name, c.Value)
	}
	apigw.Secure(req, &resp)
	return resp, nil
}

func (h *Handler) handle(ctx context.Context, req events.APIGatewayProxyRequest) events.APIGatewayProxyResponse {
	log := apigw.RequestLogger(ctx, h.log, req)
	claims := Claims(req)
	if claims["sub"] == "" {
		return apigw.ErrorResponse(ctx, log, req, apigw.Errorf(apigw.KindUnauthorized, "unauthorized",
			"No verified caller: call this route through API Gateway with a Cognito access token in the Authorization header.",
			"no authorizer claims in the request context"), nil)
	}
	name := claims["email"]
	if name == "" {
		name = claims["username"]
	}
	if name == "" {
		name = claims["cognito:username"]
	}
	log.Info("greeted", slog.String("sub", claims["sub"]))
	return apigw.JSON(200, Greeting{
		Message:  fmt.Sprintf("Hello, %s!", name),
		Subject:  claims["sub"],
		Username: firstNonEmpty(claims["username"], claims["cognito:username"]),
		Scope:    claims["scope"],
		Groups:   Groups(req),
		ClientID: claims["client_id"],
		TokenUse: claims["token_use"],
	})
}

// Claims returns requestContext.authorizer.claims as strings (API Gateway
// sends every claim value as a string; anything else is formatted).
func Claims(req events.APIGatewayProxyRequest) map[string]string {
	out := map[string]string{}
	raw, ok := req.RequestContext.Authorizer["claims"].(map[string]any)
	if !ok {
		return out
	}
	for k, v := range raw {
		switch v := v.(type) {
		case string:
			out[k] = v
		case nil:
		default:
			out[k] = fmt.Sprint(v)
		}
	}
	return out
}

// Groups returns the caller's groups from the cognito:groups claim in
// requestContext.authorizer.claims (see ParseGroups); never nil.
func Groups(req events.APIGatewayProxyRequest) []string {
	raw, _ := req.RequestContext.Authorizer["claims"].(map[string]any)
	return ParseGroups(raw["cognito:groups"])
}

// ParseGroups turns a cognito:groups claim value into group names, in
// order, each trimmed of surrounding white space, empty names dropped. The
// result is never nil.
//
// In the token the claim is a JSON array, but a REST API's Cognito user
// pools authorizer hands every claim to the function as a string, and AWS
// does not document how an array is flattened. The form reported from real
// REST APIs, and the one the local gateway reproduces, is the names joined
// with commas: "admin,staff" (a single group: "admin"). Also accepted:
//
//   - a real array ([]any or []string), as a direct invocation or a test
//     may pass;
//   - a JSON array in a string, `["admin","staff"]`;
//   - a bracketed list, "[admin, staff]", and, without any comma, the HTTP
//     API (payload 2.0) JWT authorizer's space-separated "[admin staff]".
//
// Limitations. Cognito group names match [\p{L}\p{M}\p{S}\p{N}\p{P}]+
// (CreateGroup): no white space, but punctuation, commas and brackets
// included. The flattened string cannot tell a comma inside a name from a
// separator, so a name with a comma comes back split; a lone name wrapped
// in brackets, "[ops]", comes back as "ops". Names with spaces (not valid
// in Cognito) survive the comma form, "admin,beta testers", but not the
// space-separated bracket form.
func ParseGroups(v any) []string {
	out := []string{}
	switch v := v.(type) {
	case nil:
	case string:
		out = appendGroupString(out, v)
	case []string:
		for _, e := range v {
			out = appendGroup(out, e)
		}
	case []any:
		out = appendGroupValues(out, v)
	default:
		out = appendGroup(out, fmt.Sprint(v))
	}
	return out
}

func appendGroupString(out []string, s string) []string {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
		var arr []any
		if err := json.Unmarshal([]byte(s), &arr); err == nil {
			return appendGroupValues(out, arr)
		}
		s = s[1 : len(s)-1]
		if !strings.Contains(s, ",") {
			for _, g := range strings.Fields(s) {
				out = appendGroup(out, g)
			}
			return out
		}
	}
	for _, g := range strings.Split(s, ",") {
		out = appendGroup(out, g)
	}
	return out
}

// appendGroupValues appends the scalar elements of a decoded JSON array;
// nulls, objects and nested arrays are skipped.
func appendGroupValues(out []string, vs []any) []string {
	for _, e := range vs {
		switch e := e.(type) {
		case string:
			out = appendGroup(out, e)
		case float64, bool, json.Number:
			out = appendGroup(out, fmt.Sprint(e))
		}
	}
	return out
}

func appendGroup(out []string, g string) []string {
	if g = strings.TrimSpace(g); g != "" {
		out = append(out, g)
	}
	return out
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
