package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/example/cognito-sam-go/functions/internal/lambdatest"
	"github.com/example/cognito-sam-go/internal/apigw/apigwtest"
	"golang.org/x/oauth2"
)

// timeout is the template's function timeout.
const timeout = 10 * time.Second

// bench is the state the routes' events draw on.
type bench struct{ s *services }

// route is one route measured: a fresh event per invocation and what its
// answer must be.
type route struct {
	name  string // as the table shows it
	fn    string // the binary
	plain bool   // needs no sign-in configuration
	event func(t *tb, b *bench) events.APIGatewayProxyRequest
	want  int // status
}

var routeList = []route{
	{name: "GET /login", fn: "login", want: http.StatusFound,
		event: func(*tb, *bench) events.APIGatewayProxyRequest { return apigwtest.Request("/login", nil, nil) }},
	{name: "GET /callback", fn: "callback", want: http.StatusOK,
		event: func(t *tb, b *bench) events.APIGatewayProxyRequest {
			a := b.s.newAttempt(t)
			return apigwtest.Request("/callback", url.Values{"code": {a.code}, "state": {a.state}},
				http.Header{"Cookie": {a.cookie}, "Accept": {"application/json"}})
		}},
	{name: "POST /refresh", fn: "refresh", want: http.StatusOK,
		event: func(t *tb, b *bench) events.APIGatewayProxyRequest {
			return apigwtest.Post("/refresh", `{"refresh_token":"`+b.refreshToken(t)+`"}`,
				http.Header{"Content-Type": {"application/json"}})
		}},
	{name: "POST /logout", fn: "logout", want: http.StatusSeeOther,
		event: func(t *tb, b *bench) events.APIGatewayProxyRequest {
			return apigwtest.Post("/logout", "refresh_token="+b.refreshToken(t),
				http.Header{"Content-Type": {"application/x-www-form-urlencoded"}})
		}},
	{name: "GET /hello", fn: "hello", plain: true, want: http.StatusOK,
		event: func(*tb, *bench) events.APIGatewayProxyRequest {
			req := apigwtest.Request("/hello", nil, nil)
			req.RequestContext.Authorizer = map[string]any{"claims": map[string]any{
				"sub": "abc", "username": "abc", "scope": "api/read", "token_use": "access"}}
			return req
		}},
	{name: "floor: read one secret", fn: "floor-secret", want: http.StatusOK,
		event: func(*tb, *bench) events.APIGatewayProxyRequest { return apigwtest.Request("/floor", nil, nil) }},
	{name: "floor: hello", fn: "floor-hello", plain: true, want: http.StatusOK,
		event: func(*tb, *bench) events.APIGatewayProxyRequest { return apigwtest.Request("/floor", nil, nil) }},
}

// refreshToken signs in at the local Cognito directly and returns a fresh
// refresh token (one per invocation: /logout revokes it).
func (b *bench) refreshToken(t *tb) string {
	a := b.s.newAttempt(t)
	conf := &oauth2.Config{ClientID: clientID, ClientSecret: clientSecret, RedirectURL: redirectURI,
		Endpoint: oauth2.Endpoint{TokenURL: b.s.cognitoDirect + "/oauth2/token", AuthStyle: oauth2.AuthStyleInHeader}}
	tok, err := conf.Exchange(context.Background(), a.code, oauth2.VerifierOption(a.verifier))
	if err != nil {
		t.Fatalf("exchange at the local Cognito: %v", err)
	}
	return tok.RefreshToken
}

// row is one route's figures.
type row struct {
	route      route
	cold, warm []time.Duration
	coldConns  []counts // opened from process start to the cold answer
	warmConns  counts   // opened by all warm invocations
	warmCount  int
}

func measure(t *tb, o options, b *bench, bin string, r route, rep *report, log io.Writer) row {
	out := row{route: r}
	env := b.s.env()
	if r.plain {
		env = map[string]string{"SSL_CERT_FILE": b.s.ca.file}
	}
	for range o.Cold {
		scope := &tb{}
		func() {
			defer scope.done()
			ev := r.event(t, b)
			before := b.s.counts()
			fn := lambdatest.Start(scope, bin, env)
			resp, d := fn.InvokeTimed(ev, timeout)
			check(t, r, resp, fn)
			out.cold = append(out.cold, d)
			out.coldConns = append(out.coldConns, b.s.counts().minus(before))
			rep.init[r.fn] = append(rep.init[r.fn], fn.Init())
			for range o.Warm {
				ev := r.event(t, b)
				mid := b.s.counts()
				resp, d := fn.InvokeTimed(ev, timeout)
				check(t, r, resp, fn)
				out.warm = append(out.warm, d)
				c := b.s.counts().minus(mid)
				out.warmConns = counts{out.warmConns.sm + c.sm, out.warmConns.domain + c.domain, out.warmConns.issuer + c.issuer}
				out.warmCount++
			}
			if o.Verbose {
				fmt.Fprintf(log, "--- %s cold start: %.2f R, connections %+v\n%s", r.name, float64(d)/float64(o.RTT), out.coldConns[len(out.coldConns)-1], fn.Output())
			}
		}()
	}
	return out
}

func check(t *tb, r route, resp events.APIGatewayProxyResponse, fn *lambdatest.Runtime) {
	if resp.StatusCode != r.want {
		t.Fatalf("%s answered %d, want %d: %s\n%s", r.name, resp.StatusCode, r.want, resp.Body, fn.Output())
	}
	if r.fn == "callback" {
		var tok map[string]any
		if err := json.Unmarshal([]byte(resp.Body), &tok); err != nil || tok["id_token"] == nil {
			t.Fatalf("%s answered without an ID token: %s", r.name, resp.Body)
		}
	}
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func sortedKeys[V any](m map[string]V) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// typical is the most frequent of cs (the connections of most cold
// starts), formatted sm/domain/issuer.
func typical(cs []counts) string {
	freq := map[counts]int{}
	best, n := counts{}, 0
	for _, c := range cs {
		freq[c]++
		if freq[c] > n {
			best, n = c, freq[c]
		}
	}
	s := fmt.Sprintf("%d / %d / %d", best.sm, best.domain, best.issuer)
	if n < len(cs) {
		s += fmt.Sprintf(" (%d of %d)", n, len(cs))
	}
	return s
}

// inits starts bin n times and returns how long each took from process
// start to its first /invocation/next (it is killed then). The sign-in
// functions' warm-ups run meanwhile, as they do on Lambda.
func inits(t *tb, s *services, bin, fn string, n int) []time.Duration {
	env := s.env()
	if fn == "hello" || fn == "floor-hello" {
		env = map[string]string{"SSL_CERT_FILE": s.ca.file}
	}
	var out []time.Duration
	for range n {
		scope := &tb{}
		func() {
			defer scope.done()
			r := lambdatest.Start(scope, bin, env)
			deadline := time.Now().Add(timeout)
			for r.Init() == 0 {
				if time.Now().After(deadline) {
					t.Fatalf("%s never asked for an invocation:\n%s", fn, r.Output())
				}
				time.Sleep(100 * time.Microsecond)
			}
			out = append(out, r.Init())
		}()
	}
	return out
}
