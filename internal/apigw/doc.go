// Package apigw is the plumbing between API Gateway's REST proxy events
// (payload v1) and the handlers: reading headers, query parameters and
// cookies the way API Gateway delivers them, deriving the callback URL,
// building responses with the contract's headers, and turning errors into
// responses.
//
// Errors are mapped to HTTP status codes in one place (Status). A handler
// returns an *Error with a Kind and a message meant for the user; anything
// else it wraps is written to the log only and never to a response.
package apigw
