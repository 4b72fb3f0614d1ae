// Package awsjson serves the AWS JSON 1.1 protocol for the local
// emulators: POST / with X-Amz-Target <service prefix><Action>, a JSON
// body, and errors as {"__type": <exception>, "message": ...} with
// X-Amzn-ErrorType. It is what lets tests drive the emulators with the
// real AWS SDK clients. Request signatures (SigV4) are not checked: like
// moto_server, an emulator trusts whoever can reach it, which is why they
// listen on loopback only.
package awsjson

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"strings"
)

// ContentType is the protocol's media type.
const ContentType = "application/x-amz-json-1.1"

// maxBody bounds a request body (the largest the emulators take is an ID
// token of a few KB).
const maxBody = 64 << 10

// Error is an error answer: the HTTP status, the exception's name and a
// message.
type Error struct {
	Status  int
	Type    string
	Message string
}

func (e *Error) Error() string { return e.Type + ": " + e.Message }

// BadRequest is a 400 answer of exception typ.
func BadRequest(typ, format string, args ...any) *Error {
	return &Error{http.StatusBadRequest, typ, fmt.Sprintf(format, args...)}
}

// An Action answers one operation from its JSON request body.
type Action func(ctx context.Context, body json.RawMessage) (any, *Error)

// Decode reads an Action's input; a body that is not a JSON object of the
// input's shape is a SerializationException.
func Decode[T any](body json.RawMessage) (T, *Error) {
	var in T
	if err := json.Unmarshal(body, &in); err != nil {
		return in, BadRequest("SerializationException", "the body is not a JSON object of this action's input")
	}
	return in, nil
}

// Service is one emulated API.
type Service struct {
	// Prefix starts X-Amz-Target, e.g. "AWSCognitoIdentityService.".
	Prefix string
	// Name names the emulator in messages and logs ("local identity pool").
	Name    string
	Actions map[string]Action
	Log     *slog.Logger
}

// ServeHTTP answers POST / with one of the service's actions. It logs the
// action and, on failure, the exception's name: never a body.
func (s Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	op, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), s.Prefix)
	action := s.Actions[op]
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var (
		out  any
		aerr *Error
	)
	switch {
	case r.Method != http.MethodPost || r.URL.Path != "/":
		aerr = &Error{http.StatusNotFound, "UnknownOperationException", "POST / with X-Amz-Target only"}
	case !ok || op == "":
		aerr = BadRequest("UnknownOperationException", "missing or foreign X-Amz-Target")
	case action == nil:
		aerr = BadRequest("UnknownOperationException", "the %s does not implement %s", s.Name, op)
	case mt != ContentType:
		aerr = BadRequest("SerializationException", "Content-Type must be %s", ContentType)
	default:
		var body json.RawMessage
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody)).Decode(&body); err != nil {
			aerr = BadRequest("SerializationException", "the body is not a JSON object")
		} else {
			out, aerr = action(r.Context(), body)
		}
	}
	w.Header().Set("Content-Type", ContentType)
	if aerr != nil {
		s.Log.Info(s.Name+" action refused", "action", op, "error", aerr.Type)
		w.Header().Set("X-Amzn-ErrorType", aerr.Type)
		w.WriteHeader(aerr.Status)
		_ = json.NewEncoder(w).Encode(map[string]string{"__type": aerr.Type, "message": aerr.Message})
		return
	}
	s.Log.Info(s.Name+" action", "action", op)
	_ = json.NewEncoder(w).Encode(out)
}
