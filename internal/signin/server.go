package signin

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/example/cognito-sam-go/internal/apigw"
	"github.com/example/cognito-sam-go/internal/cognito"
	"github.com/example/cognito-sam-go/internal/config"
	"github.com/example/cognito-sam-go/internal/logincookie"
	"github.com/example/cognito-sam-go/internal/page"
	"github.com/example/cognito-sam-go/internal/routes"
	"github.com/example/cognito-sam-go/internal/seal"
	"github.com/example/cognito-sam-go/internal/secret"
	"github.com/example/cognito-sam-go/internal/session"
)

// Secrets provides the app client's credentials and re-reads them when
// Cognito rejects them. *secret.Cache is the real one.
type Secrets interface {
	Get(ctx context.Context) (secret.Value, error)
	// Refresh reads the secret afresh because stale was rejected; the
	// caller retries only if the result differs.
	Refresh(ctx context.Context, stale secret.Value) (secret.Value, error)
	// RefreshIfStale reads the secret afresh, and waits, only if used is
	// past its TTL: a cookie that does not open under its keys may have
	// been sealed under a cookie_key that changed while this environment
	// was idle.
	RefreshIfStale(ctx context.Context, used secret.Value) (secret.Value, error)
}

var _ Secrets = (*secret.Cache)(nil)

// Options are a Server's dependencies.
type Options struct {
	Config  *config.Config
	Secrets Secrets
	Cognito *cognito.Client
	Logger  *slog.Logger
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Identity issues AWS credentials for POST /credentials; nil when this
	// deployment has no identity pool (the route then answers 404).
	Identity CredentialsSource
}

// Server serves the sign-in routes. Build it once per execution
// environment; it is safe for concurrent use.
type Server struct {
	cfg     *config.Config
	secrets Secrets
	cognito *cognito.Client
	log     *slog.Logger
	now     func() time.Time
	keys    *keyCache
	// identity is Options.Identity (credentials.go).
	identity CredentialsSource
}

// New returns a Server.
func New(o Options) *Server {
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Server{cfg: o.Config, secrets: o.Secrets, cognito: o.Cognito, log: o.Logger, now: o.Now, keys: &keyCache{},
		identity: o.Identity}
}

// Load builds the Server of a Lambda function that serves rs: it reads the
// configuration from getenv (every problem at once), builds the Secrets
// Manager client from the standard AWS configuration and the Cognito client.
// COGNITO_ISSUER is required unless rs is only GET /login (as the login
// function always ran without it; the callback and refresh verify ID tokens
// against it, and logout has always required it). It makes no network
// call.
func Load(ctx context.Context, getenv func(string) string, log *slog.Logger, rs []routes.Route) (*Server, error) {
	var reqs []config.Requirement
	if slices.ContainsFunc(rs, func(r routes.Route) bool { return r.Key() != routes.Login.Key() }) {
		reqs = append(reqs, config.RequireIssuer)
	}
	cfg, err := config.Load(getenv, reqs...)
	if err != nil {
		return nil, err
	}
	secrets, err := secret.NewCacheFromEnv(ctx, cfg.SecretName)
	if err != nil {
		return nil, fmt.Errorf("secret client: %w", err)
	}
	client := cognito.New(cognito.Options{Domain: cfg.CognitoDomain, Issuer: cfg.Issuer, Scopes: cfg.Scopes})
	return New(Options{Config: cfg, Secrets: secrets, Cognito: client, Logger: log}), nil
}

// HandlerFor returns the handler of a sign-in route (routes.Binder).
func (s *Server) HandlerFor(r routes.Route) (routes.HandlerFunc, bool) {
	switch r.Key() {
	case routes.Login.Key():
		return s.Login, true
	case routes.Callback.Key():
		return s.Callback, true
	case routes.Refresh.Key():
		return s.Refresh, true
	case routes.Token.Key():
		return s.Token, true
	case routes.Home.Key():
		return s.Home, true
	case routes.Logout.Key():
		return s.Logout, true
	case routes.SignedOut.Key():
		return s.SignedOut, true
	case routes.Credentials.Key():
		return s.Credentials, true
	}
	return nil, false
}

// Format prints the Server without its contents, for every verb: it holds
// the cookie key and the secret source.
func (s *Server) Format(f fmt.State, _ rune) { fmt.Fprint(f, "signin.Server{REDACTED}") }

// LogValue redacts the Server for log/slog.
func (s *Server) LogValue() slog.Value { return slog.StringValue("signin.Server{REDACTED}") }

// handlerFunc is a handler's own work; serve turns its result into the
// answer.
type handlerFunc func(ctx context.Context, log *slog.Logger, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error)

// serve is the one path from a handler to API Gateway: it gives the handler
// a logger with the request ids, turns its error into the contract's error
// response (JSON or an HTML page, internal detail logged only), and adds
// always and, over https, Strict-Transport-Security (apigw.Secure) to every
// answer, success or failure.
func (s *Server) serve(ctx context.Context, req events.APIGatewayProxyRequest, h handlerFunc, always ...apigw.Header) (events.APIGatewayProxyResponse, error) {
	log := apigw.RequestLogger(ctx, s.log, req)
	resp, err := h(ctx, log, req)
	if err != nil {
		var wh *withHeaders
		if errors.As(err, &wh) {
			always = append(always[:len(always):len(always)], wh.headers...)
		}
		resp = apigw.ErrorResponse(ctx, log, req, err, page.Error(loginLink), always...)
		apigw.Secure(req, &resp)
		return resp, nil
	}
	for _, a := range always {
		apigw.AddHeader(&resp, a.Name, a.Value)
	}
	apigw.Secure(req, &resp)
	return resp, nil
}

// Relative links between the routes: the pages are served at the API's
// base path, so a route's path without its slash reaches its sibling.
var (
	loginLink     = routes.Login.Path[1:]
	refreshLink   = routes.Refresh.Path[1:]
	logoutLink    = routes.Logout.Path[1:]
	helloLink     = routes.Hello.Path[1:]
	signedOutLink = routes.SignedOut.Path[1:]
	callbackLink  = routes.Callback.Path[1:]
)

// callbackURL is this deployment's callback URL: REDIRECT_URI, or derived
// from the request as the contract says. /login and /callback both use it,
// so Cognito sees byte-identical values; the other routes derive their
// siblings from it.
func (s *Server) callbackURL(req events.APIGatewayProxyRequest) (string, error) {
	u, err := apigw.CallbackURL(req, s.cfg.RedirectURI, callbackLink)
	if err != nil {
		return "", apigw.Errorf(apigw.KindInternal, "server_error",
			"This deployment cannot work out its callback URL.", "derive callback URL: %w", err)
	}
	return u, nil
}

// credentials reads the client secret: 503 when it cannot be read.
func (s *Server) credentials(ctx context.Context) (secret.Value, error) {
	creds, err := s.secrets.Get(ctx)
	if err != nil {
		return secret.Value{}, apigw.Unavailable(err)
	}
	return creds, nil
}

// reopen is for a cookie that did not open under creds' keys (err): it
// returns the credentials to try once more with, when the secret held was
// past its TTL and reading it afresh changed it: an environment idle since
// before a cookie_key change, whose first request brings a cookie another
// environment sealed under the new key.
func (s *Server) reopen(ctx context.Context, creds secret.Value, err error) (secret.Value, bool) {
	if !errors.Is(err, seal.ErrOpen) {
		return creds, false
	}
	fresh, ferr := s.secrets.RefreshIfStale(ctx, creds)
	if ferr != nil || fresh == creds {
		return creds, false
	}
	return fresh, true
}

// keyCache keeps the sealers of the most recent seal keys (cookie_key,
// previous_cookie_key, client id), so the keys are derived once per change
// of the secret rather than once per request. Safe for concurrent use.
type keyCache struct {
	mu      sync.Mutex
	keys    seal.Keys
	login   *logincookie.Sealer
	session *session.Sealer
}

// Format prints the cache without the cookie key, for every fmt verb.
func (c *keyCache) Format(f fmt.State, _ rune) { fmt.Fprint(f, "signin.keyCache{REDACTED}") }

// LogValue redacts the cache for log/slog.
func (c *keyCache) LogValue() slog.Value { return slog.StringValue("signin.keyCache{REDACTED}") }

// sealers returns the login-cookie and session sealers for the secret's
// seal keys: 503 when the key is unusable, like any unavailable secret.
func (s *Server) sealers(creds secret.Value) (*logincookie.Sealer, *session.Sealer, error) {
	c := s.keys
	c.mu.Lock()
	defer c.mu.Unlock()
	if keys := creds.SealKeys(); c.login == nil || c.keys != keys {
		login, err := logincookie.NewSealer(keys)
		if err != nil {
			return nil, nil, apigw.Unavailable(fmt.Errorf("%w: cookie key: %w", secret.ErrUnavailable, err))
		}
		sess, err := session.NewSealer(keys)
		if err != nil {
			return nil, nil, apigw.Unavailable(fmt.Errorf("%w: cookie key: %w", secret.ErrUnavailable, err))
		}
		c.keys, c.login, c.session = keys, login, sess
	}
	return c.login, c.session, nil
}

// apiBase is the API's base URL without a trailing slash, from its callback
// URL: https://<domain>/<stage> on API Gateway, the origin locally, or what
// REDIRECT_URI implies.
func apiBase(callbackURL string) string {
	return strings.TrimSuffix(apigw.SiblingURL(callbackURL, ""), "/")
}

// withCredentials calls call with creds. If Cognito answers invalid_client
// (client authentication fails before Cognito looks at the grant, so the
// grant may be sent again), it re-reads the secret and, only if the
// credentials changed, calls once more. It returns the credentials last
// used.
func (s *Server) withCredentials(ctx context.Context, log *slog.Logger, creds secret.Value, call func(secret.Value) error) (secret.Value, error) {
	err := call(creds)
	if !errors.Is(err, cognito.ErrInvalidClient) {
		return creds, err
	}
	fresh, rerr := s.secrets.Refresh(ctx, creds)
	switch {
	case rerr != nil:
		log.Warn("re-reading the client secret failed", slog.String("detail", rerr.Error()))
		return creds, err
	case fresh.ClientID == creds.ClientID && fresh.ClientSecret == creds.ClientSecret:
		return creds, err
	}
	log.Info("client secret changed; retrying once")
	return fresh, call(fresh)
}

// tokenError maps an error of package cognito to the response error:
// ErrInvalidGrant becomes onInvalidGrant (the caller knows what the user
// must do), a timeout 504, anything else (invalid_client after the retry,
// other OAuth errors, 5xx, a bad ID token) 502.
func tokenError(err error, onInvalidGrant *apigw.Error) error {
	var e *apigw.Error
	switch {
	case errors.As(err, &e):
		return e
	case errors.Is(err, cognito.ErrInvalidGrant):
		out := *onInvalidGrant
		out.Err = err
		return &out
	case errors.Is(err, cognito.ErrTimeout):
		return &apigw.Error{Kind: apigw.KindTimeout, Code: "gateway_timeout",
			Message: "Cognito did not answer in time. Please try again.", Err: err}
	case errors.Is(err, cognito.ErrInvalidToken):
		return &apigw.Error{Kind: apigw.KindUpstream, Code: "invalid_token",
			Message: "Cognito's answer could not be verified. Please sign in again.", Err: err}
	default:
		return &apigw.Error{Kind: apigw.KindUpstream, Code: "bad_gateway",
			Message: "Cognito could not complete the request. Please try again.", Err: err}
	}
}

// Time budget for the calls to Cognito after a request arrives.
const (
	// DefaultBudget applies when the context has no deadline.
	DefaultBudget = 10 * time.Second
	// MaxBudget stays well under API Gateway's 29 s integration timeout.
	MaxBudget = 25 * time.Second
	// reserve is kept back from the Lambda deadline to write the response.
	reserve = 500 * time.Millisecond
)

// budget bounds the remaining work by the Lambda deadline (less a reserve
// to answer) and by MaxBudget. Deadlines are real time: the Server's
// injected clock (Options.Now) plays no part.
func budget(ctx context.Context) (context.Context, context.CancelFunc) {
	b := DefaultBudget
	if dl, ok := ctx.Deadline(); ok {
		b = time.Until(dl) - reserve
	}
	b = min(b, MaxBudget)
	if b <= 0 {
		b = time.Millisecond
	}
	return context.WithTimeout(ctx, b)
}
