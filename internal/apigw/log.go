package apigw

import (
	"context"
	"io"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

// NewLogger returns the JSON logger the functions write to w (stdout in
// Lambda, where the JSON log format picks the lines up as structured logs).
func NewLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

// RequestLogger returns log with the API Gateway request id, the Lambda
// request id and the route. It adds nothing from the query, headers or body:
// those may hold codes, tokens or cookies.
func RequestLogger(ctx context.Context, log *slog.Logger, req events.APIGatewayProxyRequest) *slog.Logger {
	attrs := []any{
		slog.String("request_id", req.RequestContext.RequestID),
		slog.String("method", req.HTTPMethod),
		slog.String("route", req.Resource),
	}
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		attrs = append(attrs, slog.String("aws_request_id", lc.AwsRequestID))
	}
	return log.With(attrs...)
}
