// Command refresh is the POST /refresh Lambda function: it trades a refresh
// token for new tokens. Its route is in internal/routes, its handler in
// internal/signin.
package main

import (
	"github.com/example/cognito-sam-go/functions/internal/start"
	"github.com/example/cognito-sam-go/internal/signin"
)

func main() { start.Main("refresh", signin.RefreshFunction) }
