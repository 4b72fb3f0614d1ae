package signin

import (
	"context"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"
	"github.com/example/cognito-sam-go/internal/apigw"
)

// Token serves POST /token, for page scripts: with a valid session, 200
// {"access_token","id_token","token_type":"Bearer","expires_in"}, never the
// refresh token. It calls Cognito only when the access token it holds has
// RefreshMargin or less to live; then it refreshes once and updates the
// session cookie (with the new refresh token when Cognito rotates them).
// No session, or a refresh token Cognito rejects: 401 login_required and
// the session cookies cleared. Cross-site posts are refused unless they
// come from ALLOWED_ORIGINS, which also get the CORS headers.
func (s *Server) Token(ctx context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	return s.serve(ctx, req, s.token, apigw.CORS(req, s.cfg.Origins)...)
}

func (s *Server) token(ctx context.Context, log *slog.Logger, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	if _, err := s.checkPost(req); err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	sess, creds, changed, err := s.currentSession(ctx, log, req, false)
	if err != nil {
		return events.APIGatewayProxyResponse{}, s.sessionEnded(req, err)
	}
	resp := s.sessionTokens(sess)
	if changed {
		if err := s.setSession(&resp, req, creds, sess); err != nil {
			return events.APIGatewayProxyResponse{}, err
		}
	}
	return resp, nil
}
