package localcognito

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/example/cognito-sam-go/internal/cognito/cognitotest/tokensign"
)

// DefaultPoolID is the user pool id used when [Options.PoolID] is empty. It
// has the shape of a real one: <region>_<9 characters>.
const DefaultPoolID = "us-east-1_localpool"

// SessionCookieName is the name of the cookie that holds the local sign-in
// session (HttpOnly, SameSite=Lax, Path=/, Secure when the domain is https).
// Its value is an opaque random id; the session itself lives in the Server.
const SessionCookieName = "localcognito_session"

// Lifetimes fixed by Cognito, and the defaults of the configurable ones.
const (
	// CodeLifetime is how long an authorization code can be redeemed.
	CodeLifetime = 5 * time.Minute
	// SessionLifetime is how long the sign-in session cookie lets
	// /oauth2/authorize skip the sign-in page (Cognito: 1 hour).
	SessionLifetime = time.Hour
	// DefaultAccessTokenLifetime is the default of [Options.AccessTokenLifetime].
	DefaultAccessTokenLifetime = time.Hour
	// DefaultIDTokenLifetime is the default of [Options.IDTokenLifetime].
	DefaultIDTokenLifetime = time.Hour
	// DefaultRefreshTokenLifetime is the default of [Options.RefreshTokenLifetime].
	DefaultRefreshTokenLifetime = 30 * 24 * time.Hour
)

// Bounds on the state held in memory. When a bound is reached, expired
// entries are swept first; if that is not enough, new authorization codes are
// refused (error=server_error) and the oldest sessions and refresh tokens are
// dropped.
const (
	MaxPendingCodes  = 1000
	MaxSessions      = 10000
	MaxRefreshTokens = 10000
)

// Options configures a Server. Only BaseURL and Clients are required.
type Options struct {
	// BaseURL is the user pool domain, for example "http://127.0.0.1:9229":
	// an absolute http or https URL with no path, query or fragment. It is
	// what the application calls COGNITO_DOMAIN.
	BaseURL string
	// PoolID is the user pool id; the issuer is BaseURL + "/" + PoolID.
	// Default DefaultPoolID.
	PoolID string
	// Clients are the app clients. At least one is required.
	Clients []Client
	// Users are created before the server starts. Each password must satisfy
	// the pool's password policy (see [CheckPassword]).
	Users []User
	// Now is the clock; default time.Now. Tests inject one to expire codes,
	// sessions and tokens.
	Now func() time.Time
	// Logger receives one line per sign-in, token and sign-out event; default
	// discards. It never receives codes, tokens, cookies, passwords or
	// secrets.
	Logger *slog.Logger
	// AccessTokenLifetime, IDTokenLifetime and RefreshTokenLifetime default to
	// Cognito's defaults (1 hour, 1 hour, 30 days) and are limited to
	// Cognito's ranges (5 minutes to 1 day; 1 hour to 10 years).
	AccessTokenLifetime  time.Duration
	IDTokenLifetime      time.Duration
	RefreshTokenLifetime time.Duration
}

// Client is an app client that may use the authorization code grant.
type Client struct {
	// ID is the client id ([\w+]+, at most 128 characters).
	ID string
	// Secrets are the client's current secrets: none for a public client,
	// at most two (Cognito allows two at once, for rotation). Any of them
	// authenticates the client.
	Secrets []string
	// CallbackURLs are the allowed redirect_uri values, matched exactly.
	CallbackURLs []string
	// LogoutURLs are the allowed logout_uri values, matched exactly.
	LogoutURLs []string
	// Scopes are the OAuth scopes the client may request, for example
	// "openid", "email", "profile" and "api/read". An authorization request
	// without a scope gets all of them.
	Scopes []string
	// FrontEnds are origins (scheme://host[:port]) the app's callback may
	// send the browser on to after a sign-in, such as a front end on another
	// port. The sign-in pages' form-action allows them besides the
	// redirect_uri's origin: Chrome applies form-action to every redirect
	// that follows the form's post. Cognito does not document its own
	// pages' policy; this emulator assumes it lets the app's redirects
	// through.
	FrontEnds []string
	// RefreshTokenRotation is the client's refresh-token rotation; nil
	// means DefaultRefreshTokenRotation (enabled, 30 s grace).
	RefreshTokenRotation *RefreshTokenRotation
}

// User is a user of the pool. The email address is the username; the user's
// sub (and Cognito username) is generated.
type User struct {
	Email    string
	Password string
}

// msgInvalidEmail is Cognito's message for a malformed email attribute.
const msgInvalidEmail = "Invalid email address format."

// Errors returned by the helpers that change the pool at run time.
var (
	ErrUserExists     = errors.New("an account with the given email already exists")
	ErrUnknownClient  = errors.New("unknown client")
	ErrSecretNotFound = errors.New("client secret not found")
)

// Server is a local user pool and its domain. Create it with New; it is safe
// for concurrent use.
type Server struct {
	domain string // BaseURL without a trailing slash
	poolID string
	issuer string
	secure bool // cookies get Secure

	now    func() time.Time
	signer *tokensign.Signer
	log    *slog.Logger

	accessTTL, idTTL, refreshTTL time.Duration

	pepper []byte // HMAC key for password digests
	mux    *http.ServeMux

	mu        sync.Mutex
	clients   map[string]*client       // by client id
	users     map[string]*user         // by lowercased email
	bySub     map[string]*user         // the same users, by sub
	sessions  map[string]*session      // by digest of the cookie value
	codes     map[string]*authCode     // by digest of the code
	refresh   map[string]*refreshGrant // by digest of the refresh token
	origins   map[string]*refreshGrant // by origin_jti
	lastSweep time.Time
	fed       federation // federated sign-in (google.go)
}

type client struct {
	id string
	// secrets are the client's active secrets, oldest first; replaced, never
	// changed in place (lookupClient hands out copies of the struct).
	secrets   []clientSecret
	callbacks []string
	logouts   []string
	scopes    []string
	frontEnds []string
	rotation  RefreshTokenRotation
}

type user struct {
	sub      string
	email    string
	password []byte // HMAC-SHA256(pepper, password)
}

var (
	poolIDPattern   = regexp.MustCompile(`^[\w-]+_[0-9a-zA-Z]+$`)
	clientIDPattern = regexp.MustCompile(`^[\w+]{1,128}$`)
	scopePattern    = regexp.MustCompile(`^[\x21\x23-\x5B\x5D-\x7E]{1,256}$`) // RFC 6749 scope-token
)

// New validates opts and returns a Server. It reports every problem it finds
// at once, joined into one error.
func New(opts Options) (*Server, error) {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	domain, err := parseBaseURL(opts.BaseURL)
	if err != nil {
		add("BaseURL: %w", err)
	}
	poolID := opts.PoolID
	if poolID == "" {
		poolID = DefaultPoolID
	} else if !poolIDPattern.MatchString(poolID) {
		add("PoolID %q: want <region>_<letters and digits>, like %s", poolID, DefaultPoolID)
	}

	s := &Server{
		domain:   domain,
		poolID:   poolID,
		issuer:   domain + "/" + poolID,
		secure:   strings.HasPrefix(domain, "https://"),
		now:      opts.Now,
		log:      opts.Logger,
		clients:  map[string]*client{},
		users:    map[string]*user{},
		bySub:    map[string]*user{},
		sessions: map[string]*session{},
		codes:    map[string]*authCode{},
		refresh:  map[string]*refreshGrant{},
		origins:  map[string]*refreshGrant{},
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}

	lifetime := func(name string, d, def, lo, hi time.Duration) time.Duration {
		if d == 0 {
			return def
		}
		if d < lo || d > hi {
			add("%s %v: must be between %v and %v", name, d, lo, hi)
		}
		return d
	}
	s.accessTTL = lifetime("AccessTokenLifetime", opts.AccessTokenLifetime, DefaultAccessTokenLifetime, 5*time.Minute, 24*time.Hour)
	s.idTTL = lifetime("IDTokenLifetime", opts.IDTokenLifetime, DefaultIDTokenLifetime, 5*time.Minute, 24*time.Hour)
	s.refreshTTL = lifetime("RefreshTokenLifetime", opts.RefreshTokenLifetime, DefaultRefreshTokenLifetime, time.Hour, 3650*24*time.Hour)

	if len(opts.Clients) == 0 {
		add("Clients: at least one client is required")
	}
	for i, c := range opts.Clients {
		cl, cerrs := validateClient(c)
		for _, e := range cerrs {
			add("Clients[%d] %q: %w", i, c.ID, e)
		}
		if slices.ContainsFunc(opts.Clients[:i], func(o Client) bool { return o.ID == c.ID }) {
			add("Clients[%d]: duplicate client id %q", i, c.ID)
		}
		if cl != nil {
			s.stampSecrets(cl)
			s.clients[c.ID] = cl
		}
	}

	s.pepper = make([]byte, 32)
	if _, err := rand.Read(s.pepper); err != nil {
		return nil, fmt.Errorf("generate password key: %w", err)
	}
	for i, u := range opts.Users {
		if _, err := s.AddUser(u); err != nil {
			add("Users[%d] %q: %w", i, u.Email, err)
		}
	}

	if len(errs) > 0 {
		return nil, fmt.Errorf("localcognito options: %w", errors.Join(errs...))
	}
	if s.signer, err = tokensign.New(); err != nil {
		return nil, err
	}
	s.routes()
	return s, nil
}

func parseBaseURL(raw string) (string, error) {
	if raw == "" {
		return "", errors.New("required")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("%q is not a URL", raw)
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return "", fmt.Errorf("%q: want an http or https URL", raw)
	case u.Host == "":
		return "", fmt.Errorf("%q: no host", raw)
	case u.User != nil, u.RawQuery != "", u.Fragment != "", u.Path != "" && u.Path != "/":
		return "", fmt.Errorf("%q: want scheme://host[:port] only, no path, user, query or fragment", raw)
	}
	return u.Scheme + "://" + u.Host, nil
}

func validateClient(c Client) (*client, []error) {
	var errs []error
	if !clientIDPattern.MatchString(c.ID) {
		errs = append(errs, errors.New("ID: want 1-128 letters, digits, _ or +"))
	}
	if len(c.Secrets) > 2 {
		errs = append(errs, fmt.Errorf("Secrets: %d given, at most 2", len(c.Secrets)))
	}
	for i, sec := range c.Secrets {
		if sec == "" {
			errs = append(errs, fmt.Errorf("Secrets[%d]: empty", i))
		}
		if slices.Contains(c.Secrets[:i], sec) {
			errs = append(errs, fmt.Errorf("Secrets[%d]: duplicate", i))
		}
	}
	if len(c.CallbackURLs) == 0 {
		errs = append(errs, errors.New("CallbackURLs: at least one is required"))
	}
	for i, u := range c.CallbackURLs {
		if err := checkRedirectURL(u); err != nil {
			errs = append(errs, fmt.Errorf("CallbackURLs[%d]: %w", i, err))
		}
	}
	for i, u := range c.LogoutURLs {
		if err := checkRedirectURL(u); err != nil {
			errs = append(errs, fmt.Errorf("LogoutURLs[%d]: %w", i, err))
		}
	}
	if len(c.Scopes) == 0 {
		errs = append(errs, errors.New("Scopes: at least one is required (for example openid)"))
	}
	for i, sc := range c.Scopes {
		if !scopePattern.MatchString(sc) {
			errs = append(errs, fmt.Errorf("Scopes[%d] %q: not a valid scope", i, sc))
		}
	}
	rotation, err := rotationOf(c.RefreshTokenRotation)
	if err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return &client{
		id:        c.ID,
		secrets:   secretsOf(c.Secrets),
		callbacks: slices.Clone(c.CallbackURLs),
		logouts:   slices.Clone(c.LogoutURLs),
		scopes:    slices.Compact(slices.Sorted(slices.Values(c.Scopes))),
		frontEnds: slices.Clone(c.FrontEnds),
		rotation:  rotation,
	}, nil
}

// checkRedirectURL accepts what Cognito accepts as a callback or sign-out
// URL: absolute, no fragment; http, https or an app scheme (myapp://), but
// never a scheme a browser would run as script or read locally.
func checkRedirectURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%q is not a URL", raw)
	}
	switch {
	case !u.IsAbs():
		return fmt.Errorf("%q is not absolute", raw)
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return fmt.Errorf("%q has a fragment", raw)
	case slices.Contains([]string{"javascript", "data", "vbscript", "file", "blob"}, strings.ToLower(u.Scheme)):
		return fmt.Errorf("%q: scheme %s is not allowed", raw, u.Scheme)
	case (u.Scheme == "http" || u.Scheme == "https") && u.Host == "":
		return fmt.Errorf("%q has no host", raw)
	}
	return nil
}

// Domain is the user pool domain (COGNITO_DOMAIN): the base URL of the
// OAuth endpoints and the sign-in pages, without a trailing slash.
func (s *Server) Domain() string { return s.domain }

// Issuer is the token issuer (COGNITO_ISSUER): Domain() + "/" + pool id.
func (s *Server) Issuer() string { return s.issuer }

// JWKSURL is where the signing keys are published: Issuer() +
// "/.well-known/jwks.json".
func (s *Server) JWKSURL() string { return s.issuer + "/.well-known/jwks.json" }

// PoolID is the user pool id.
func (s *Server) PoolID() string { return s.poolID }

// Signer is the key that signs the pool's tokens. Tests use it to mint
// tokens the pool's JWKS verifies.
func (s *Server) Signer() *tokensign.Signer { return s.signer }

// AddUser creates a user and returns its sub, like an administrator creating
// a confirmed user with a permanent password. It fails with ErrUserExists if
// the email address (compared case-insensitively) is taken, and with a
// message naming the unmet rules if the password does not satisfy the policy.
func (s *Server) AddUser(u User) (sub string, err error) {
	email, err := checkEmail(u.Email)
	if err != nil {
		return "", err
	}
	if problems := CheckPassword(u.Password); len(problems) > 0 {
		return "", fmt.Errorf("password did not conform with policy: %s", strings.Join(problems, "; "))
	}
	sub, err = newUUID()
	if err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	key := strings.ToLower(email)
	if _, ok := s.users[key]; ok {
		return "", ErrUserExists
	}
	nu := &user{sub: sub, email: email, password: s.passwordDigest(u.Password)}
	s.users[key] = nu
	s.bySub[sub] = nu
	return sub, nil
}

// UserSub returns the sub of the user with this email address.
func (s *Server) UserSub(email string) (sub string, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[strings.ToLower(strings.TrimSpace(email))]
	if !ok {
		return "", false
	}
	return u.sub, true
}

// AddClientSecret gives a client one more secret, like Cognito's
// AddUserPoolClientSecret with a custom value (but without its rules on
// the value's characters): both secrets then authenticate the client, which
// is how a secret is rotated without downtime. A client holds at most two.
func (s *Server) AddClientSecret(clientID, secret string) error {
	if secret == "" {
		return errors.New("add client secret: empty secret")
	}
	_, err := s.addClientSecret(clientID, secret)
	return err
}

// RemoveClientSecret deletes one of a client's secrets, named by its value,
// like Cognito's DeleteUserPoolClientSecret; token requests made with it
// then fail with invalid_client. The last secret of a client cannot be
// removed.
func (s *Server) RemoveClientSecret(clientID, secret string) error {
	s.mu.Lock()
	c, ok := s.clients[clientID]
	id := ""
	if ok {
		for _, cs := range c.secrets {
			if cs.value == secret {
				id = cs.id
			}
		}
	}
	s.mu.Unlock()
	if ok && id == "" {
		return fmt.Errorf("remove client secret from %q: %w", clientID, ErrSecretNotFound)
	}
	return s.deleteClientSecret(clientID, id)
}

func checkEmail(raw string) (string, error) {
	email := strings.TrimSpace(raw)
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || a.Name != "" || len(email) > 254 {
		return "", errors.New(msgInvalidEmail)
	}
	return email, nil
}

func (s *Server) passwordDigest(password string) []byte {
	m := hmac.New(sha256.New, s.pepper)
	m.Write([]byte(password))
	return m.Sum(nil)
}

// authenticate returns the user whose email and password match. It does the
// same work whether or not the user exists.
func (s *Server) authenticate(email, password string) (*user, bool) {
	got := s.passwordDigest(password)
	s.mu.Lock()
	u, ok := s.users[strings.ToLower(strings.TrimSpace(email))]
	s.mu.Unlock()
	want := make([]byte, len(got)) // all zero: never matches an HMAC by chance
	if ok {
		want = u.password
	}
	if subtle.ConstantTimeCompare(got, want) != 1 || !ok {
		return nil, false
	}
	return u, true
}

// lookupClient returns a copy of the client, safe to read without the lock.
func (s *Server) lookupClient(id string) (client, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.clients[id]
	if !ok {
		return client{}, false
	}
	return *c, true
}

func (s *Server) routes() {
	m := http.NewServeMux()
	m.HandleFunc("GET /oauth2/authorize", s.handleAuthorize)
	m.HandleFunc("GET /login", s.handleLoginPage)
	m.HandleFunc("POST /login", s.handleLoginSubmit)
	m.HandleFunc("GET /signup", s.handleSignupPage)
	m.HandleFunc("POST /signup", s.handleSignupSubmit)
	m.HandleFunc("GET /logout", s.handleLogout)
	m.HandleFunc("POST /oauth2/token", s.handleToken)
	m.HandleFunc("POST /oauth2/revoke", s.handleRevoke)
	m.HandleFunc("GET /oauth2/userInfo", s.handleUserInfo)
	m.HandleFunc("POST /oauth2/userInfo", s.handleUserInfo)
	m.HandleFunc("GET /"+s.poolID+"/.well-known/openid-configuration", s.handleDiscovery)
	m.HandleFunc("GET /"+s.poolID+"/.well-known/jwks.json", s.handleJWKS)
	m.HandleFunc("GET /static/local.css", s.handleCSS)
	// The user pools API (AWS JSON 1.1): the client-secret actions.
	m.Handle("POST /{$}", s.userPoolsAPI())
	s.mux = m
}

// ServeHTTP serves the pool's endpoints. Every response gets
// X-Content-Type-Options: nosniff, Referrer-Policy: no-referrer and, unless
// it is the stylesheet, Cache-Control: no-store.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	if r.URL.Path != "/static/local.css" {
		h.Set("Cache-Control", "no-store")
		h.Set("Pragma", "no-cache")
	}
	s.mux.ServeHTTP(w, r)
}
