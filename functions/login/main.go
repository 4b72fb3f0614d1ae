// Command login is the GET /login Lambda function: it sends the browser to
// Cognito's sign-in page. Its routes are in internal/routes,
// its handlers in internal/signin.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/example/cognito-sam-go/internal/apigw"
	"github.com/example/cognito-sam-go/internal/signin"
)

func main() {
	log := apigw.NewLogger(os.Stdout)
	h, err := signin.Function(context.Background(), "login", os.Getenv, log)
	if err != nil {
		log.Error("cannot start", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(h)
}
