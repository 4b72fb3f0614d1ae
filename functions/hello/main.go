// Command hello is the GET /hello Lambda function, the sample route behind
// API Gateway's Cognito authorizer; it also serves the sample single-page
// app (GET /app and /app/{proxy+}) and the CORS preflights (OPTIONS) of
// /hello, /token, /refresh and /logout. Its routes are in internal/routes,
// its handlers in internal/hello and internal/webapp.
package main

import (
	"github.com/example/cognito-sam-go/functions/internal/start"
	"github.com/example/cognito-sam-go/internal/hello"
)

func main() { start.Main("hello", hello.Function) }
