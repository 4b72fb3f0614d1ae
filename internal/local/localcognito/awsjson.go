package localcognito

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/example/cognito-sam-go/internal/local/awsjson"
)

// targetPrefix starts the X-Amz-Target of every user pools API action.
const targetPrefix = "AWSCognitoIdentityProviderService."

// apiError is an error answer of the user pools API.
type apiError = awsjson.Error

func badParam(format string, args ...any) *apiError {
	return awsjson.BadRequest("InvalidParameterException", format, args...)
}

// clientSecretInput is the input of the three client-secret actions.
type clientSecretInput struct {
	UserPoolID     string `json:"UserPoolId"`
	ClientID       string `json:"ClientId"`
	ClientSecret   string `json:"ClientSecret"`
	ClientSecretID string `json:"ClientSecretId"`
}

// userPoolsAPI is POST / with X-Amz-Target: the user pools API, as the
// AWS SDKs call it (AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER pointed at
// Domain()). It implements the three client-secret actions
// (AddUserPoolClientSecret, ListUserPoolClientSecrets,
// DeleteUserPoolClientSecret) with Cognito's rules; any other action is
// UnknownOperationException. Signatures are not checked (package awsjson).
func (s *Server) userPoolsAPI() http.Handler {
	action := func(f func(in clientSecretInput) (any, *apiError)) awsjson.Action {
		return func(_ context.Context, body json.RawMessage) (any, *apiError) {
			in, err := awsjson.Decode[clientSecretInput](body)
			if err != nil {
				return nil, err
			}
			return f(in)
		}
	}
	return awsjson.Service{Prefix: targetPrefix, Name: "local Cognito", Log: s.log, Actions: map[string]awsjson.Action{
		"AddUserPoolClientSecret": action(func(in clientSecretInput) (any, *apiError) {
			return s.apiAddSecret(in.UserPoolID, in.ClientID, in.ClientSecret)
		}),
		"ListUserPoolClientSecrets": action(func(in clientSecretInput) (any, *apiError) {
			return s.apiListSecrets(in.UserPoolID, in.ClientID)
		}),
		"DeleteUserPoolClientSecret": action(func(in clientSecretInput) (any, *apiError) {
			return s.apiDeleteSecret(in.UserPoolID, in.ClientID, in.ClientSecretID)
		}),
	}}
}

// secretDescriptor is ClientSecretDescriptorType; the date is epoch
// seconds, as the AWS JSON protocol sends timestamps.
type secretDescriptor struct {
	ClientSecretID         string  `json:"ClientSecretId"`
	ClientSecretValue      string  `json:"ClientSecretValue,omitempty"`
	ClientSecretCreateDate float64 `json:"ClientSecretCreateDate"`
}

func epochSeconds(t time.Time) float64 { return float64(t.UnixMilli()) / 1000 }

// checkPoolClient answers ResourceNotFoundException for another pool id or
// an unknown client, and InvalidParameterException for malformed ids.
func (s *Server) checkPoolClient(poolID, clientID string) *apiError {
	switch {
	case poolID == "" || clientID == "":
		return badParam("UserPoolId and ClientId are required")
	case !poolIDPattern.MatchString(poolID) || len(poolID) > 55:
		return badParam("UserPoolId %q does not match [\\w-]+_[0-9a-zA-Z]+", poolID)
	case !clientIDPattern.MatchString(clientID):
		return badParam("ClientId %q does not match [\\w+]+", clientID)
	case poolID != s.poolID:
		return awsjson.BadRequest("ResourceNotFoundException", "User pool %s does not exist.", poolID)
	}
	if _, ok := s.lookupClient(clientID); !ok {
		return awsjson.BadRequest("ResourceNotFoundException", "User pool client %s does not exist.", clientID)
	}
	return nil
}

// apiAddSecret is AddUserPoolClientSecret. A custom value must be 24-64
// characters of [\w+] and is not echoed back; a generated one is, once.
func (s *Server) apiAddSecret(poolID, clientID, value string) (any, *apiError) {
	if e := s.checkPoolClient(poolID, clientID); e != nil {
		return nil, e
	}
	if value != "" && !customSecretPattern.MatchString(value) {
		return nil, badParam("%v", ErrBadSecret)
	}
	cs, err := s.addClientSecret(clientID, value)
	switch {
	case errors.Is(err, ErrTooManySecrets):
		return nil, awsjson.BadRequest("LimitExceededException", "The app client %s already has %d client secrets.", clientID, MaxClientSecrets)
	case errors.Is(err, ErrPublicClient):
		return nil, badParam("The app client %s has no client secret.", clientID)
	case err != nil:
		return nil, badParam("The client secret could not be added.")
	}
	d := secretDescriptor{ClientSecretID: cs.id, ClientSecretCreateDate: epochSeconds(cs.created)}
	if value == "" {
		d.ClientSecretValue = cs.value
	}
	return map[string]any{"ClientSecretDescriptor": d}, nil
}

// apiListSecrets is ListUserPoolClientSecrets: ids and dates, no values,
// and no NextToken (a client holds at most two).
func (s *Server) apiListSecrets(poolID, clientID string) (any, *apiError) {
	if e := s.checkPoolClient(poolID, clientID); e != nil {
		return nil, e
	}
	infos, err := s.ClientSecrets(clientID)
	if err != nil {
		return nil, awsjson.BadRequest("ResourceNotFoundException", "User pool client %s does not exist.", clientID)
	}
	out := make([]secretDescriptor, len(infos))
	for i, in := range infos {
		out[i] = secretDescriptor{ClientSecretID: in.ID, ClientSecretCreateDate: epochSeconds(in.Created)}
	}
	return map[string]any{"ClientSecrets": out}, nil
}

// apiDeleteSecret is DeleteUserPoolClientSecret; the last secret stays.
func (s *Server) apiDeleteSecret(poolID, clientID, id string) (any, *apiError) {
	if e := s.checkPoolClient(poolID, clientID); e != nil {
		return nil, e
	}
	if id == "" {
		return nil, badParam("ClientSecretId is required")
	}
	err := s.deleteClientSecret(clientID, id)
	switch {
	case errors.Is(err, ErrSecretNotFound):
		return nil, awsjson.BadRequest("ResourceNotFoundException", "Client secret %s does not exist.", id)
	case errors.Is(err, ErrLastSecret):
		return nil, badParam("The last client secret of an app client cannot be deleted.")
	case err != nil:
		return nil, badParam("The client secret could not be deleted.")
	}
	return map[string]any{}, nil
}
