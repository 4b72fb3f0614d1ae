// Package devserver runs the whole sign-in flow on one machine: the app's
// own handlers behind an API Gateway emulator (package localgateway), every
// route of the route table (package routes) with the Cognito authorizer
// enforced where the table says, a local Cognito user pool
// (package localcognito), and the client secret held in memory or read from
// Secrets Manager through the same code path as in Lambda.
//
// With COGNITO_DOMAIN set, it points the handlers at that user pool (a
// deployed one) instead of starting a local Cognito; the secret then must
// come from Secrets Manager.
//
// cmd/local is its command; tests start it in-process on free ports.
package devserver

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/example/cognito-sam-go/internal/cognito"
	"github.com/example/cognito-sam-go/internal/config"
	"github.com/example/cognito-sam-go/internal/hello"
	"github.com/example/cognito-sam-go/internal/local/localcognito"
	"github.com/example/cognito-sam-go/internal/local/localgateway"
	"github.com/example/cognito-sam-go/internal/routes"
	"github.com/example/cognito-sam-go/internal/secret"
	"github.com/example/cognito-sam-go/internal/signin"
	"github.com/example/cognito-sam-go/internal/webapp"
)

// Defaults of Options.
const (
	DefaultAddr        = "localhost:3000"
	DefaultCognitoAddr = "127.0.0.1:9229"
	// DefaultIdentityAddr is the local identity pool's address.
	DefaultIdentityAddr = "127.0.0.1:9230"
	DefaultUser         = "demo@example.com"
	DefaultPassword     = "Demo-Passw0rd!"
	// DefaultSecretName is the secret read with SecretFromAWS when
	// CLIENT_SECRET_NAME is not set.
	DefaultSecretName = "local/cognito-app-client"
	// LocalClientID is the local app client's id when the secret is in
	// memory.
	LocalClientID = "localappclient"
)

// Options configure a dev server. The zero value runs everything locally
// on the default addresses.
type Options struct {
	// Addr is the API's listen address (host:port); port 0 picks one.
	Addr string
	// CognitoAddr is the local Cognito's listen address.
	CognitoAddr string
	// User and Password are the seeded demo user of the local Cognito.
	User, Password string
	// SecretFromAWS reads the client secret from Secrets Manager
	// (CLIENT_SECRET_NAME, AWS_ENDPOINT_URL_SECRETS_MANAGER, ...) instead of
	// making one in memory. With a local Cognito, the local app client gets
	// the credentials found in that secret.
	SecretFromAWS bool
	// Getenv supplies the contract's variables (COGNITO_DOMAIN, ...); nil
	// means none are set.
	Getenv func(string) string
	// Logger receives the handlers' and the gateway's logs.
	Logger *slog.Logger
	// AppAddr, when set, also serves the sample app (/app) from this second
	// origin (host:port, e.g. localhost:5173, as a Vite dev server would),
	// calling the API across origins; the origin is added to
	// ALLOWED_ORIGINS. It must be same-site with the API: localhost on
	// another port.
	AppAddr string
	// TokenLifetime is the local Cognito's access and ID token lifetime;
	// zero means DefaultTokenLifetime. Shorten it to watch expiry and
	// refresh in minutes.
	TokenLifetime time.Duration
	// RefreshTokenRotation is the local app client's refresh-token
	// rotation; nil means localcognito's default, as template.yaml
	// configures the deployed client (enabled, 30 s grace).
	RefreshTokenRotation *localcognito.RefreshTokenRotation
	// Google offers "Continue with Google" on the local Cognito, backed by
	// its local stand-in for Google (IDENTITY_PROVIDERS=Google). Local
	// Cognito only.
	Google bool
	// IdentityPool starts a local identity pool on IdentityAddr
	// (DefaultIdentityAddr when empty) and serves POST /credentials with
	// it; its credentials are fake. Local Cognito only: with a deployed
	// pool, set IDENTITY_POOL_ID instead.
	IdentityPool bool
	IdentityAddr string
}

// LocalIdentityPoolID is the local identity pool's id, and
// LocalCredentialsBucket the bucket name its page shows (no bucket exists
// locally).
const (
	LocalIdentityPoolID    = "us-east-1:00000000-1111-4222-8333-444444444444"
	LocalCredentialsBucket = "local-credentials-bucket"
)

// DefaultTokenLifetime is the access and ID token lifetime of the local
// Cognito, the same as template.yaml gives the deployed app client.
const DefaultTokenLifetime = 15 * time.Minute

// Server is a running dev server.
type Server struct {
	// APIURL is the API's base URL, e.g. http://localhost:3000.
	APIURL string
	// CognitoDomain and Issuer are the user pool's, local or remote.
	CognitoDomain, Issuer string
	// Cognito is the local user pool; nil when a remote pool is used.
	Cognito *localcognito.Server
	// ClientID is the app client in use.
	ClientID string
	// User and Password are the demo user's (local Cognito only).
	User, Password string
	// AppURL is the second origin's sample app, when Options.AppAddr is set.
	AppURL string
	// IdentityURL is the local identity pool's endpoint, when
	// Options.IdentityPool is set.
	IdentityURL string

	google  bool // the Google stand-in is on
	servers []*http.Server
	wg      sync.WaitGroup
	errs    chan error
}

// Start validates opts, listens, and serves until Close. Every problem with
// opts is reported at once.
func Start(ctx context.Context, opts Options) (*Server, error) {
	opts = withDefaults(opts)
	remote := strings.TrimSpace(opts.Getenv(config.EnvCognitoDomain)) != ""
	if err := validate(opts, remote); err != nil {
		return nil, err
	}
	log := opts.Logger

	apiLn, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return nil, fmt.Errorf("API address %s: %w", opts.Addr, err)
	}
	s := &Server{APIURL: "http://" + hostPort(opts.Addr, apiLn.Addr()), errs: make(chan error, 3)}
	var appLn net.Listener
	fail := func(err error) (*Server, error) {
		apiLn.Close()
		if appLn != nil {
			appLn.Close()
		}
		s.Close(context.Background())
		return nil, err
	}

	src, creds, err := secretSource(ctx, opts)
	if err != nil {
		return fail(err)
	}
	env := opts.Getenv
	var frontEnds []string
	if opts.AppAddr != "" {
		if appLn, err = net.Listen("tcp", opts.AppAddr); err != nil {
			return fail(fmt.Errorf("-app-addr %s: %w", opts.AppAddr, err))
		}
		s.AppURL = "http://" + hostPort(opts.AppAddr, appLn.Addr())
		frontEnds = []string{s.AppURL}
		origins := strings.TrimSpace(env(config.EnvOrigins) + " " + s.AppURL)
		env = overlay(env, map[string]string{config.EnvOrigins: origins})
	}
	if !remote {
		cogLn, err := net.Listen("tcp", opts.CognitoAddr)
		if err != nil {
			return fail(fmt.Errorf("local Cognito address %s: %w", opts.CognitoAddr, err))
		}
		cog, err := localcognito.New(localcognito.Options{
			BaseURL: "http://" + hostPort(opts.CognitoAddr, cogLn.Addr()),
			Clients: []localcognito.Client{{
				ID: creds.ClientID, Secrets: []string{creds.ClientSecret},
				CallbackURLs: apiURLs(apiLn.Addr(), routes.Callback.Path),
				LogoutURLs:   apiURLs(apiLn.Addr(), routes.SignedOut.Path),
				Scopes:       []string{"openid", "email", "profile", config.APIScope},
				FrontEnds:    frontEnds,

				RefreshTokenRotation: opts.RefreshTokenRotation,
			}},
			Users:               []localcognito.User{{Email: opts.User, Password: opts.Password}},
			Logger:              log.With("component", "local-cognito"),
			AccessTokenLifetime: opts.TokenLifetime,
			IDTokenLifetime:     opts.TokenLifetime,
		})
		if err != nil {
			cogLn.Close()
			return fail(fmt.Errorf("local Cognito: %w", err))
		}
		s.Cognito, s.User, s.Password = cog, opts.User, opts.Password
		s.serve(cogLn, cog)
		if env, err = s.startFederation(opts, cog, creds.ClientID, env); err != nil {
			return fail(err)
		}
		env = overlay(env, map[string]string{
			config.EnvCognitoDomain: cog.Domain(),
			config.EnvIssuer:        cog.Issuer(),
			config.EnvSecretName:    secretName(opts),
		})
	}
	cfg, err := config.Load(env, config.RequireIssuer)
	if err != nil {
		return fail(err)
	}
	s.CognitoDomain, s.Issuer, s.ClientID = cfg.CognitoDomain, cfg.Issuer, creds.ClientID

	client := cognito.New(cognito.Options{Domain: cfg.CognitoDomain, Issuer: cfg.Issuer, Scopes: cfg.Scopes})
	identity, err := s.identityClient(ctx, cfg)
	if err != nil {
		return fail(err)
	}
	gwRoutes, err := gatewayRoutes(cfg.Issuer,
		signin.New(signin.Options{Config: cfg, Secrets: src, Cognito: client, Logger: log, Identity: identity}),
		hello.New(log, cfg.Origins),
		webapp.New(webapp.Options{CognitoDomain: cfg.CognitoDomain}),
		routes.Preflights{Allowed: cfg.Origins})
	if err != nil {
		return fail(err)
	}
	gw, err := localgateway.New(localgateway.Options{Logger: log.With("component", "api-gateway"), Routes: gwRoutes,
		GatewayResponseHeaders: GatewayResponseHeaders(cfg.Origins)})
	if err != nil {
		return fail(fmt.Errorf("API gateway: %w", err))
	}
	s.serve(apiLn, gw)
	if appLn != nil {
		s.serve(appLn, webapp.New(webapp.Options{API: s.APIURL + "/", CognitoDomain: cfg.CognitoDomain}).Site())
	}
	return s, nil
}

// GatewayResponseHeaders are the headers template.yaml's GatewayResponses
// add to API Gateway's own 401 and 403 answers: no-store and, with allowed
// origins, CORS for the first of them. API Gateway sets only static values
// there, so it cannot answer each allowed origin with its own name the way
// the functions do.
func GatewayResponseHeaders(origins config.Origins) map[string]string {
	h := map[string]string{"Cache-Control": "no-store"}
	if len(origins) > 0 {
		h["Access-Control-Allow-Origin"] = origins[0]
		h["Access-Control-Allow-Credentials"] = "true"
		h["Vary"] = "Origin"
	}
	return h
}

// gatewayRoutes serves every route of the table with the handler of the
// concern that binds it, behind the Cognito authorizer where the table
// says so, as API Gateway would.
func gatewayRoutes(issuer string, binders ...routes.Binder) ([]localgateway.Route, error) {
	var out []localgateway.Route
	for _, r := range routes.All {
		var h routes.HandlerFunc
		for _, b := range binders {
			if bh, ok := b.HandlerFor(r); ok {
				h = bh
				break
			}
		}
		if h == nil {
			return nil, fmt.Errorf("no handler for %s", r.Key())
		}
		gr := localgateway.Route{Method: r.Method, Path: r.Path, Handler: h}
		if r.Protected() {
			gr.Authorizer = &localgateway.CognitoAuthorizer{Issuer: issuer, Scopes: r.Scopes}
		}
		out = append(out, gr)
	}
	return out, nil
}

// secretName is CLIENT_SECRET_NAME, or DefaultSecretName.
func secretName(opts Options) string {
	if name := opts.Getenv(config.EnvSecretName); name != "" {
		return name
	}
	return DefaultSecretName
}

// secretSource returns where the handlers read the client secret, and the
// credentials to register with a local Cognito.
func secretSource(ctx context.Context, opts Options) (signin.Secrets, secret.Value, error) {
	if !opts.SecretFromAWS {
		v := secret.Value{ClientID: LocalClientID, ClientSecret: random(32), CookieKey: random(32)}
		return secret.Static{Value: v}, v, nil
	}
	cache, err := secret.NewCacheFromEnv(ctx, secretName(opts))
	if err != nil {
		return nil, secret.Value{}, err
	}
	v, err := cache.Get(ctx)
	if err != nil {
		return nil, secret.Value{}, fmt.Errorf("read secret %q from Secrets Manager: %w", secretName(opts), err)
	}
	return cache, v, nil
}

func (s *Server) serve(ln net.Listener, h http.Handler) {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	s.servers = append(s.servers, srv)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.errs <- err
		}
	}()
}

// Err receives the error of a server that stopped on its own.
func (s *Server) Err() <-chan error { return s.errs }

// Close shuts the servers down, waiting for requests in flight until ctx
// ends.
func (s *Server) Close(ctx context.Context) error {
	var errs []error
	for _, srv := range s.servers {
		if err := srv.Shutdown(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	s.wg.Wait()
	return errors.Join(errs...)
}

// Banner is what cmd/local prints on start.
func (s *Server) Banner(w io.Writer) {
	fmt.Fprintf(w, "API (API Gateway emulator):  %s\n", s.APIURL)
	if s.Cognito != nil {
		fmt.Fprintf(w, "Cognito (local user pool):   %s  issuer %s\n", s.CognitoDomain, s.Issuer)
	} else {
		fmt.Fprintf(w, "Cognito (your user pool):    %s  issuer %s\n", s.CognitoDomain, s.Issuer)
	}
	fmt.Fprintf(w, "\nOpen %s/login in a browser", s.APIURL)
	if s.Cognito != nil {
		fmt.Fprintf(w, " and sign in as\n  email:    %s\n  password: %s\n", s.User, s.Password)
	} else {
		fmt.Fprintln(w, " and sign in with a user of your pool.")
	}
	fmt.Fprintf(w, "You land on the home page (%s/): it shows a curl command for the protected route:\n  curl -H 'Authorization: <access token>' %s/hello\n", s.APIURL, s.APIURL)
	fmt.Fprintf(w, "The sample single-page app: %s/app\n", s.APIURL)
	s.federationBanner(w)
	if s.AppURL != "" {
		fmt.Fprintf(w, "The same app from a second origin (CORS): %s/app\n", s.AppURL)
	}
	fmt.Fprintf(w, "\nPress Ctrl-C to stop.\n")
}

func withDefaults(o Options) Options {
	if o.Addr == "" {
		o.Addr = DefaultAddr
	}
	if o.CognitoAddr == "" {
		o.CognitoAddr = DefaultCognitoAddr
	}
	if o.IdentityAddr == "" {
		o.IdentityAddr = DefaultIdentityAddr
	}
	if o.User == "" {
		o.User = DefaultUser
	}
	if o.Password == "" {
		o.Password = DefaultPassword
	}
	if o.TokenLifetime == 0 {
		o.TokenLifetime = DefaultTokenLifetime
	}
	if o.Getenv == nil {
		o.Getenv = func(string) string { return "" }
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return o
}

func validate(o Options, remote bool) error {
	var problems []error
	addrs := map[string]string{"-addr": o.Addr, "-cognito-addr": o.CognitoAddr}
	if o.AppAddr != "" {
		addrs["-app-addr"] = o.AppAddr
	}
	if o.IdentityPool && !remote {
		addrs["-identity-addr"] = o.IdentityAddr
	}
	if o.TokenLifetime < 0 || (o.TokenLifetime > 0 && (o.TokenLifetime < 2*time.Minute || o.TokenLifetime > 24*time.Hour)) {
		problems = append(problems, fmt.Errorf("-token-lifetime %s: want 2m to 24h (the session refreshes a token with a minute or less to live; Cognito allows 5m to 1d)", o.TokenLifetime))
	}
	for name, addr := range addrs {
		host, port, err := net.SplitHostPort(addr)
		if err != nil || port == "" {
			problems = append(problems, fmt.Errorf("%s %q: want host:port, e.g. localhost:3000", name, addr))
			continue
		}
		if !config.IsLoopback(host) {
			problems = append(problems, fmt.Errorf("%s %q: must be a loopback address (localhost, 127.0.0.1, ::1): the flow runs over plain http", name, addr))
		}
	}
	if !remote {
		if !strings.Contains(o.User, "@") {
			problems = append(problems, fmt.Errorf("-user %q: must be an email address", o.User))
		}
		if rules := localcognito.CheckPassword(o.Password); len(rules) > 0 {
			problems = append(problems, fmt.Errorf("-password: %s", strings.Join(rules, "; ")))
		}
	} else if !o.SecretFromAWS {
		problems = append(problems, errors.New("COGNITO_DOMAIN is set (a deployed user pool): its app client secret must come from Secrets Manager, so add -secret aws and set CLIENT_SECRET_NAME"))
	}
	return errors.Join(problems...)
}

// hostPort keeps the host the user asked for (localhost stays localhost,
// which the registered callback URL uses) with the port actually bound.
func hostPort(requested string, bound net.Addr) string {
	host, _, _ := net.SplitHostPort(requested)
	_, port, _ := net.SplitHostPort(bound.String())
	return net.JoinHostPort(host, port)
}

// apiURLs are the callback (or sign-out) URLs a browser may use to reach
// the API on its port: via localhost, 127.0.0.1 and [::1].
func apiURLs(bound net.Addr, path string) []string {
	_, port, _ := net.SplitHostPort(bound.String())
	var out []string
	for _, host := range []string{"localhost", "127.0.0.1", "[::1]"} {
		out = append(out, "http://"+host+":"+port+path)
	}
	return out
}

func overlay(getenv func(string) string, set map[string]string) func(string) string {
	return func(k string) string {
		if v, ok := set[k]; ok {
			return v
		}
		return getenv(k)
	}
}

func random(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
