// Command login is the GET /login Lambda function: it sends the browser to
// Cognito's sign-in page. See internal/login.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/example/cognito-sam-go/internal/apigw"
	"github.com/example/cognito-sam-go/internal/login"
	"github.com/example/cognito-sam-go/internal/setup"
)

func main() {
	log := apigw.NewLogger(os.Stdout)
	d, err := setup.Load(context.Background(), os.Getenv)
	if err != nil {
		log.Error("cannot start", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(login.New(d.Config, d.Secrets, d.Cognito, log, nil).Handle)
}
