package localgateway

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
)

// route is a validated Route with its path split into segments.
type route struct {
	Route
	segments   []string // literal segments, or "{name}" / "{name+}"
	shape      string   // the path with parameter names erased, to find duplicates
	literals   int      // how many segments are literal, for precedence
	greedy     bool     // the last segment is {name+}
	resourceID string   // requestContext.resourceId
	verifier   *verifier
}

// compileRoute validates rt and prepares it for matching. Authorizers with
// the same issuer share the key set in keySets.
func compileRoute(rt Route, keySets map[string]*keySet) (*route, []error) {
	var errs []error
	c := &route{Route: rt}
	c.Method = strings.ToUpper(rt.Method)
	if !methods[c.Method] {
		errs = append(errs, fmt.Errorf("method %q: want GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS or ANY", rt.Method))
	}
	segs, err := parsePath(rt.Path)
	if err != nil {
		errs = append(errs, err)
	}
	c.segments = segs
	shape := make([]string, len(segs))
	for i, s := range segs {
		switch {
		case strings.HasSuffix(s, "+}"):
			c.greedy = true
			shape[i] = "{+}"
		case strings.HasPrefix(s, "{"):
			shape[i] = "{}"
		default:
			c.literals++
			shape[i] = s
		}
	}
	c.shape = "/" + strings.Join(shape, "/")
	sum := sha256.Sum256([]byte(rt.Path))
	const alphabet = "0123456789abcdefghijklmnopqrstuvwxyz"
	id := make([]byte, 6)
	for i := range id {
		id[i] = alphabet[int(sum[i])%len(alphabet)]
	}
	c.resourceID = string(id)

	if rt.Handler == nil {
		errs = append(errs, errors.New("no handler"))
	}
	switch {
	case rt.Timeout < 0 || rt.Timeout > maxFunctionTimeout:
		errs = append(errs, fmt.Errorf("timeout %v: want between 1ns and 15m (zero means 10s)", rt.Timeout))
	case rt.Timeout == 0:
		c.Timeout = defaultFunctionTimeout
	}
	switch {
	case rt.IntegrationTimeout == 0:
		c.IntegrationTimeout = defaultIntegrationTimeout
	case rt.IntegrationTimeout < minIntegrationTimeout || rt.IntegrationTimeout > defaultIntegrationTimeout:
		errs = append(errs, fmt.Errorf("integration timeout %v: want between 50ms and 29s (zero means 29s)", rt.IntegrationTimeout))
	}
	if rt.Authorizer != nil {
		v, aerrs := newVerifier(rt.Authorizer, keySets)
		errs = append(errs, aerrs...)
		c.verifier = v
	}
	return c, errs
}

// parsePath splits a resource path into its segments. "/" has none.
func parsePath(p string) ([]string, error) {
	if !strings.HasPrefix(p, "/") {
		return nil, fmt.Errorf("path %q: must start with /", p)
	}
	if p == "/" {
		return nil, nil
	}
	segs := strings.Split(p[1:], "/")
	names := map[string]bool{}
	for i, s := range segs {
		switch {
		case pathParam.MatchString(s):
			name := strings.TrimSuffix(strings.Trim(s, "{}"), "+")
			if strings.HasSuffix(s, "+}") && i != len(segs)-1 {
				return nil, fmt.Errorf("path %q: a greedy parameter must be the last segment", p)
			}
			if names[name] {
				return nil, fmt.Errorf("path %q: parameter %q twice", p, name)
			}
			names[name] = true
		case !pathLiteral.MatchString(s):
			return nil, fmt.Errorf("path %q: segment %q: only letters, digits, '-', '.', '_', ',' or a {parameter}", p, s)
		}
	}
	return segs, nil
}

// match finds the route for method and the request path, and the path
// parameters it binds (nil when it has none). A route for the exact method
// wins over ANY; among routes whose paths match, the one with more literal
// segments wins, then a fixed-length one over a greedy one.
func (g *Gateway) match(method, path string) (*route, map[string]string) {
	var reqSegs []string
	if path != "/" {
		if !strings.HasPrefix(path, "/") {
			return nil, nil
		}
		reqSegs = strings.Split(path[1:], "/")
	}
	var best *route
	var bestParams map[string]string
	for _, rt := range g.routes {
		if rt.Method != method && rt.Method != "ANY" {
			continue
		}
		params, ok := rt.bind(reqSegs)
		if !ok {
			continue
		}
		if best == nil || better(rt, best, method) {
			best, bestParams = rt, params
		}
	}
	return best, bestParams
}

// better reports whether a should be chosen over b for a request with
// method, both matching its path.
func better(a, b *route, method string) bool {
	if a.literals != b.literals {
		return a.literals > b.literals
	}
	if a.greedy != b.greedy {
		return !a.greedy
	}
	return a.Method == method && b.Method != method
}

// bind matches the request's path segments against the route, returning
// the path parameters.
func (rt *route) bind(req []string) (map[string]string, bool) {
	if len(req) < len(rt.segments) || (!rt.greedy && len(req) != len(rt.segments)) {
		return nil, false
	}
	var params map[string]string
	for i, s := range rt.segments {
		if !strings.HasPrefix(s, "{") {
			if req[i] != s {
				return nil, false
			}
			continue
		}
		name := strings.TrimSuffix(strings.Trim(s, "{}"), "+")
		value := req[i]
		if strings.HasSuffix(s, "+}") {
			value = strings.Join(req[i:], "/")
		}
		if value == "" {
			return nil, false
		}
		if params == nil {
			params = map[string]string{}
		}
		params[name] = value
	}
	return params, true
}
