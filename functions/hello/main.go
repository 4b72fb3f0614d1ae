// Command hello is the GET /hello Lambda function, the sample route behind
// API Gateway's Cognito authorizer. See internal/hello.
package main

import (
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/example/cognito-sam-go/internal/apigw"
	"github.com/example/cognito-sam-go/internal/hello"
)

func main() {
	lambda.Start(hello.New(apigw.NewLogger(os.Stdout)).Handle)
}
