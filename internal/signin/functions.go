package signin

import (
	"context"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/example/cognito-sam-go/internal/routes"
)

// The Lambda handlers of the login, callback, refresh and logout functions
// (start.Build), one per main. Each binds only its own routes (its
// handlers map), and starts at init only the warm-ups its routes need, so
// that its binary links only what they reach: login links no ID-token
// verification (go-oidc, go-jose) and no grant. The fifth sign-in
// function, credentials, is built the same way by FunctionWithIdentity
// (credentials.go). Server.HandlerFor, which binds every route, serves the
// local run.
//
// The warm-ups run while the Lambda runtime asks for the first invocation:
// a cold /callback, /token or /refresh then finds the secret, the key set
// and a connection to the token endpoint there, or under way, instead of
// waiting for each in turn.
func LoginFunction(ctx context.Context, name string, getenv func(string) string, log *slog.Logger) (routes.HandlerFunc, error) {
	return function(ctx, name, getenv, log, handlers{routes.Login.Key(): (*Server).Login}, warmSecret)
}

// CallbackFunction is the callback function's handler: see LoginFunction.
func CallbackFunction(ctx context.Context, name string, getenv func(string) string, log *slog.Logger) (routes.HandlerFunc, error) {
	return function(ctx, name, getenv, log, handlers{routes.Callback.Key(): (*Server).Callback},
		warmSecret, warmKeys, warmTokenEndpoint)
}

// RefreshFunction is the refresh function's handler: see LoginFunction.
func RefreshFunction(ctx context.Context, name string, getenv func(string) string, log *slog.Logger) (routes.HandlerFunc, error) {
	return function(ctx, name, getenv, log, handlers{
		routes.Home.Key(): (*Server).Home, routes.Token.Key(): (*Server).Token, routes.Refresh.Key(): (*Server).Refresh,
	}, warmSecret, warmKeys, warmTokenEndpoint)
}

// LogoutFunction is the logout function's handler: see LoginFunction. It
// revokes at the token endpoint's host, so it opens a connection there too.
func LogoutFunction(ctx context.Context, name string, getenv func(string) string, log *slog.Logger) (routes.HandlerFunc, error) {
	return function(ctx, name, getenv, log, handlers{
		routes.Logout.Key(): (*Server).Logout, routes.SignedOut.Key(): (*Server).SignedOut,
	}, warmSecret, warmTokenEndpoint)
}

// method is a route's handler method, as a method expression.
type method = func(*Server, context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error)

// handlers are a function's routes' methods, by route key.
type handlers map[string]method

// bound is handlers bound to one Server (a routes.Binder). It holds only
// the handlers, never the *Server itself: a Server reachable from a value
// in an interface would keep Server.HandlerFor, and with it every route's
// code, in every binary.
type bound map[string]routes.HandlerFunc

func (hs handlers) bind(s *Server) bound {
	b := bound{}
	for key, m := range hs {
		b[key] = func(ctx context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
			return m(s, ctx, req)
		}
	}
	return b
}

// HandlerFor returns the handler of r, if it is one of the function's.
func (b bound) HandlerFor(r routes.Route) (routes.HandlerFunc, bool) {
	h, ok := b[r.Key()]
	return h, ok
}

func function(ctx context.Context, name string, getenv func(string) string, log *slog.Logger, hs handlers, warm ...warmUp) (routes.HandlerFunc, error) {
	s, err := Load(ctx, getenv, log, routes.Of(name))
	if err != nil {
		return nil, err
	}
	h, err := routes.Handler(name, hs.bind(s))
	if err != nil {
		return nil, err
	}
	s.warm(warm...)
	return h, nil
}

// A warmUp does at init what the function's first request would otherwise
// wait for. Its error is only logged: the request then does the work
// itself, as it would have without the warm-up.
type warmUp struct {
	what string
	do   func(s *Server, ctx context.Context) error
}

var (
	warmSecret = warmUp{"secret", func(s *Server, ctx context.Context) error {
		_, err := s.secrets.Get(ctx)
		return err
	}}
	warmKeys = warmUp{"key set", func(s *Server, ctx context.Context) error {
		if k := s.cognito.Keys(); k != nil {
			return k.Prefetch(ctx)
		}
		return nil
	}}
	warmTokenEndpoint = warmUp{"token endpoint connection", func(s *Server, ctx context.Context) error {
		return s.cognito.Preconnect(ctx)
	}}
)

// WarmUpTimeout bounds each warm-up: none outlives it, and none delays
// start-up (they run beside the runtime's first request for work).
const WarmUpTimeout = 5 * time.Second

// warm starts each warm-up in a goroutine of its own, bounded by
// WarmUpTimeout.
func (s *Server) warm(ws ...warmUp) {
	for _, w := range ws {
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), WarmUpTimeout)
			defer cancel()
			if err := w.do(s, ctx); err != nil {
				s.log.Warn("start-up warm-up failed; the first request will do it", slog.String("warm_up", w.what), slog.String("detail", err.Error()))
			}
		}()
	}
}
