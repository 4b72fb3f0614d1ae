// Package hello is the GET /hello handler, the sample protected route. It
// trusts API Gateway's Cognito authorizer: by the time it runs, the access
// token was verified and its claims are in requestContext.authorizer.claims.
// It does no token verification of its own and needs no AWS SDK.
package hello

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"
	"github.com/example/cognito-sam-go/internal/apigw"
	"github.com/example/cognito-sam-go/internal/routes"
)

// Handler serves GET /hello.
type Handler struct {
	log *slog.Logger
}

// New returns a hello Handler.
func New(log *slog.Logger) *Handler { return &Handler{log: log} }

// Function returns the Lambda handler of the hello function (name, from
// package routes). It reads no configuration: API Gateway's authorizer has
// checked the caller before the handler runs.
func Function(_ context.Context, name string, _ func(string) string, log *slog.Logger) (routes.HandlerFunc, error) {
	return routes.Handler(name, New(log))
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
	ClientID string `json:"client_id,omitempty"`
	TokenUse string `json:"token_use,omitempty"`
}

// Handle answers 200 with a greeting built from the authorizer's claims, or
// 401 when there are none: the route is misconfigured, or it runs under
// `sam local start-api`, which does not enforce Cognito authorizers.
func (h *Handler) Handle(ctx context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	log := apigw.RequestLogger(ctx, h.log, req)
	claims := Claims(req)
	if claims["sub"] == "" {
		return apigw.ErrorResponse(ctx, log, req, apigw.Errorf(apigw.KindUnauthorized, "unauthorized",
			"No verified caller: call this route through API Gateway with a Cognito access token in the Authorization header.",
			"no authorizer claims in the request context"), nil), nil
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
		ClientID: claims["client_id"],
		TokenUse: claims["token_use"],
	}), nil
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

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
