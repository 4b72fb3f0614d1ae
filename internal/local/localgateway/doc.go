// Package localgateway serves Lambda proxy handlers over plain HTTP the way
// an Amazon API Gateway REST API with Lambda proxy integration (payload
// format 1.0) calls them, so the functions' real handler code can run on a
// laptop.
//
// A Gateway is an http.Handler. For every request it:
//
//   - enforces API Gateway's limits: all header values together at most
//     10,240 bytes, a body of at most 10 MB (both 413);
//   - routes by method and resource path; a path or method with no route gets
//     API Gateway's famous 403 {"message":"Missing Authentication Token"};
//   - applies the route's Amazon Cognito user pools authorizer, if any,
//     before the handler is called (see CognitoAuthorizer);
//   - builds the events.APIGatewayProxyRequest API Gateway would send
//     (headers and multiValueHeaders, query parameters, path parameters,
//     requestContext with stage, request id, source IP, domain name, ...),
//     passes it through a JSON round trip exactly as the Lambda runtime
//     would, and calls the handler with a context that carries the function's
//     deadline and a lambdacontext.LambdaContext;
//   - turns the proxy response back into HTTP (multiValueHeaders win over
//     headers, several Set-Cookie survive, base64 bodies are decoded when a
//     binary media type applies), or answers as API Gateway does when the
//     function fails: 502 for an error, a panic, a malformed response or a
//     function timeout, 504 when the integration timeout passes first.
//
// Every response carries x-amzn-RequestId, x-amz-apigw-id and
// X-Amzn-Trace-Id, as API Gateway's do. One log line is written per request
// (method, path, status, duration, request id); header values, cookies,
// query strings and bodies are never logged.
//
// The authorizer's 401 answers are shaped like the project's template's
// GatewayResponses (UNAUTHORIZED): a JSON body
// {"error":"unauthorized","error_description":<API Gateway's message>},
// Cache-Control: no-store and WWW-Authenticate: Bearer. Every other gateway
// answer keeps API Gateway's default body. Options.GatewayResponseHeaders
// adds static headers, typically the template's CORS headers, to the 401
// and to the 403 for a missing route, never to a function's answer.
//
// Routes are per method, each with its own authorizer or none: an OPTIONS
// route reaches its function without a token even when GET on the same
// path requires one, so a function can answer CORS preflights itself.
//
// What it does not do: API keys, usage plans, throttling, caching, request
// validation, generated CORS preflight (SAM's Cors property) or CORS
// headers chosen per request, Lambda (custom) authorizers, IAM
// authorization, mapping templates or stage prefixes in the path: it serves
// the API at the root of the host, like a custom domain with an empty base
// path mapping (and like sam local start-api). Header names reach the
// handler in Go's canonical form (Content-Type), not with the exact case
// the client sent.
package localgateway
