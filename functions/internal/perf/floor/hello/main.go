// Command hello is the size and start-up floor of the hello function, for
// the performance tool (functions/internal/perf): a bare aws-lambda-go
// function that answers every API Gateway event with a fixed body. Never
// deployed.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	lambda.Start(func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		return events.APIGatewayProxyResponse{StatusCode: 200, Body: `{"message":"Hello"}`}, nil
	})
}
