package signin

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/example/cognito-sam-go/internal/apigw"
	"github.com/example/cognito-sam-go/internal/logincookie"
	"golang.org/x/oauth2"
)

// Login serves GET /login: a 302 to Cognito's authorize endpoint with a
// fresh state, nonce and PKCE verifier, sealed with the return_to target
// into this attempt's own login cookie for the callback. Attempts started in
// other tabs keep their cookies: the logincookie.MaxAttempts most recent
// stay completable, older ones are evicted. A return_to that is not this
// API's path or an allowed origin is 400, and the browser is not sent to
// Cognito. provider=<name> (one of IDENTITY_PROVIDERS, exactly) sends
// identity_provider=<name>, so Cognito goes straight to that provider; any
// other name is 400. 503 when the secret cannot be read.
func (s *Server) Login(ctx context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	return s.serve(ctx, req, s.login)
}

func (s *Server) login(ctx context.Context, log *slog.Logger, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	redirectURI, err := s.callbackURL(req)
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	rawReturn, err := apigw.QueryValue(req, "return_to")
	if err != nil {
		return events.APIGatewayProxyResponse{}, apigw.Errorf(apigw.KindBadRequest, "invalid_request",
			"The return_to parameter was given more than once.", "return_to: %w", err)
	}
	returnTo, err := resolveReturnTo(rawReturn, apiBase(redirectURI), s.cfg.Origins)
	if err != nil {
		return events.APIGatewayProxyResponse{}, apigw.Errorf(apigw.KindBadRequest, "invalid_request",
			"The return_to parameter must be a path of this site or an allowed front end's URL.", "%w", err)
	}
	provider, err := s.identityProvider(req)
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	creds, err := s.credentials(ctx)
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	sealer, _, err := s.sealers(creds)
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	now := s.now()
	st := logincookie.State{
		State:    randomString(),
		Nonce:    randomString(),
		Verifier: oauth2.GenerateVerifier(),
		Created:  now.UTC(),
		ReturnTo: returnTo,
	}
	value, err := sealer.Seal(st)
	if errors.Is(err, logincookie.ErrTooLong) {
		return events.APIGatewayProxyResponse{}, apigw.Errorf(apigw.KindBadRequest, "invalid_request",
			"The return_to parameter is too long.", "%w", err)
	}
	if err != nil {
		return events.APIGatewayProxyResponse{}, fmt.Errorf("seal login cookie: %w", err)
	}
	name := logincookie.NameFor(st.State)
	resp := apigw.Redirect(s.cognito.AuthCodeURL(creds.ClientID, redirectURI, st.State, st.Nonce, st.Verifier, provider...))
	for _, name := range evictedAttempts(req, sealer, now, len(name)+len(value)) {
		apigw.AddHeader(&resp, "Set-Cookie", logincookie.ClearCookie(name))
	}
	apigw.AddHeader(&resp, "Set-Cookie", logincookie.SetCookie(name, value))
	log.Info("redirecting to cognito")
	return resp, nil
}

// evictedAttempts returns the login cookies of the request to delete so
// that, with the attempt being started (newBytes of name and value), at
// most logincookie.MaxAttempts remain, together within
// logincookie.MaxAttemptBytes: the oldest go first, and any that does not
// open (expired, or sealed with an older cookie key).
func evictedAttempts(req events.APIGatewayProxyRequest, sealer *logincookie.Sealer, now time.Time, newBytes int) []string {
	type attempt struct {
		name    string
		created time.Time
		bytes   int
	}
	var live []attempt
	var out []string
	for _, c := range apigw.Cookies(req) {
		if !logincookie.IsAttempt(c.Name) {
			continue
		}
		st, err := sealer.Open(c.Value, now)
		if err != nil || logincookie.NameFor(st.State) != c.Name {
			out = append(out, c.Name)
			continue
		}
		live = append(live, attempt{c.Name, st.Created, len(c.Name) + len(c.Value)})
	}
	sort.Slice(live, func(i, j int) bool { return live[i].created.After(live[j].created) })
	total := newBytes
	for i, a := range live {
		total += a.bytes
		if i >= logincookie.MaxAttempts-1 || total > logincookie.MaxAttemptBytes {
			out = append(out, a.name)
		}
	}
	return out
}

// randomString returns 256 random bits, base64url-encoded (state, nonce).
func randomString() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return base64.RawURLEncoding.EncodeToString(b)
}
