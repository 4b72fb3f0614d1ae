package cognito

import (
	"context"
	"crypto/subtle"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// Options configure a Client.
type Options struct {
	// Domain is the user pool domain's base URL (COGNITO_DOMAIN).
	Domain string
	// Issuer is the user pool's issuer URL (COGNITO_ISSUER); needed only for
	// VerifyIDToken.
	Issuer string
	// Scopes are requested at /oauth2/authorize.
	Scopes []string
	// HTTPClient is used for the token endpoint and the key set; its
	// redirect policy is replaced so that no redirect is followed, and its
	// idle connections are closed after a quiet spell (MaxIdleReuse). Nil
	// means a client with a clone of http.DefaultTransport.
	HTTPClient *http.Client
	// Now is the clock for token expiry; time.Now when nil.
	Now func() time.Time
	// KeyRefetchInterval: see KeySet. Zero means DefaultRefetchInterval.
	KeyRefetchInterval time.Duration
	// MaxIdleReuse: see Client.MaxIdleReuse. Zero means MaxIdleReuse; a
	// negative value turns the check off (idle connections are always
	// reused, as net/http does).
	MaxIdleReuse time.Duration
}

// MaxIdleReuse is the default of Options.MaxIdleReuse: the longest time the
// client's connections may have been idle for Exchange, Refresh or Revoke
// to send on a pooled one.
//
// Lambda freezes an execution environment between invocations. A
// keep-alive connection that the token endpoint closed meanwhile is still
// in the pool at the thaw, the next request can be written to it before
// the connection's reader sees the close, and net/http does not retry a
// POST: the sign-in would fail with a code that never reached Cognito. A
// retry cannot be made safe from inside the client (a request that failed
// on a reused connection may have been received, and a code is single
// use), so instead these calls do not reuse a connection that has been
// idle long enough to have been closed: when the last token or revocation
// request finished more than MaxIdleReuse ago, the client's idle
// connections are closed first and the request opens a fresh one.
//
// The trade-off: after a quiet second, a grant pays for a new TCP and TLS
// handshake (two round trips) even when the old connection was still
// good; an environment busy enough to call Cognito more often than once a
// second keeps reusing its connection. A second is well below the idle
// timeouts HTTP servers and load balancers typically use (5 s and more),
// and a server that closes right after answering says so (Connection:
// close), which keeps the connection out of the pool; so a connection idle
// for less than that is very unlikely to be dead. The
// key set GET is left alone: net/http retries an idempotent GET written to
// a dead connection.
const MaxIdleReuse = time.Second

// Client talks to one user pool's domain and issuer. It is safe for
// concurrent use and meant to be built once per execution environment.
type Client struct {
	domain string
	issuer string
	scopes []string
	http   *http.Client
	now    func() time.Time
	keys   *KeySet

	// maxIdle is Options.MaxIdleReuse with the default applied.
	maxIdle time.Duration
	mu      sync.Mutex
	// lastDone is when the last token or revocation request finished, with
	// its monotonic reading; zero before the first.
	lastDone time.Time
	// created is when New built the client with a transport of its own, so
	// that no connection in its pool is older; zero with Options.HTTPClient,
	// whose transport may hold older ones.
	created time.Time
}

// New returns a Client. The options are expected to be validated already
// (package config).
func New(o Options) *Client {
	base := o.HTTPClient
	if base == nil {
		// A transport of its own, so that closing its idle connections
		// (MaxIdleReuse) leaves the process's other clients alone.
		base = &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	}
	hc := *base
	// A redirect from the token endpoint would make net/http send the
	// request, and the single-use code, again.
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	now := o.Now
	if now == nil {
		now = time.Now
	}
	c := &Client{
		domain: strings.TrimSuffix(o.Domain, "/"),
		issuer: o.Issuer,
		scopes: o.Scopes,
		http:   &hc,
		now:    now,

		maxIdle: o.MaxIdleReuse,
	}
	if o.HTTPClient == nil {
		c.created = time.Now()
	}
	if c.maxIdle == 0 {
		c.maxIdle = MaxIdleReuse
	}
	if o.Issuer != "" {
		c.keys = NewKeySet(o.Issuer+"/.well-known/jwks.json", &hc, now, o.KeyRefetchInterval)
	}
	return c
}

// Keys returns the key set used by VerifyIDToken (nil without an issuer).
func (c *Client) Keys() *KeySet { return c.keys }

// freshIfIdle closes the client's idle connections when the last token or
// revocation request finished more than maxIdle ago, or, when there was
// none yet, when the client was built more than maxIdle ago with a
// transport of its own (no connection in its pool is older than the
// client; with Options.HTTPClient, always), so that a single-use grant is
// never written to a connection the server may have closed while Lambda
// had the environment frozen (see MaxIdleReuse). A request in flight keeps
// its connection: only idle ones are closed; so does a dial under way for
// Preconnect right after a cold start.
//
// Idleness is the longer of the monotonic and the wall clock's reading, so
// that a freeze that one of them does not count still counts; a clock
// stepped forward only costs a new connection.
func (c *Client) freshIfIdle() {
	if c.maxIdle < 0 {
		return
	}
	c.mu.Lock()
	last := c.lastDone
	c.mu.Unlock()
	if last.IsZero() {
		last = c.created
	}
	if !last.IsZero() {
		now := time.Now()
		idle := now.Sub(last)
		if wall := now.Round(0).Sub(last.Round(0)); wall > idle {
			idle = wall
		}
		if idle <= c.maxIdle {
			return
		}
	}
	c.http.CloseIdleConnections()
}

// done records that a token or revocation request finished (its response
// read and closed, or failed).
func (c *Client) done() { c.usedAt(time.Now()) }

// usedAt records that the pool's connections were in use at t, unless a
// later use is recorded already.
func (c *Client) usedAt(t time.Time) {
	c.mu.Lock()
	if t.After(c.lastDone) {
		c.lastDone = t
	}
	c.mu.Unlock()
}

func (c *Client) config(clientID, clientSecret, redirectURI string) *oauth2.Config {
	return &oauth2.Config{
		ClientID:     clientID,
		ClientSecret: clientSecret,
		RedirectURL:  redirectURI,
		Scopes:       c.scopes,
		Endpoint: oauth2.Endpoint{
			AuthURL:   c.domain + "/oauth2/authorize",
			TokenURL:  c.domain + "/oauth2/token",
			AuthStyle: oauth2.AuthStyleInHeader,
		},
	}
}

// AuthCodeURL returns the /oauth2/authorize URL for one sign-in attempt:
// response_type=code, the client id, redirect URI, scopes, state, nonce and
// the S256 challenge of verifier.
func (c *Client) AuthCodeURL(clientID, redirectURI, state, nonce, verifier string, extra ...oauth2.AuthCodeOption) string {
	return c.config(clientID, "", redirectURI).AuthCodeURL(state, append([]oauth2.AuthCodeOption{
		oauth2.S256ChallengeOption(verifier),
		oauth2.SetAuthURLParam("nonce", nonce)}, extra...)...)
}

// IdentityProvider is an AuthCodeURL option that sends the browser
// straight to the user pool's identity provider name (identity_provider),
// skipping Cognito's own sign-in page.
func IdentityProvider(name string) oauth2.AuthCodeOption {
	return oauth2.SetAuthURLParam("identity_provider", name)
}

// LogoutURL returns the /logout URL that ends the user's Cognito session
// and then sends the browser to logoutURI, which must be one of the app
// client's sign-out URLs.
func (c *Client) LogoutURL(clientID, logoutURI string) string {
	q := url.Values{"client_id": {clientID}, "logout_uri": {logoutURI}}
	return c.domain + "/logout?" + q.Encode()
}

// Exchange trades an authorization code for tokens at /oauth2/token with
// client_secret_basic, the PKCE verifier and the same redirect URI the
// authorize request carried. It sends the code exactly once; its deadline is
// ctx's. The error wraps one of this package's sentinels. After a quiet
// spell it opens a fresh connection rather than risk a dead pooled one
// (MaxIdleReuse).
func (c *Client) Exchange(ctx context.Context, clientID, clientSecret, redirectURI, code, verifier string) (*oauth2.Token, error) {
	ctx = context.WithValue(ctx, oauth2.HTTPClient, c.http)
	c.freshIfIdle()
	tok, err := c.config(clientID, clientSecret, redirectURI).Exchange(ctx, code, oauth2.VerifierOption(verifier))
	c.done()
	if err != nil {
		return nil, fmt.Errorf("exchange code: %w", classify(ctx, err, grantCode))
	}
	return c.dated(tok), nil
}

// dated sets tok's Expiry from expires_in by the client's clock
// (Options.Now): x/oauth2 dates it by time.Now, and the callers compare it
// with their own clock.
func (c *Client) dated(tok *oauth2.Token) *oauth2.Token {
	if tok.ExpiresIn > 0 {
		tok.Expiry = c.now().Add(time.Duration(tok.ExpiresIn) * time.Second)
	}
	return tok
}

// IDClaims are the verified ID token claims the app shows or logs.
type IDClaims struct {
	Subject  string    `json:"sub"`
	Username string    `json:"cognito:username"`
	Email    string    `json:"email"`
	Expiry   time.Time `json:"-"`
	IssuedAt time.Time `json:"-"`
}

// maxClockSkew tolerates clocks of Cognito and Lambda that disagree.
const maxClockSkew = 2 * time.Minute

// VerifyIDToken checks an ID token from the token endpoint: the RS256
// signature against the issuer's keys, iss, aud (clientID), azp, exp, iat,
// token_use=id, and nonce (skipped when wantNonce is empty, as after a
// refresh, where Cognito sends none). When the token carries at_hash, the
// access token must match it. The error wraps ErrInvalidToken, or ErrTimeout
// when the keys could not be fetched in time.
//
// Audience rules (OpenID Connect Core 1.0 §3.1.3.7): aud must contain
// clientID; a token with more than one audience is accepted only when azp
// names clientID; and an azp that is present must be clientID, even with a
// single audience. Point 3 says a token "MUST be rejected if ... it
// contains additional audiences not trusted by the Client", and the only
// party this client trusts is itself; points 4 and 5 of the original text
// (azp present with several audiences, azp equal to the client id: SHOULDs,
// folded into an extensions clause by errata set 2) are applied as musts.
// Cognito's ID tokens carry one audience and no azp, so they pass; a token
// minted for another party that merely lists this client among its
// audiences does not.
//
// at_hash stays optional: Core §3.1.3.6 makes it optional in the code
// flow, where the access token comes over the same TLS connection to the
// token endpoint as the ID token, so requiring it would gain nothing and
// would refuse every sign-in if Cognito ever left it out.
func (c *Client) VerifyIDToken(ctx context.Context, clientID, rawIDToken, accessToken, wantNonce string) (*IDClaims, error) {
	if c.keys == nil {
		return nil, fmt.Errorf("%w: no issuer configured", ErrInvalidToken)
	}
	v := oidc.NewVerifier(c.issuer, c.keys, &oidc.Config{
		ClientID:             clientID,
		SupportedSigningAlgs: []string{oidc.RS256},
		Now:                  c.now,
	})
	idt, err := v.Verify(ctx, rawIDToken)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("verify ID token: %w: %w", ErrTimeout, err)
		}
		return nil, fmt.Errorf("verify ID token: %w: %w", ErrInvalidToken, err)
	}
	var claims struct {
		IDClaims
		TokenUse string `json:"token_use"`
		// AuthorizedParty is azp; nil when absent (or null).
		AuthorizedParty *string `json:"azp"`
	}
	if err := idt.Claims(&claims); err != nil {
		return nil, fmt.Errorf("verify ID token: %w: claims: %w", ErrInvalidToken, err)
	}
	switch azp := claims.AuthorizedParty; {
	case len(idt.Audience) > 1 && azp == nil:
		return nil, fmt.Errorf("verify ID token: %w: %d audiences and no azp", ErrInvalidToken, len(idt.Audience))
	case azp != nil && *azp != clientID:
		return nil, fmt.Errorf("verify ID token: %w: azp %.100q is not this client", ErrInvalidToken, *azp)
	}
	switch {
	case claims.TokenUse != "id":
		return nil, fmt.Errorf("verify ID token: %w: token_use is %q, want \"id\"", ErrInvalidToken, claims.TokenUse)
	case wantNonce != "" && subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(wantNonce)) != 1:
		return nil, fmt.Errorf("verify ID token: %w: nonce does not match", ErrInvalidToken)
	case idt.IssuedAt.IsZero() || idt.IssuedAt.After(c.now().Add(maxClockSkew)):
		return nil, fmt.Errorf("verify ID token: %w: iat missing or in the future", ErrInvalidToken)
	}
	if idt.AccessTokenHash != "" {
		if err := idt.VerifyAccessToken(accessToken); err != nil {
			return nil, fmt.Errorf("verify ID token: %w: at_hash: %w", ErrInvalidToken, err)
		}
	}
	out := claims.IDClaims
	out.Subject = idt.Subject
	out.Expiry, out.IssuedAt = idt.Expiry, idt.IssuedAt
	if out.Subject == "" {
		return nil, fmt.Errorf("verify ID token: %w: no sub", ErrInvalidToken)
	}
	return &out, nil
}
