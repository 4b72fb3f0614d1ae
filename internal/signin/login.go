package signin

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"
	"github.com/example/cognito-sam-go/internal/apigw"
	"github.com/example/cognito-sam-go/internal/logincookie"
	"golang.org/x/oauth2"
)

// Login serves GET /login: a 302 to Cognito's authorize endpoint with a
// fresh state, nonce and PKCE verifier, sealed into the login cookie for
// the callback; 503 when the secret cannot be read.
func (s *Server) Login(ctx context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	return s.serve(ctx, req, s.login)
}

func (s *Server) login(ctx context.Context, log *slog.Logger, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	redirectURI, err := s.callbackURL(req)
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	creds, err := s.credentials(ctx)
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	sealer, err := s.sealer(creds)
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	st := logincookie.State{
		State:    randomString(),
		Nonce:    randomString(),
		Verifier: oauth2.GenerateVerifier(),
		Created:  s.now().UTC(),
	}
	value, err := sealer.Seal(st)
	if err != nil {
		return events.APIGatewayProxyResponse{}, fmt.Errorf("seal login cookie: %w", err)
	}
	resp := apigw.Redirect(s.cognito.AuthCodeURL(creds.ClientID, redirectURI, st.State, st.Nonce, st.Verifier))
	apigw.AddHeader(&resp, "Set-Cookie", logincookie.SetCookie(value))
	log.Info("redirecting to cognito")
	return resp, nil
}

// randomString returns 256 random bits, base64url-encoded (state, nonce).
func randomString() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return base64.RawURLEncoding.EncodeToString(b)
}
