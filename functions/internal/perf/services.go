package main

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/example/cognito-sam-go/internal/local/localcognito"
	"github.com/example/cognito-sam-go/internal/logincookie"
	"github.com/example/cognito-sam-go/internal/seal"
	"github.com/example/cognito-sam-go/internal/secret/mototest"
	"golang.org/x/oauth2"
)

// What the stand-ins hold.
const (
	secretName   = "perf/cognito-app-client"
	clientID     = "perfclient"
	clientSecret = "perf-client-secret"
	cookieKey    = "perf-cookie-key-0123456789abcdef0123456789"
	redirectURI  = "https://api.example.com/callback"
	userEmail    = "perf@example.com"
	userPassword = "Perf-Passw0rd!"
)

// services are the AWS stand-ins, each behind TLS and a link adding the
// round-trip time: Secrets Manager (moto_server), the user pool domain and
// the issuer (the same local Cognito on two hosts, as on AWS, where the
// domain <prefix>.auth.<region>.amazoncognito.com and the issuer
// cognito-idp.<region>.amazonaws.com are different hosts, so the key set
// never rides the token endpoint's connection).
type services struct {
	ca                   *authority
	sm, domain, issuer   *link
	cognito              *localcognito.Server
	cognitoDirect        string // the local Cognito's plain URL, for the tool's own sign-ins (not counted)
	closers              []func()
	issuerURL, domainURL string
	smEndpoint           string
	attempts             int
}

func (s *services) Close() {
	for i := len(s.closers) - 1; i >= 0; i-- {
		s.closers[i]()
	}
}

func startServices(tb *tb, dir string, rtt time.Duration) *services {
	s := &services{}
	tb.Cleanup(s.Close)
	var err error
	if s.ca, err = newAuthority(dir); err != nil {
		tb.Fatal(err)
	}
	// Secrets Manager: moto_server, plain http on loopback, the secret put
	// there directly (not through the link).
	moto := mototest.Start(tb) // stopped when tb's scope ends
	putSecret(tb, moto)
	s.sm = s.linkTLS(tb, "secrets manager", strings.TrimPrefix(moto, "http://"), rtt)
	s.smEndpoint = "https://" + s.sm.Addr()

	// Cognito: one local user pool, served over TLS behind two links.
	var h http.Handler
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	s.closers = append(s.closers, backend.Close)
	s.cognitoDirect = backend.URL
	target := strings.TrimPrefix(backend.URL, "http://")
	s.domain = s.linkTLS(tb, "cognito domain", target, rtt)
	s.issuer = s.linkTLS(tb, "cognito issuer", target, rtt)
	s.domainURL = "https://" + s.domain.Addr()
	s.cognito, err = localcognito.New(localcognito.Options{
		BaseURL: "https://" + s.issuer.Addr(), // the issuer is BaseURL/<pool id>
		Clients: []localcognito.Client{{ID: clientID, Secrets: []string{clientSecret},
			CallbackURLs: []string{redirectURI}, Scopes: []string{"openid", "email", "profile", "api/read"}}},
		Users: []localcognito.User{{Email: userEmail, Password: userPassword}},
	})
	if err != nil {
		tb.Fatal(err)
	}
	h = s.cognito
	s.issuerURL = s.cognito.Issuer()
	return s
}

// linkTLS puts target (plain http) behind a TLS terminator and a link.
func (s *services) linkTLS(tb *tb, name, target string, rtt time.Duration) *link {
	term, err := newTerminator(s.ca, target)
	if err != nil {
		tb.Fatal(err)
	}
	s.closers = append(s.closers, term.Close)
	l, err := newLink(name, term.Addr(), rtt)
	if err != nil {
		tb.Fatal(err)
	}
	s.closers = append(s.closers, l.Close)
	return l
}

// env is the sign-in functions' configuration.
func (s *services) env() map[string]string {
	return map[string]string{
		"COGNITO_DOMAIN": s.domainURL, "COGNITO_ISSUER": s.issuerURL, "CLIENT_SECRET_NAME": secretName,
		"REDIRECT_URI": redirectURI, "AWS_ENDPOINT_URL_SECRETS_MANAGER": s.smEndpoint,
		"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
		"AWS_EC2_METADATA_DISABLED": "true", "SSL_CERT_FILE": s.ca.file, "AWS_CA_BUNDLE": s.ca.file,
	}
}

// counts are the connections opened to each service so far.
type counts struct{ sm, domain, issuer int64 }

func (s *services) counts() counts {
	return counts{s.sm.Conns(), s.domain.Conns(), s.issuer.Conns()}
}

func (c counts) minus(o counts) counts {
	return counts{c.sm - o.sm, c.domain - o.domain, c.issuer - o.issuer}
}

// attempt is one sign-in attempt as the login function would have started
// it (its sealed cookie) and Cognito finished it (a fresh code).
type attempt struct{ state, cookie, code, verifier string }

// newAttempt signs the user in at the local Cognito directly (not through
// a link: it is not the function's traffic) and returns the callback's
// inputs.
func (s *services) newAttempt(tb *tb) attempt {
	state, nonce, verifier := random(), random(), oauth2.GenerateVerifier()
	sealer, err := logincookie.NewSealer(seal.Keys{Current: cookieKey, Deployment: clientID})
	if err != nil {
		tb.Fatal(err)
	}
	cookie, err := sealer.Seal(logincookie.State{State: state, Nonce: nonce, Verifier: verifier, Created: time.Now()})
	if err != nil {
		tb.Fatal(err)
	}
	form := url.Values{
		"client_id": {clientID}, "redirect_uri": {redirectURI}, "response_type": {"code"},
		"scope": {"openid email profile api/read"}, "state": {state}, "nonce": {nonce},
		"code_challenge": {oauth2.S256ChallengeFromVerifier(verifier)}, "code_challenge_method": {"S256"},
		"email": {userEmail}, "password": {userPassword},
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.PostForm(s.cognitoDirect+"/login", form)
	if err != nil {
		tb.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || loc.Query().Get("code") == "" {
		tb.Fatalf("local Cognito's sign-in answered %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	return attempt{state: state, cookie: logincookie.NameFor(state) + "=" + cookie, code: loc.Query().Get("code"), verifier: verifier}
}

func random() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func putSecret(tb *tb, endpoint string) {
	c := secretsmanager.New(secretsmanager.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(endpoint),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""),
	})
	mototest.PutSecret(tb, c, secretName, `{"client_id":"`+clientID+`","client_secret":"`+clientSecret+`","cookie_key":"`+cookieKey+`"}`)
}
