// Command hello is the GET /hello Lambda function, the sample route behind
// API Gateway's Cognito authorizer. Its route is in internal/routes, its
// handler in internal/hello.
package main

import (
	"github.com/example/cognito-sam-go/functions/internal/start"
	"github.com/example/cognito-sam-go/internal/hello"
)

func main() { start.Main("hello", hello.Function) }
