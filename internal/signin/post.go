package signin

import (
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/url"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/example/cognito-sam-go/internal/apigw"
)

// checkPost is the prologue of the state-changing routes (/token,
// /refresh, /logout, /credentials): it derives this deployment's callback URL and refuses
// a browser's cross-site post with 403, unless its Origin is one of
// ALLOWED_ORIGINS.
func (s *Server) checkPost(req events.APIGatewayProxyRequest) (callbackURL string, err error) {
	callbackURL, err = s.callbackURL(req)
	if err != nil {
		return "", err
	}
	if err := apigw.CheckSameOrigin(req, origin(callbackURL), s.cfg.Origins); err != nil {
		return "", apigw.Errorf(apigw.KindForbidden, "cross_site_request",
			"This request came from another site and was refused.", "%w", err)
	}
	return callbackURL, nil
}

// MaxRefreshTokenLen bounds the refresh token accepted in a request, in
// bytes (Cognito's are encrypted JWTs of about 1.8 KB).
const MaxRefreshTokenLen = 8 << 10

// Errors of readRefreshToken, for the caller to pick the user's message;
// the wrapping error says what is wrong (for the log), never the token.
var (
	errNoRefreshToken = errors.New("no refresh_token in the body")
	errContentType    = errors.New("unsupported Content-Type")
	errBadBody        = errors.New("malformed body")
)

// readRefreshToken reads refresh_token from a JSON body
// ({"refresh_token": "..."}) or a form body (refresh_token=...), by
// Content-Type.
func readRefreshToken(req events.APIGatewayProxyRequest) (string, error) {
	body, err := apigw.Body(req)
	if err != nil {
		return "", fmt.Errorf("%w: %w", errBadBody, err)
	}
	ct, _, _ := mime.ParseMediaType(apigw.HeaderValue(req, "Content-Type"))
	var tok string
	switch ct {
	case "application/json":
		var v struct {
			RefreshToken *string `json:"refresh_token"`
		}
		if err := json.Unmarshal(body, &v); err != nil {
			return "", fmt.Errorf(`%w: not a JSON object like {"refresh_token": "..."}`, errBadBody)
		}
		if v.RefreshToken != nil {
			tok = *v.RefreshToken
		}
	case "application/x-www-form-urlencoded":
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return "", fmt.Errorf("%w: not a valid form", errBadBody)
		}
		if len(form["refresh_token"]) > 1 {
			return "", fmt.Errorf("%w: refresh_token given more than once", errBadBody)
		}
		tok = form.Get("refresh_token")
	case "":
		if len(body) == 0 {
			return "", errNoRefreshToken
		}
		return "", fmt.Errorf("%w: Content-Type missing", errContentType)
	default:
		return "", fmt.Errorf("%w: %.60q", errContentType, ct)
	}
	switch {
	case tok == "":
		return "", errNoRefreshToken
	case len(tok) > MaxRefreshTokenLen:
		return "", fmt.Errorf("%w: refresh_token is %d bytes, over %d", errBadBody, len(tok), MaxRefreshTokenLen)
	case strings.ContainsAny(tok, " \t\r\n\x00"):
		return "", fmt.Errorf("%w: refresh_token has whitespace or control characters", errBadBody)
	}
	return tok, nil
}

// refreshTokenError is the 400 for a body readRefreshToken refused, with a
// fixed message for each kind of problem.
func refreshTokenError(err error) error {
	msg := "The request body is malformed. " + sendRefreshToken
	switch {
	case errors.Is(err, errNoRefreshToken):
		msg = sendRefreshToken
	case errors.Is(err, errContentType):
		msg = "This Content-Type is not supported. " + sendRefreshToken
	}
	return apigw.Errorf(apigw.KindBadRequest, "invalid_request", msg, "read refresh token: %w", err)
}

const sendRefreshToken = `Send the refresh token as {"refresh_token": "..."} (application/json) or refresh_token=... (a form).`
