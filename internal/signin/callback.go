package signin

import (
	"context"
	"crypto/subtle"
	"fmt"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"
	"github.com/example/cognito-sam-go/internal/apigw"
	"github.com/example/cognito-sam-go/internal/logincookie"
	"github.com/example/cognito-sam-go/internal/secret"
	"golang.org/x/oauth2"
)

// MaxCodeLen is the longest authorization code accepted, in bytes. Cognito's
// codes are UUIDs; anything near this is an attack or a broken client.
const MaxCodeLen = 1024

// Callback serves GET /callback: it finishes a sign-in by checking the
// browser's login cookie and state, exchanging the code at Cognito's token
// endpoint once, verifying the ID token, and handing the tokens back as
// JSON or as the signed-in page. The checks run in the runtime contract's
// order; the token endpoint is never called unless the cookie opens and the
// state matches. The login cookie is cleared on every answer, since a
// sign-in attempt is single-use.
func (s *Server) Callback(ctx context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	return s.serve(ctx, req, s.callback, apigw.Header{Name: "Set-Cookie", Value: logincookie.ClearCookie()})
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
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	creds, err := s.credentials(ctx)
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	st, err := s.openAttempt(creds, in)
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	redirectURI, err := s.callbackURL(req)
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}

	ctx, cancel := budget(ctx, s.now)
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

	// 5. Hand the tokens back.
	log.Info("signed in", slog.String("sub", r.claims.Subject))
	r.callbackURL = redirectURI
	return s.reply(req, r)
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

// restart is what the user is told when the attempt is not this browser's.
const restart = "This sign-in link is not valid for this browser any more. Please sign in again."

// readCallback reads the code, the state and the login cookie: the code is
// present, single and of sane size, the state present and single, the
// cookie present.
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
	cookie, ok := apigw.Cookie(req, logincookie.Name)
	if !ok || cookie == "" {
		return callbackRequest{}, apigw.Errorf(apigw.KindBadRequest, "invalid_state",
			"Your sign-in session was not found: it may have expired, or cookies are blocked. Please sign in again.", "no login cookie")
	}
	return callbackRequest{code: code, state: state, cookie: cookie}, nil
}

// openAttempt opens the login cookie with the secret's cookie key and
// checks that its state is the one Cognito sent back.
func (s *Server) openAttempt(creds secret.Value, in callbackRequest) (logincookie.State, error) {
	sealer, err := s.sealer(creds)
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
