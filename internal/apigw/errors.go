package apigw

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/aws/aws-lambda-go/events"
)

// Kind classifies an error for the HTTP status it maps to.
type Kind int

// Kinds of errors a user can meet.
const (
	KindInternal     Kind = iota // 500: a bug or misconfiguration
	KindBadRequest               // 400: the request or the sign-in flow is wrong
	KindUnauthorized             // 401: credentials missing or not accepted
	KindForbidden                // 403: a cross-site request refused
	KindUnavailable              // 503: the client secret cannot be read
	KindUpstream                 // 502: Cognito failed or sent a bad token
	KindTimeout                  // 504: Cognito did not answer in time
)

// Status is the one mapping from error kind to HTTP status.
func Status(k Kind) int {
	switch k {
	case KindBadRequest:
		return http.StatusBadRequest
	case KindUnauthorized:
		return http.StatusUnauthorized
	case KindForbidden:
		return http.StatusForbidden
	case KindUnavailable:
		return http.StatusServiceUnavailable
	case KindUpstream:
		return http.StatusBadGateway
	case KindTimeout:
		return http.StatusGatewayTimeout
	default:
		return http.StatusInternalServerError
	}
}

// Error is an error a handler answers with. Code and Message are shown to
// the user; Err is internal detail for the log.
type Error struct {
	Kind    Kind
	Code    string // OAuth-style error code, e.g. "invalid_request"
	Message string // one sentence a person can act on
	Err     error
}

// Unavailable is the error for a client secret that cannot be read: 503.
func Unavailable(err error) *Error {
	return &Error{Kind: KindUnavailable, Code: "temporarily_unavailable",
		Message: "Sign-in is temporarily unavailable. Please try again in a moment.", Err: err}
}

// Errorf returns an *Error whose internal detail is fmt.Errorf(format, args...).
func Errorf(kind Kind, code, message, format string, args ...any) *Error {
	return &Error{Kind: kind, Code: code, Message: message, Err: fmt.Errorf(format, args...)}
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Code + ": " + e.Err.Error()
	}
	return e.Code + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// internal is what any error that is not an *Error becomes.
func internal(err error) *Error {
	return &Error{Kind: KindInternal, Code: "server_error", Message: "Something went wrong on our side. Please try again.", Err: err}
}

// AsError returns err as an *Error, or an internal error wrapping it.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return internal(err)
}

// ErrorPage renders an error as HTML (package page provides it), kept as
// a function so this package has no templates.
type ErrorPage func(status int, e *Error) (body string, csp string)

// ErrorResponse logs err with its internal detail and returns the response
// for it: JSON {"error","error_description"} or, for a browser, HTML from
// page. extra headers (e.g. a Set-Cookie that clears a cookie) are added.
func ErrorResponse(ctx context.Context, log *slog.Logger, req events.APIGatewayProxyRequest, err error, page ErrorPage, extra ...Header) events.APIGatewayProxyResponse {
	e := AsError(err)
	status := Status(e.Kind)
	level := slog.LevelWarn
	if status >= 500 {
		level = slog.LevelError
	}
	log.LogAttrs(ctx, level, "request failed",
		slog.Int("status", status), slog.String("error", e.Code), slog.Any("detail", errString(e.Err)))
	var resp events.APIGatewayProxyResponse
	if page != nil && WantsHTML(req) {
		body, csp := page(status, e)
		resp = HTML(status, body, csp)
	} else {
		resp = JSON(status, map[string]string{"error": e.Code, "error_description": e.Message})
	}
	for _, h := range extra {
		AddHeader(&resp, h.Name, h.Value)
	}
	return resp
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
