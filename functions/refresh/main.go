// Command refresh is the GET /, POST /token and POST /refresh Lambda
// function: the home page, a page script's access token from the session,
// and the trade of a refresh token (the body's or the session's) for new
// tokens. Its routes are in internal/routes, its handlers in
// internal/signin.
package main

import (
	"github.com/example/cognito-sam-go/functions/internal/start"
	"github.com/example/cognito-sam-go/internal/signin"
)

func main() { start.Main("refresh", signin.RefreshFunction) }
