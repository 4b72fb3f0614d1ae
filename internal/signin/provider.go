package signin

import (
	"github.com/aws/aws-lambda-go/events"
	"github.com/example/cognito-sam-go/internal/apigw"
	"github.com/example/cognito-sam-go/internal/cognito"
	"golang.org/x/oauth2"
)

// identityProvider reads /login's optional provider parameter: a name of
// IDENTITY_PROVIDERS, compared exactly, becomes Cognito's
// identity_provider. Anything else (a name this deployment has not
// configured, a repeated parameter, an empty value) is 400 before the
// browser is sent anywhere: forwarding an unknown name would only show the
// user Cognito's error page.
func (s *Server) identityProvider(req events.APIGatewayProxyRequest) ([]oauth2.AuthCodeOption, error) {
	name, err := apigw.QueryValue(req, "provider")
	if err != nil {
		return nil, apigw.Errorf(apigw.KindBadRequest, "invalid_request",
			"The provider parameter was given more than once.", "provider: %w", err)
	}
	_, given := req.QueryStringParameters["provider"]
	if !given {
		_, given = req.MultiValueQueryStringParameters["provider"]
	}
	switch {
	case !given:
		return nil, nil
	case !s.cfg.Federation.AllowsProvider(name):
		return nil, apigw.Errorf(apigw.KindBadRequest, "invalid_request",
			"This sign-in provider is not available here.", "provider %.40q is not in IDENTITY_PROVIDERS", name)
	}
	return []oauth2.AuthCodeOption{cognito.IdentityProvider(name)}, nil
}
