package localgateway_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"

	"github.com/aws/aws-lambda-go/events"

	"github.com/example/cognito-sam-go/internal/local/localgateway"
)

func ExampleNew() {
	hello := func(_ context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		return events.APIGatewayProxyResponse{
			StatusCode: http.StatusOK,
			Headers:    map[string]string{"Content-Type": "text/plain"},
			Body:       fmt.Sprintf("hello from %s %s, stage %s", req.HTTPMethod, req.Resource, req.RequestContext.Stage),
		}, nil
	}
	g, err := localgateway.New(localgateway.Options{
		Routes: []localgateway.Route{{Method: "GET", Path: "/hello", Handler: hello}},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	srv := httptest.NewServer(g) // or http.ListenAndServe("localhost:3000", g)
	defer srv.Close()

	for _, path := range []string{"/hello", "/nowhere"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			fmt.Println(err)
			return
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Println(resp.StatusCode, string(body))
	}
	// Output:
	// 200 hello from GET /hello, stage Prod
	// 403 {"message":"Missing Authentication Token"}
}
