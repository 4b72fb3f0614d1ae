// Command credentials is the POST /credentials Lambda function (and its
// CORS preflight): it exchanges the session's ID token for temporary AWS
// credentials at the stack's identity pool. It exists only in a stack
// deployed with EnableIdentityPool. Its routes are in internal/routes, its
// handler in internal/signin.
package main

import (
	"github.com/example/cognito-sam-go/functions/internal/start"
	"github.com/example/cognito-sam-go/internal/identitypool"
	"github.com/example/cognito-sam-go/internal/signin"
)

func main() { start.Main("credentials", signin.FunctionWithIdentity(identitypool.Load)) }
