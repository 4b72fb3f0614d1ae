// Command hello is the GET /hello Lambda function, the sample route behind
// API Gateway's Cognito authorizer. Its route is in internal/routes, its
// handler in internal/hello.
package main

import (
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/example/cognito-sam-go/internal/apigw"
	"github.com/example/cognito-sam-go/internal/hello"
	"github.com/example/cognito-sam-go/internal/routes"
)

func main() {
	log := apigw.NewLogger(os.Stdout)
	h, err := routes.Handler("hello", hello.New(log))
	if err != nil {
		log.Error("cannot start", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(h)
}
