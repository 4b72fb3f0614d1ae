package localcognito

import (
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strings"
	"time"
)

// targetPrefix starts the X-Amz-Target of every user pools API action.
const targetPrefix = "AWSCognitoIdentityProviderService."

// maxAPIBody bounds an API request body.
const maxAPIBody = 64 << 10

// apiError is an error answer of the user pools API, in the AWS JSON 1.1
// protocol's shape: {"__type": <exception>, "message": ...}, status 400
// (500 for InternalErrorException).
type apiError struct {
	status  int
	typ     string
	message string
}

func (e *apiError) Error() string { return e.typ + ": " + e.message }

func badParam(format string, args ...any) *apiError {
	return &apiError{http.StatusBadRequest, "InvalidParameterException", fmt.Sprintf(format, args...)}
}

// handleAWSJSON is POST / with X-Amz-Target: the user pools API, as the
// AWS SDKs call it (AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER pointed at
// Domain()). It implements the three client-secret actions
// (AddUserPoolClientSecret, ListUserPoolClientSecrets,
// DeleteUserPoolClientSecret) with Cognito's rules; any other action is
// UnknownOperationException. Request signatures (SigV4) are not checked:
// like moto_server, the emulator trusts whoever can reach it, which is
// why it listens on loopback only.
func (s *Server) handleAWSJSON(w http.ResponseWriter, r *http.Request) {
	op, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), targetPrefix)
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if !ok || op == "" {
		s.writeAPIError(w, op, &apiError{http.StatusBadRequest, "UnknownOperationException", "missing or unknown X-Amz-Target"})
		return
	}
	if mt != "application/x-amz-json-1.1" {
		s.writeAPIError(w, op, &apiError{http.StatusBadRequest, "SerializationException", "Content-Type must be application/x-amz-json-1.1"})
		return
	}
	var in struct {
		UserPoolID     string `json:"UserPoolId"`
		ClientID       string `json:"ClientId"`
		ClientSecret   string `json:"ClientSecret"`
		ClientSecretID string `json:"ClientSecretId"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxAPIBody)).Decode(&in); err != nil {
		s.writeAPIError(w, op, &apiError{http.StatusBadRequest, "SerializationException", "the body is not a JSON object"})
		return
	}
	var (
		out  any
		aerr *apiError
	)
	switch op {
	case "AddUserPoolClientSecret":
		out, aerr = s.apiAddSecret(in.UserPoolID, in.ClientID, in.ClientSecret)
	case "ListUserPoolClientSecrets":
		out, aerr = s.apiListSecrets(in.UserPoolID, in.ClientID)
	case "DeleteUserPoolClientSecret":
		out, aerr = s.apiDeleteSecret(in.UserPoolID, in.ClientID, in.ClientSecretID)
	default:
		aerr = &apiError{http.StatusBadRequest, "UnknownOperationException", "the local Cognito does not implement " + op}
	}
	if aerr != nil {
		s.writeAPIError(w, op, aerr)
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.WriteHeader(http.StatusOK)
	json.NewEncoder(w).Encode(out)
}

func (s *Server) writeAPIError(w http.ResponseWriter, op string, e *apiError) {
	s.log.Info("API request refused", "action", op, "error", e.typ)
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-Errortype", e.typ)
	w.WriteHeader(e.status)
	json.NewEncoder(w).Encode(map[string]string{"__type": e.typ, "message": e.message})
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
		return &apiError{http.StatusBadRequest, "ResourceNotFoundException", fmt.Sprintf("User pool %s does not exist.", poolID)}
	}
	if _, ok := s.lookupClient(clientID); !ok {
		return &apiError{http.StatusBadRequest, "ResourceNotFoundException", fmt.Sprintf("User pool client %s does not exist.", clientID)}
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
		return nil, &apiError{http.StatusBadRequest, "LimitExceededException", fmt.Sprintf("The app client %s already has %d client secrets.", clientID, MaxClientSecrets)}
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
		return nil, &apiError{http.StatusBadRequest, "ResourceNotFoundException", fmt.Sprintf("User pool client %s does not exist.", clientID)}
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
		return nil, &apiError{http.StatusBadRequest, "ResourceNotFoundException", fmt.Sprintf("Client secret %s does not exist.", id)}
	case errors.Is(err, ErrLastSecret):
		return nil, badParam("The last client secret of an app client cannot be deleted.")
	case err != nil:
		return nil, badParam("The client secret could not be deleted.")
	}
	return map[string]any{}, nil
}
