// Command callback is the GET /callback Lambda function: it exchanges the
// authorization code and hands the tokens back. Its route is in
// internal/routes, its handler in internal/signin.
package main

import (
	"github.com/example/cognito-sam-go/functions/internal/start"
	"github.com/example/cognito-sam-go/internal/signin"
)

func main() { start.Main("callback", signin.CallbackFunction) }
