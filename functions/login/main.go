// Command login is the GET /login Lambda function: it sends the browser to
// Cognito's sign-in page. Its route is in internal/routes, its handler in
// internal/signin.
package main

import (
	"github.com/example/cognito-sam-go/functions/internal/start"
	"github.com/example/cognito-sam-go/internal/signin"
)

func main() { start.Main("login", signin.LoginFunction) }
