// Package apigw is the plumbing between API Gateway's REST proxy events
// (payload v1) and the handlers: reading headers, query parameters and
// cookies the way API Gateway delivers them, deriving the callback URL,
// building responses with the contract's headers, and turning errors into
// responses.
//
// The response builders (JSON, HTML, Redirect, ErrorResponse) add the
// headers every answer carries. Strict-Transport-Security depends on how
// the request arrived, which JSON, HTML and Redirect do not see: each
// concern calls Secure once where its answer leaves it, success and error
// alike (Preflight, a whole answer by itself, calls it too).
//
// Errors are mapped to HTTP status codes in one place (Status). A handler
// returns an *Error with a Kind and a message meant for the user; anything
// else it wraps is written to the log only and never to a response.
package apigw
