// Command logout is the POST /logout and GET /signed-out Lambda function: it
// revokes the refresh token and ends the Cognito session. Its routes are in
// internal/routes, its handlers in internal/signin.
package main

import (
	"github.com/example/cognito-sam-go/functions/internal/start"
	"github.com/example/cognito-sam-go/internal/signin"
)

func main() { start.Main("logout", signin.LogoutFunction) }
