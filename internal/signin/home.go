package signin

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/example/cognito-sam-go/internal/apigw"
	"github.com/example/cognito-sam-go/internal/page"
	"github.com/example/cognito-sam-go/internal/session"
)

// Home serves GET /, the home page, rendered here with no script. Signed
// in: who, when the access token expires, a ready curl call of /hello with
// a currently valid access token (refreshed first when it has
// RefreshMargin or less to live), and Refresh and Sign out forms. Signed
// out (no session, or one Cognito no longer accepts, whose cookies are
// then cleared): a Sign in button. A client that does not prefer HTML gets
// {"signed_in": ...} as JSON.
func (s *Server) Home(ctx context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	return s.serve(ctx, req, s.home)
}

// homeJSON is the home page for API clients.
type homeJSON struct {
	SignedIn  bool   `json:"signed_in"`
	Subject   string `json:"sub,omitempty"`
	Username  string `json:"username,omitempty"`
	Email     string `json:"email,omitempty"`
	ExpiresIn int64  `json:"expires_in,omitempty"`
}

func (s *Server) home(ctx context.Context, log *slog.Logger, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	callbackURL, err := s.callbackURL(req)
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	sess, creds, changed, err := s.currentSession(ctx, log, req, false)
	var e *apigw.Error
	switch {
	case errors.Is(err, session.ErrNone):
		return s.signedOutHome(req, nil)
	case errors.As(err, &e) && e.Code == errLoginRequired.Code:
		return s.signedOutHome(req, clearSession(req))
	case err != nil:
		return events.APIGatewayProxyResponse{}, err
	}
	var resp events.APIGatewayProxyResponse
	if apigw.WantsHTML(req) {
		refreshed, _ := apigw.QueryValue(req, "refreshed")
		body, err := page.RenderSignedIn(page.SignedIn{
			Email: sess.Email, Username: sess.Username, Subject: sess.Subject, Expiry: sess.Expiry,
			AccessToken: sess.AccessToken, HelloURL: apigw.SiblingURL(callbackURL, helloLink),
			RefreshURL: refreshLink, LogoutURL: logoutLink, Refreshed: refreshed == "1",
			CredentialsURL: s.credentialsLink(),
		})
		if err != nil {
			return events.APIGatewayProxyResponse{}, fmt.Errorf("render home page: %w", err)
		}
		// The sign-out form's POST is redirected to Cognito's /logout, so
		// the page's form-action must allow the Cognito domain's origin.
		resp = apigw.HTML(http.StatusOK, body, page.CSPWithFormTargets(origin(s.cfg.CognitoDomain)))
	} else {
		resp = apigw.JSON(http.StatusOK, homeJSON{SignedIn: true, Subject: sess.Subject, Username: sess.Username,
			Email: sess.Email, ExpiresIn: max(0, int64(sess.Expiry.Sub(s.now())/time.Second))})
	}
	if changed {
		if err := s.setSession(&resp, req, creds, sess); err != nil {
			return events.APIGatewayProxyResponse{}, err
		}
	}
	return resp, nil
}

func (s *Server) signedOutHome(req events.APIGatewayProxyRequest, headers []apigw.Header) (events.APIGatewayProxyResponse, error) {
	var resp events.APIGatewayProxyResponse
	if apigw.WantsHTML(req) {
		body, err := page.RenderSignedOutHome(loginLink)
		if err != nil {
			return events.APIGatewayProxyResponse{}, fmt.Errorf("render home page: %w", err)
		}
		resp = apigw.HTML(http.StatusOK, body, page.CSP)
	} else {
		resp = apigw.JSON(http.StatusOK, homeJSON{SignedIn: false})
	}
	for _, h := range headers {
		apigw.AddHeader(&resp, h.Name, h.Value)
	}
	return resp, nil
}
