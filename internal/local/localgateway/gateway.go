package localgateway

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// HandlerFunc is the signature of a Lambda function behind a REST API with
// Lambda proxy integration, as aws-lambda-go's lambda.Start accepts it.
type HandlerFunc func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error)

// Route is one method on one resource of the API, integrated with one
// function.
type Route struct {
	// Method is GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS, or ANY (every
	// method that has no route of its own on the same path).
	Method string
	// Path is the resource path, for example "/login". A segment may be a
	// path parameter, "{id}", and the last one a greedy parameter,
	// "{proxy+}", which matches one or more segments. Literal segments win
	// over parameters. Matching is exact: "/login/" is not "/login".
	Path string
	// Handler is the function. It is never called for a request the
	// authorizer refuses.
	Handler HandlerFunc
	// Authorizer protects the method with an Amazon Cognito user pools
	// authorizer; nil means no authorization (Auth: NONE).
	Authorizer *CognitoAuthorizer
	// Timeout is the function's timeout: the handler's context carries it
	// as its deadline, and a function still running when it passes fails
	// the request with 502, as Lambda's "Task timed out" does behind API
	// Gateway. Zero means 10 seconds; at most 15 minutes.
	Timeout time.Duration
	// IntegrationTimeout is how long API Gateway waits for the function
	// before it answers 504 itself. Zero means 29 seconds, API Gateway's
	// default and maximum; at least 50 milliseconds.
	IntegrationTimeout time.Duration
}

// Options configures a Gateway.
type Options struct {
	// Stage is requestContext.stage. Zero means "Prod", the stage SAM
	// creates. Like API Gateway, letters, digits, '-' and '_', at most 128.
	Stage string
	// Routes are the API's methods. At least one.
	Routes []Route
	// StageVariables become the event's stageVariables (null when empty).
	StageVariables map[string]string
	// BinaryMediaTypes is the API's binaryMediaTypes, for example
	// "image/png", "image/*" or "*/*". A request whose Content-Type matches
	// reaches the handler base64-encoded with isBase64Encoded true; a
	// response with isBase64Encoded true is decoded only when the first
	// media type of the request's Accept header matches. Empty means text
	// only, as SAM's default API has it.
	BinaryMediaTypes []string
	// Logger receives one line per request. Nil means slog.Default().
	Logger *slog.Logger
	// APIID is requestContext.apiId. Zero means "1234567890", as sam local
	// start-api sends.
	APIID string
	// AccountID is requestContext.accountId. Zero means "123456789012", as
	// sam local start-api sends.
	AccountID string
	// Now is the clock for requestTime. Nil means time.Now.
	Now func() time.Time
	// GatewayResponseHeaders emulates the ResponseParameters.Headers the
	// template's GatewayResponses give API Gateway's own answers: these
	// static headers (name to value, the value without the template's
	// single quotes) are set on every response the gateway generates
	// itself for an authorizer refusal (UNAUTHORIZED, 401) or a request
	// with no route (MISSING_AUTHENTICATION_TOKEN, 403), after, and so
	// winning over, the gateway's own headers. They are never added to a
	// function's answer, nor to the other gateway answers (500, 502, 504,
	// 413), which the template leaves at API Gateway's defaults. Like a
	// gateway response, they cannot depend on the request: one static
	// Access-Control-Allow-Origin, not a choice among several origins. Nil
	// or empty adds nothing.
	GatewayResponseHeaders map[string]string
}

// Limits and defaults of an API Gateway REST API (API Gateway developer
// guide, "Quotas for configuring and running a REST API").
const (
	maxHeaderValueBytes       = 10240
	maxBodyBytes              = 10 << 20
	defaultStage              = "Prod"
	defaultFunctionTimeout    = 10 * time.Second
	maxFunctionTimeout        = 15 * time.Minute
	defaultIntegrationTimeout = 29 * time.Second
	minIntegrationTimeout     = 50 * time.Millisecond
)

var (
	stageName   = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)
	pathLiteral = regexp.MustCompile(`^[A-Za-z0-9._,-]+$`)
	pathParam   = regexp.MustCompile(`^\{[A-Za-z0-9._-]+\+?\}$`)
	mediaType   = regexp.MustCompile(`^([a-z0-9!#$&^_.+-]+|\*)/([a-z0-9!#$&^_.+-]+|\*)$`)
	methods     = map[string]bool{"GET": true, "POST": true, "PUT": true, "PATCH": true, "DELETE": true, "HEAD": true, "OPTIONS": true, "ANY": true}
)

// Gateway is an http.Handler that emulates one deployed stage of a REST
// API. It is safe for concurrent use.
type Gateway struct {
	stage     string
	routes    []*route
	stageVars map[string]string
	binary    []string
	log       *slog.Logger
	apiID     string
	accountID string
	now       func() time.Time
	gwHeaders http.Header // Options.GatewayResponseHeaders, canonical names
}

// New validates opts, reporting every problem at once, and returns the
// Gateway. Routes whose authorizers name the same Issuer share one cache of
// the issuer's signing keys.
func New(opts Options) (*Gateway, error) {
	g := &Gateway{
		stage:     opts.Stage,
		log:       opts.Logger,
		apiID:     opts.APIID,
		accountID: opts.AccountID,
		now:       opts.Now,
	}
	if g.stage == "" {
		g.stage = defaultStage
	}
	if g.log == nil {
		g.log = slog.Default()
	}
	if g.apiID == "" {
		g.apiID = "1234567890"
	}
	if g.accountID == "" {
		g.accountID = "123456789012"
	}
	if g.now == nil {
		g.now = time.Now
	}

	var errs []error
	if !stageName.MatchString(g.stage) {
		errs = append(errs, fmt.Errorf("stage %q: only letters, digits, '-' and '_', at most 128", g.stage))
	}
	if len(opts.Routes) == 0 {
		errs = append(errs, errors.New("no routes"))
	}
	if len(opts.StageVariables) > 0 {
		g.stageVars = make(map[string]string, len(opts.StageVariables))
		for k, v := range opts.StageVariables {
			g.stageVars[k] = v
		}
	}
	for _, name := range sortedKeys(opts.GatewayResponseHeaders) {
		value := opts.GatewayResponseHeaders[name]
		if err := checkGatewayResponseHeader(name, value); err != nil {
			errs = append(errs, err)
			continue
		}
		if g.gwHeaders == nil {
			g.gwHeaders = http.Header{}
		}
		g.gwHeaders.Set(name, value)
	}
	for _, t := range opts.BinaryMediaTypes {
		t = strings.ToLower(strings.TrimSpace(t))
		if !mediaType.MatchString(t) {
			errs = append(errs, fmt.Errorf("binary media type %q: want type/subtype", t))
			continue
		}
		g.binary = append(g.binary, t)
	}

	keySets := map[string]*keySet{}
	seen := map[string]bool{}
	for i, rt := range opts.Routes {
		c, rerrs := compileRoute(rt, keySets)
		for _, err := range rerrs {
			errs = append(errs, fmt.Errorf("route %d (%s %s): %w", i, rt.Method, rt.Path, err))
		}
		if len(rerrs) > 0 {
			continue
		}
		key := c.Method + " " + c.shape
		if seen[key] {
			errs = append(errs, fmt.Errorf("route %d (%s %s): duplicate of an earlier route", i, rt.Method, rt.Path))
			continue
		}
		seen[key] = true
		g.routes = append(g.routes, c)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("localgateway: %w", err)
	}
	return g, nil
}

// ServeHTTP answers one request as API Gateway would.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	ids := newRequestIDs(g.now())
	sw := &statusWriter{ResponseWriter: w}
	method := effectiveMethod(r)
	defer func() {
		g.log.Info("request",
			"method", method,
			"path", r.URL.Path,
			"status", sw.status,
			"duration", time.Since(start),
			"requestId", ids.request)
	}()

	h := sw.Header()
	h.Set("x-amzn-RequestId", ids.request)
	h.Set("x-amz-apigw-id", ids.extended)
	h.Set("X-Amzn-Trace-Id", ids.trace)

	if headerValueBytes(r) > maxHeaderValueBytes {
		g.writeGatewayResponse(sw, requestTooLarge, "")
		return
	}
	body, err := readBody(r)
	if errors.Is(err, errBodyTooLarge) {
		g.writeGatewayResponse(sw, bodyTooLarge, "")
		return
	}
	if err != nil {
		// The client went away mid-body; there is no one to answer.
		g.log.Warn("read request body", "requestId", ids.request, "err", err)
		sw.status = 499
		return
	}

	rt, params := g.match(method, r.URL.Path)
	if rt == nil {
		g.writeGatewayResponse(sw, missingAuthenticationToken, "")
		return
	}

	var authorizer map[string]interface{}
	if rt.verifier != nil {
		claims, kind, msg := rt.verifier.authorize(r.Context(), r.Header.Values("Authorization"))
		if kind != 0 {
			g.writeGatewayResponse(sw, kind, msg)
			return
		}
		authorizer = map[string]interface{}{"claims": claims}
	}

	ev, err := g.buildEvent(r, rt, method, params, body, authorizer, ids)
	if err != nil {
		g.log.Error("build event", "requestId", ids.request, "err", err)
		g.writeGatewayResponse(sw, integrationFailure, "")
		return
	}
	resp, kind := g.invoke(rt, ev, ids)
	if kind != 0 {
		g.writeGatewayResponse(sw, kind, "")
		return
	}
	if kind := g.writeProxyResponse(sw, r, resp, ids.request); kind != 0 {
		g.writeGatewayResponse(sw, kind, "")
	}
}

// checkGatewayResponseHeader validates one of Options.GatewayResponseHeaders:
// a token for a name, no control characters but tab in the value, and none
// of the headers that frame the connection, which the gateway owns.
func checkGatewayResponseHeader(name, value string) error {
	if !isToken(name) {
		return fmt.Errorf("gateway response header %q: not a valid header name", name)
	}
	if framingHeaders[http.CanonicalHeaderKey(name)] {
		return fmt.Errorf("gateway response header %q: set by the gateway itself", name)
	}
	for i := 0; i < len(value); i++ {
		if c := value[i]; (c < 0x20 && c != '\t') || c == 0x7f {
			return fmt.Errorf("gateway response header %q: control character in the value", name)
		}
	}
	return nil
}

// isToken reports whether s is an HTTP token (RFC 9110 section 5.6.2).
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// effectiveMethod is the request's method, or the X-HTTP-Method-Override
// header's value, which API Gateway honours for REST APIs ("Amazon API
// Gateway important notes for REST APIs").
func effectiveMethod(r *http.Request) string {
	if m := strings.TrimSpace(r.Header.Get("X-HTTP-Method-Override")); m != "" {
		return strings.ToUpper(m)
	}
	return r.Method
}

// headerValueBytes adds up the length of every header value, Host
// included: the REST API quota counts "all header values".
func headerValueBytes(r *http.Request) int {
	n := len(r.Host)
	for _, vs := range r.Header {
		for _, v := range vs {
			n += len(v)
		}
	}
	return n
}

var errBodyTooLarge = errors.New("body over 10 MB")

// readBody reads the whole body, failing with errBodyTooLarge when it is
// larger than API Gateway's 10 MB payload quota.
func readBody(r *http.Request) ([]byte, error) {
	if r.ContentLength > maxBodyBytes {
		return nil, errBodyTooLarge
	}
	if r.Body == nil {
		return nil, nil
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxBodyBytes {
		return nil, errBodyTooLarge
	}
	return b, nil
}

// statusWriter remembers the status code for the log line.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}
