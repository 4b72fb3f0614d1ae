// Package routes is the API's route table: every route API Gateway serves,
// the Lambda function behind it, and whether API Gateway's Cognito
// authorizer guards it. The Lambda mains, the local gateway, the template
// test and the built-binary test all read this one table, so a route is
// declared once.
//
// The table is data only: this package imports no handler, so the hello
// function can read it without linking the AWS SDK. Each concern binds its
// own handlers to the routes it serves (see Binder), and Handler turns the
// routes of one function into its Lambda handler.
package routes

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/example/cognito-sam-go/internal/apigw"
	"github.com/example/cognito-sam-go/internal/config"
)

// Route is one method and path of the API.
type Route struct {
	Method string // GET, POST
	Path   string // as API Gateway's resource, e.g. /login
	// Function is the Lambda function that serves the route: its main is
	// functions/<Function>, its template resource <Function>Function with
	// the first letter upper-cased (LogicalID). Names are lower-case
	// letters only: the Makefile maps build-<LogicalID> back by lower-casing
	// the whole stem.
	Function string
	// Scopes, when set, put the route behind API Gateway's Cognito user
	// pools authorizer with these authorization scopes: API Gateway then
	// accepts only an access token that carries one of them. Empty: no
	// authorizer (the route checks what it needs itself).
	Scopes []string
}

// Key is "METHOD /path", e.g. "GET /login".
func (r Route) Key() string { return r.Method + " " + r.Path }

// Protected reports whether the Cognito authorizer guards the route.
func (r Route) Protected() bool { return len(r.Scopes) > 0 }

// The routes, by name, for the handlers that bind them.
var (
	Login     = Route{Method: http.MethodGet, Path: "/login", Function: "login"}
	Callback  = Route{Method: http.MethodGet, Path: "/callback", Function: "callback"}
	Hello     = Route{Method: http.MethodGet, Path: "/hello", Function: "hello", Scopes: []string{config.APIScope}}
	Refresh   = Route{Method: http.MethodPost, Path: "/refresh", Function: "refresh"}
	Token     = Route{Method: http.MethodPost, Path: "/token", Function: "refresh"}
	Home      = Route{Method: http.MethodGet, Path: "/", Function: "refresh"}
	Logout    = Route{Method: http.MethodPost, Path: "/logout", Function: "logout"}
	SignedOut = Route{Method: http.MethodGet, Path: "/signed-out", Function: "logout"}
	// App and AppAsset serve the sample single-page app and its files.
	App      = Route{Method: http.MethodGet, Path: "/app", Function: "hello"}
	AppAsset = Route{Method: http.MethodGet, Path: "/app/{proxy+}", Function: "hello"}
	// The CORS preflights of the routes a front end on another origin
	// calls. They carry no credentials, so no authorizer.
	HelloPreflight   = Route{Method: http.MethodOptions, Path: "/hello", Function: "hello"}
	TokenPreflight   = Route{Method: http.MethodOptions, Path: "/token", Function: "hello"}
	RefreshPreflight = Route{Method: http.MethodOptions, Path: "/refresh", Function: "hello"}
	LogoutPreflight  = Route{Method: http.MethodOptions, Path: "/logout", Function: "hello"}
	// Credentials exchanges the session's ID token for temporary AWS
	// credentials at a Cognito identity pool. Its function exists only in a
	// stack with the identity pool (template.yaml, EnableIdentityPool), so
	// the route and its preflight share it: a stack without it has the same
	// API as before.
	Credentials          = Route{Method: http.MethodPost, Path: "/credentials", Function: "credentials"}
	CredentialsPreflight = Route{Method: http.MethodOptions, Path: "/credentials", Function: "credentials"}
)

// All is the route table, in the order the README lists the routes.
var All = []Route{
	Login, Callback, Home, Token, Refresh, Logout, SignedOut, Hello, App, AppAsset,
	HelloPreflight, TokenPreflight, RefreshPreflight, LogoutPreflight,
	Credentials, CredentialsPreflight,
}

// Functions returns the names of the functions in the table, each once, in
// table order.
func Functions() []string {
	var out []string
	for _, r := range All {
		if !slices.Contains(out, r.Function) {
			out = append(out, r.Function)
		}
	}
	return out
}

// Of returns the routes function serves, in table order.
func Of(function string) []Route {
	var out []Route
	for _, r := range All {
		if r.Function == function {
			out = append(out, r)
		}
	}
	return out
}

// LogicalID is the template resource of function: "login" -> "LoginFunction".
func LogicalID(function string) string {
	if function == "" {
		return ""
	}
	return strings.ToUpper(function[:1]) + function[1:] + "Function"
}

// matchPath reports whether path (an event's path, without the stage)
// matches a route's template: "{name}" stands for one segment, a last
// "{name+}" for one or more.
func matchPath(template, path string) bool {
	if path == "" {
		return false
	}
	ts, ps := strings.Split(strings.Trim(template, "/"), "/"), strings.Split(strings.Trim(path, "/"), "/")
	for i, t := range ts {
		switch {
		case strings.HasPrefix(t, "{") && strings.HasSuffix(t, "+}"):
			return i == len(ts)-1 && len(ps) > i && ps[i] != ""
		case i >= len(ps):
			return false
		case strings.HasPrefix(t, "{") && strings.HasSuffix(t, "}"):
			if ps[i] == "" {
				return false
			}
		case t != ps[i]:
			return false
		}
	}
	return len(ps) == len(ts)
}

// byMethod returns the handler of the only route in rs with method, or nil.
func byMethod(rs []Route, byKey map[string]HandlerFunc, method string) HandlerFunc {
	var h HandlerFunc
	for _, r := range rs {
		if r.Method == method {
			if h != nil {
				return nil
			}
			h = byKey[r.Key()]
		}
	}
	return h
}

// HandlerFunc has the signature of a Lambda handler behind API Gateway's
// REST proxy integration.
type HandlerFunc = func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error)

// Binder is implemented by each concern's handler type: it returns its
// handler for a route of the table, and false for a route it does not
// serve.
type Binder interface {
	HandlerFor(Route) (HandlerFunc, bool)
}

// Handler returns the Lambda handler of function: the binder's handler
// for each of the function's routes. A function with one route gets that
// route's handler itself (API Gateway sends it nothing else); one with
// several dispatches on the event's method and resource; on the method and
// path when the resource is not one of its routes (a catch-all test
// event); on the method alone when the event has neither and one route has
// that method; and answers 404 for anything else. It fails when function is not in the table or the
// binder lacks a handler for one of its routes, so a wiring mistake stops
// the function at start-up.
func Handler(function string, b Binder) (HandlerFunc, error) {
	rs := Of(function)
	if len(rs) == 0 {
		return nil, fmt.Errorf("routes: no route is served by function %q", function)
	}
	byKey := make(map[string]HandlerFunc, len(rs))
	for _, r := range rs {
		h, ok := b.HandlerFor(r)
		if !ok {
			return nil, fmt.Errorf("routes: function %q has no handler for %s", function, r.Key())
		}
		byKey[r.Key()] = h
	}
	if len(rs) == 1 {
		return byKey[rs[0].Key()], nil
	}
	return func(ctx context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		if h, ok := byKey[req.HTTPMethod+" "+req.Resource]; ok {
			return h(ctx, req)
		}
		// An event whose resource is not one of the table's (a catch-all
		// /{proxy+} test event, or none): the path decides, matched
		// against the routes' templates.
		for _, r := range rs {
			if r.Method == req.HTTPMethod && matchPath(r.Path, req.Path) {
				return byKey[r.Key()](ctx, req)
			}
		}
		if req.Resource == "" && req.Path == "" {
			// An event without a resource (sam local invoke without -e, a
			// console test event): the method alone decides when one
			// route of the function has it.
			if h := byMethod(rs, byKey, req.HTTPMethod); h != nil {
				return h(ctx, req)
			}
		}
		resp := apigw.JSON(http.StatusNotFound, map[string]string{
			"error": "not_found", "error_description": "This function does not serve that route.",
		})
		apigw.Secure(req, &resp)
		return resp, nil
	}, nil
}

// Binders binds each route with the first of its binders that serves it,
// so one function can serve the routes of several concerns.
type Binders []Binder

// HandlerFor returns the first binder's handler for r.
func (bs Binders) HandlerFor(r Route) (HandlerFunc, bool) {
	for _, b := range bs {
		if h, ok := b.HandlerFor(r); ok {
			return h, true
		}
	}
	return nil, false
}

// Preflights answers the CORS preflights (the OPTIONS routes) of the table:
// for the origins in allowed, the methods of the other routes on the same
// path, and the request header they need (Authorization for a route behind
// the authorizer, Content-Type for the others); for any other origin, 403
// without CORS headers.
type Preflights struct{ Allowed config.Origins }

// HandlerFor binds every OPTIONS route.
func (p Preflights) HandlerFor(r Route) (HandlerFunc, bool) {
	if r.Method != http.MethodOptions {
		return nil, false
	}
	var methods []string
	headers := []string{"Content-Type"}
	for _, o := range All {
		if o.Path == r.Path && o.Method != http.MethodOptions {
			methods = append(methods, o.Method)
			if o.Protected() {
				headers = []string{"Authorization"}
			}
		}
	}
	methods = append(methods, http.MethodOptions)
	return func(_ context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		return apigw.Preflight(req, p.Allowed, methods, headers), nil
	}, true
}
