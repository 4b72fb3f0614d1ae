package signin

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/aws/aws-lambda-go/events"
	"github.com/example/cognito-sam-go/internal/apigw"
	"github.com/example/cognito-sam-go/internal/logincookie"
	"github.com/example/cognito-sam-go/internal/routes"
	"github.com/example/cognito-sam-go/internal/secret"
	"golang.org/x/oauth2"
)

// MaxCodeLen is the longest authorization code accepted, in bytes. Cognito's
// codes are UUIDs; anything near this is an attack or a broken client.
const MaxCodeLen = 1024

// Callback serves GET /callback: it finishes a sign-in by checking the
// browser's cookie for this attempt and the state, exchanging the code at
// Cognito's token endpoint once, verifying the ID token, and starting a
// session. A browser (it prefers HTML) is sent (303) to the attempt's
// return_to, so reloading, Back and bookmarking the page it lands on are
// safe and no token appears in a URL; any other client gets the tokens as
// JSON. The checks run in the runtime contract's order; the token endpoint
// is never called unless the cookie opens and the state matches.
//
// A callback for an attempt that is already finished or gone (Back after
// signing in, a reload, a tab Cognito signed in silently) sends a browser
// with a valid session to the API's home, without calling Cognito; without
// a session it is a 400 that says what happened. The callback clears only
// its own attempt's cookie, on every answer: an attempt is single-use, and
// the other tabs' attempts stay completable.
func (s *Server) Callback(ctx context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	var always []apigw.Header
	if state, err := apigw.QueryValue(req, "state"); err == nil && state != "" {
		if name := logincookie.NameFor(state); (cookieJar{req}).has(name) {
			always = append(always, apigw.Header{Name: "Set-Cookie", Value: logincookie.ClearCookie(name)})
		}
	}
	return s.serve(ctx, req, s.callback, always...)
}

func (s *Server) callback(ctx context.Context, log *slog.Logger, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	// 1. Cognito sent an error instead of a code: 400, or 502 when Cognito
	// says it failed itself.
	if e, _ := apigw.QueryValue(req, "error"); e != "" || len(req.MultiValueQueryStringParameters["error"]) > 0 {
		return events.APIGatewayProxyResponse{}, authorizeError(e)
	}

	// 2. The sign-in attempt must be this browser's own. Nothing here
	// reaches Cognito; the secret is read once, for the cookie key and the
	// exchange.
	in, err := readCallback(req)
	if errors.Is(err, errAttemptGone) {
		return s.attemptGone(ctx, log, req, err)
	}
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	creds, err := s.credentials(ctx)
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	st, err := s.openAttempt(creds, in)
	if fresh, ok := s.reopen(ctx, creds, err); ok {
		creds = fresh
		st, err = s.openAttempt(creds, in)
	}
	if errors.Is(err, logincookie.ErrExpired) {
		// Genuine but expired: the attempt is gone, like a missing one. A
		// cookie that does not open at all (tampered, foreign) stays a 400.
		return s.attemptGone(ctx, log, req, err)
	}
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	redirectURI, err := s.callbackURL(req)
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}

	ctx, cancel := budget(ctx)
	defer cancel()

	// 3. Exchange the code, once (again only after invalid_client with a
	// changed secret).
	var tok *oauth2.Token
	creds, err = s.withCredentials(ctx, log, creds, func(c secret.Value) error {
		var err error
		tok, err = s.cognito.Exchange(ctx, c.ClientID, c.ClientSecret, redirectURI, in.code, st.Verifier)
		return err
	})
	if err != nil {
		return events.APIGatewayProxyResponse{}, tokenError(err, errCodeRejected)
	}

	// 4. Verify the ID token.
	r, err := s.verify(ctx, creds.ClientID, tok, st.Nonce)
	if err != nil {
		return events.APIGatewayProxyResponse{}, tokenError(err, errCodeRejected)
	}

	// 5. Start the session, and hand the tokens back (JSON) or send the
	// browser where it started (303).
	log.Info("signed in", slog.String("sub", r.claims.Subject))
	var resp events.APIGatewayProxyResponse
	if apigw.WantsHTML(req) {
		target := st.ReturnTo
		if target == "" {
			target = apiBase(redirectURI) + routes.Home.Path
		}
		resp = apigw.Redirect(target)
		resp.StatusCode = http.StatusSeeOther
	} else {
		resp = s.tokenJSON(r)
	}
	if err := s.setSession(&resp, req, creds, newSession(r, s.now())); err != nil {
		return events.APIGatewayProxyResponse{}, fmt.Errorf("set session: %w", err)
	}
	return resp, nil
}

// attemptGone answers a callback whose attempt cookie is not there: the
// attempt finished already (Back, reload, a second tab) or expired. A
// browser that is signed in goes home without a call to Cognito.
func (s *Server) attemptGone(ctx context.Context, log *slog.Logger, req events.APIGatewayProxyRequest, gone error) (events.APIGatewayProxyResponse, error) {
	_, _, err := s.openSession(ctx, req)
	if err == nil {
		redirectURI, err := s.callbackURL(req)
		if err != nil {
			return events.APIGatewayProxyResponse{}, err
		}
		log.Info("callback of a finished sign-in: signed in already")
		resp := apigw.Redirect(apiBase(redirectURI) + routes.Home.Path)
		resp.StatusCode = http.StatusSeeOther
		return resp, nil
	}
	if errors.As(err, new(*apigw.Error)) {
		return events.APIGatewayProxyResponse{}, err // the secret is unavailable: 503
	}
	if len(apigw.Cookies(req)) == 0 {
		return events.APIGatewayProxyResponse{}, apigw.Errorf(apigw.KindBadRequest, "invalid_state",
			"Your sign-in session was not found: it may have expired, or cookies are blocked. Please sign in again.", "%w: no cookies at all", gone)
	}
	return events.APIGatewayProxyResponse{}, apigw.Errorf(apigw.KindBadRequest, "invalid_state",
		"This sign-in page was already used or has expired. Please sign in again.", "%w", gone)
}

// errCodeRejected is the answer when Cognito rejects the code.
var errCodeRejected = &apigw.Error{Kind: apigw.KindBadRequest, Code: "invalid_grant",
	Message: "This sign-in code has expired or was already used. Please sign in again."}

// callbackRequest is what a callback carries, read and checked once.
type callbackRequest struct {
	code, state, cookie string
}

// Format prints the request redacted for every verb: it holds the code,
// the state and the login cookie.
func (callbackRequest) Format(f fmt.State, _ rune) { fmt.Fprint(f, "signin.callbackRequest{REDACTED}") }

// LogValue redacts the request for log/slog.
func (callbackRequest) LogValue() slog.Value {
	return slog.StringValue("signin.callbackRequest{REDACTED}")
}

// errAttemptGone: the request has no cookie for the attempt its state names.
var errAttemptGone = errors.New("no login cookie for this state")

// restart is what the user is told when the attempt is not this browser's.
const restart = "This sign-in link is not valid for this browser any more. Please sign in again."

// readCallback reads the code, the state and the state's login cookie: the
// code is present, single and of sane size, the state present and single,
// the cookie present (else errAttemptGone).
func readCallback(req events.APIGatewayProxyRequest) (callbackRequest, error) {
	code, err := apigw.QueryValue(req, "code")
	if err != nil {
		return callbackRequest{}, apigw.Errorf(apigw.KindBadRequest, "invalid_request", "The sign-in response is malformed. Please sign in again.", "code: %w", err)
	}
	if code == "" {
		return callbackRequest{}, apigw.Errorf(apigw.KindBadRequest, "invalid_request", "The sign-in response has no code. Please sign in again.", "no code in the query")
	}
	if len(code) > MaxCodeLen {
		return callbackRequest{}, apigw.Errorf(apigw.KindBadRequest, "invalid_request", "The sign-in response is malformed. Please sign in again.", "code is %d bytes, over %d", len(code), MaxCodeLen)
	}
	state, err := apigw.QueryValue(req, "state")
	if err != nil || state == "" {
		return callbackRequest{}, apigw.Errorf(apigw.KindBadRequest, "invalid_state", restart, "state missing or repeated")
	}
	cookie, ok := apigw.Cookie(req, logincookie.NameFor(state))
	if !ok || cookie == "" {
		return callbackRequest{}, errAttemptGone
	}
	return callbackRequest{code: code, state: state, cookie: cookie}, nil
}

// openAttempt opens the login cookie with the secret's cookie key and
// checks that its state is the one Cognito sent back.
func (s *Server) openAttempt(creds secret.Value, in callbackRequest) (logincookie.State, error) {
	sealer, _, err := s.sealers(creds)
	if err != nil {
		return logincookie.State{}, err
	}
	st, err := sealer.Open(in.cookie, s.now())
	if err != nil {
		return logincookie.State{}, apigw.Errorf(apigw.KindBadRequest, "invalid_state", restart, "%w", err)
	}
	if subtle.ConstantTimeCompare([]byte(in.state), []byte(st.State)) != 1 {
		return logincookie.State{}, apigw.Errorf(apigw.KindBadRequest, "invalid_state", restart, "state does not match the login cookie")
	}
	return st, nil
}

// authorizeErrors are the error codes /oauth2/authorize may send back, with
// what the user is told. Cognito's error_description is not shown: it is
// attacker-controllable text in a link.
var authorizeErrors = map[string]string{
	"access_denied":             "The sign-in was cancelled or refused.",
	"invalid_request":           "Cognito rejected the sign-in request.",
	"unauthorized_client":       "This app is not allowed to sign in this way. Check the app client's OAuth settings.",
	"unsupported_response_type": "Cognito rejected the sign-in request.",
	"invalid_scope":             "This app asked for scopes its app client does not allow. Check OAUTH_SCOPES and the app client.",
	"server_error":              "Cognito had a problem with the sign-in. Please try again.",
	"temporarily_unavailable":   "Cognito is temporarily unavailable. Please try again in a moment.",
}

func authorizeError(code string) error {
	msg, known := authorizeErrors[code]
	logged := code
	if !known {
		code, msg = "invalid_request", "The sign-in failed at Cognito."
		logged = "unknown (" + fmt.Sprint(len(logged)) + " bytes)"
	}
	// Cognito failing is 502 (contract); the other codes are the flow's.
	kind := apigw.KindBadRequest
	if code == "server_error" || code == "temporarily_unavailable" {
		kind = apigw.KindUpstream
	}
	return apigw.Errorf(kind, code, msg+" You can sign in again.", "cognito returned error %s", logged)
}
