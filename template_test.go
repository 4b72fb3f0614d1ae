// Package template_test checks template.yaml after the SAM transform: the
// security properties the runtime contract relies on, and that the README
// tells the same story as the template.
package template_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/example/cognito-sam-go/internal/routes"
)

type resource struct {
	Type       string         `json:"Type"`
	Condition  string         `json:"Condition"`
	Properties map[string]any `json:"Properties"`
	DependsOn  any            `json:"DependsOn"`
}

type template struct {
	Parameters map[string]any      `json:"Parameters"`
	Conditions map[string]any      `json:"Conditions"`
	Rules      map[string]any      `json:"Rules"`
	Resources  map[string]resource `json:"Resources"`
	Outputs    map[string]any      `json:"Outputs"`
}

func translate(t *testing.T) template {
	t.Helper()
	out, err := exec.Command("python3", "scripts/sam_translate.py", "template.yaml").Output()
	if err != nil {
		msg := err.Error()
		if ee, ok := err.(*exec.ExitError); ok {
			msg += ": " + string(ee.Stderr)
		}
		t.Fatalf("SAM translation failed (needs python3 with aws-sam-translator: pip install aws-sam-translator): %s", msg)
	}
	var tpl template
	if err := json.Unmarshal(out, &tpl); err != nil {
		t.Fatal(err)
	}
	return tpl
}

var subRef = regexp.MustCompile(`\$\{([^!}][^}.]*)`)

// refs collects the logical ids a value references.
func refs(v any, names map[string]bool, out map[string]bool) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			switch k {
			case "Ref":
				if s, ok := x.(string); ok && names[s] {
					out[s] = true
				}
			case "Fn::GetAtt":
				switch a := x.(type) {
				case []any:
					if s, ok := a[0].(string); ok && names[s] {
						out[s] = true
					}
				case string:
					if s, _, _ := strings.Cut(a, "."); names[s] {
						out[s] = true
					}
				}
			case "Fn::Sub":
				s, _ := x.(string)
				if a, ok := x.([]any); ok {
					s, _ = a[0].(string)
					refs(a[1], names, out)
				}
				for _, m := range subRef.FindAllStringSubmatch(s, -1) {
					if names[m[1]] {
						out[m[1]] = true
					}
				}
			default:
				refs(x, names, out)
			}
		}
	case []any:
		for _, x := range v {
			refs(x, names, out)
		}
	}
}

func graph(tpl template) map[string]map[string]bool {
	names := map[string]bool{}
	for k := range tpl.Resources {
		names[k] = true
	}
	g := map[string]map[string]bool{}
	for k, r := range tpl.Resources {
		deps := map[string]bool{}
		refs(r.Properties, names, deps)
		switch d := r.DependsOn.(type) {
		case string:
			deps[d] = true
		case []any:
			for _, x := range d {
				deps[x.(string)] = true
			}
		}
		g[k] = deps
	}
	return g
}

func reaches(g map[string]map[string]bool, from, to string) bool {
	seen := map[string]bool{}
	var walk func(string) bool
	walk = func(n string) bool {
		if n == to {
			return true
		}
		if seen[n] {
			return false
		}
		seen[n] = true
		for m := range g[n] {
			if walk(m) {
				return true
			}
		}
		return false
	}
	for m := range g[from] {
		if walk(m) {
			return true
		}
	}
	return false
}

func TestTemplate(t *testing.T) {
	tpl := translate(t)
	g := graph(tpl)

	t.Run("no dependency cycle", func(t *testing.T) {
		for k := range g {
			if reaches(g, k, k) {
				t.Errorf("%s depends on itself", k)
			}
		}
	})

	var functions []string // logical ids, from the route table
	for _, f := range routes.Functions() {
		functions = append(functions, routes.LogicalID(f))
	}
	t.Run("functions", func(t *testing.T) {
		for k, r := range tpl.Resources {
			if r.Type == "AWS::Lambda::Function" && !slices.Contains(functions, k) && k != rotateFunction {
				t.Errorf("function %s serves no route of routes.All", k)
			}
		}
		for _, f := range functions {
			p := tpl.Resources[f].Properties
			if p["Runtime"] != "provided.al2023" || !slices.Equal(toStrings(p["Architectures"]), []string{"arm64"}) || p["Handler"] != "bootstrap" {
				t.Errorf("%s: runtime %v %v %v, want provided.al2023 arm64 bootstrap", f, p["Runtime"], p["Architectures"], p["Handler"])
			}
			if lc, _ := p["LoggingConfig"].(map[string]any); lc["LogFormat"] != "JSON" {
				t.Errorf("%s: LoggingConfig = %v, want JSON", f, p["LoggingConfig"])
			}
			for dep := range g[f] {
				if dep == "UserPoolClient" || dep == "ClientSecret" {
					t.Errorf("%s references %s: that makes a cycle through the API, and would expose the secret", f, dep)
				}
			}
			env, _ := p["Environment"].(map[string]any)
			if b, _ := json.Marshal(env); leaksSecret(string(b)) {
				t.Errorf("%s environment exposes the secret: %s", f, b)
			}
			vars, _ := env["Variables"].(map[string]any)
			for k := range vars {
				if strings.Contains(strings.ToUpper(k), "CLIENT_SECRET") && k != "CLIENT_SECRET_NAME" {
					t.Errorf("%s has environment variable %s: secrets never go in the environment", f, k)
				}
				if !contractVariables[k] {
					t.Errorf("%s has environment variable %s, which is not one of the runtime contract's", f, k)
				}
			}
		}
	})

	t.Run("least privilege", func(t *testing.T) {
		for _, f := range functions {
			role := tpl.Resources[f+"Role"].Properties
			managed, _ := json.Marshal(role["ManagedPolicyArns"])
			if n := len(toStrings(role["ManagedPolicyArns"])); n != 1 || !strings.Contains(string(managed), "service-role/AWSLambdaBasicExecutionRole") {
				t.Errorf("%sRole managed policies = %s, want only AWSLambdaBasicExecutionRole", f, managed)
			}
			b, _ := json.Marshal(role["Policies"])
			policies := string(b)
			if f == "HelloFunction" {
				if role["Policies"] != nil && policies != "[]" {
					t.Errorf("HelloFunctionRole has policies: %s", policies)
				}
				continue
			}
			var ps []struct {
				PolicyDocument struct {
					Statement []struct {
						Effect   string
						Action   any
						Resource any
					}
				}
			}
			_ = json.Unmarshal(b, &ps)
			n := 0
			for _, p := range ps {
				for _, s := range p.PolicyDocument.Statement {
					n++
					actions := toStrings(s.Action)
					res, _ := json.Marshal(s.Resource)
					// A policy template's Resource is {"Fn::Sub": ["${secretArn}", {"secretArn": ...}]}:
					// check the ARN it resolves to, not just a string somewhere inside.
					arn, ok := subString(s.Resource)
					if f == "CredentialsFunction" && slices.Equal(actions, []string{"ssm:GetParameter"}) {
						// The identity pool id, by its parameter's name only.
						if s.Effect != "Allow" || !ok || arn != "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/${AWS::StackName}/identity-pool-id" {
							t.Errorf("CredentialsFunctionRole may read only the identity pool id's parameter: %s %s", s.Effect, res)
						}
						continue
					}
					if s.Effect != "Allow" || !slices.Equal(actions, []string{"secretsmanager:GetSecretValue"}) ||
						!ok || !strings.Contains(arn, `secret:${AWS::StackName}/cognito-app-client-??????`) {
						t.Errorf("%sRole statement %v %v on %s: want only GetSecretValue on the stack's secret", f, s.Effect, actions, res)
					}
				}
			}
			if n == 0 {
				t.Errorf("%sRole cannot read the secret", f)
			}
		}
	})

	t.Run("routes and authorizer", func(t *testing.T) {
		// The optional routes' paths are in Fn::If: check them as a stack
		// with every feature on has them.
		body := whenOn(tpl.Resources["Api"].Properties["Body"]).(map[string]any)
		paths := body["paths"].(map[string]any)
		table := map[string]bool{}
		for _, r := range routes.All {
			route := r.Key()
			table[route] = true
			ops, _ := paths[r.Path].(map[string]any)
			op, ok := ops[strings.ToLower(r.Method)].(map[string]any)
			if !ok {
				t.Errorf("no %s", route)
				continue
			}
			sec, _ := json.Marshal(op["security"])
			scopes, _ := json.Marshal(r.Scopes)
			switch {
			case r.Protected() && !strings.Contains(string(sec), `"CognitoAuthorizer":`+string(scopes)):
				t.Errorf("%s security = %s, want CognitoAuthorizer with the scopes %s (access tokens only)", route, sec, scopes)
			case !r.Protected() && strings.Contains(string(sec), "CognitoAuthorizer"):
				t.Errorf("%s security = %s, want no authorizer", route, sec)
			}
			integration, _ := op["x-amazon-apigateway-integration"].(map[string]any)
			uri, _ := json.Marshal(integration["uri"])
			var targets []string
			for _, m := range functionArn.FindAllStringSubmatch(string(uri), -1) {
				targets = append(targets, m[1])
			}
			if want := routes.LogicalID(r.Function); !slices.Equal(targets, []string{want}) {
				t.Errorf("%s integration uri = %s, want the function %s", route, uri, want)
			}
		}
		for path, item := range paths {
			ops, _ := item.(map[string]any)
			for method := range ops {
				if route := strings.ToUpper(method) + " " + path; !table[route] {
					t.Errorf("the API serves %s, which routes.All lacks", route)
				}
			}
		}
		gr, _ := json.Marshal(body["x-amazon-apigateway-gateway-responses"])
		for _, r := range []string{"UNAUTHORIZED", "ACCESS_DENIED"} {
			if !strings.Contains(string(gr), r) {
				t.Errorf("no JSON gateway response for %s", r)
			}
		}
		// OpenAPI 3 (OpenApiVersion, see "only the Prod stage"): the
		// authorizer is a security scheme under components.
		if body["openapi"] != "3.0.1" {
			t.Errorf("definition is openapi %v, want 3.0.1", body["openapi"])
		}
		components, _ := body["components"].(map[string]any)
		schemes, _ := components["securitySchemes"].(map[string]any)
		scheme, _ := schemes["CognitoAuthorizer"].(map[string]any)
		authorizer, _ := scheme["x-amazon-apigateway-authorizer"].(map[string]any)
		if arns, _ := json.Marshal(authorizer["providerARNs"]); authorizer["type"] != "cognito_user_pools" ||
			string(arns) != `[{"Fn::GetAtt":["UserPool","Arn"]}]` || scheme["name"] != "Authorization" {
			t.Errorf("components.securitySchemes.CognitoAuthorizer = %v, want a cognito_user_pools authorizer on UserPool's Authorization header", scheme)
		}
	})

	t.Run("only the Prod stage", func(t *testing.T) {
		// Without OpenApiVersion the SAM transform gives the deployment
		// StageName "Stage": a second stage on which /Stage/login derives a
		// callback URL Cognito does not know.
		var stages, deployments []string
		for k, r := range tpl.Resources {
			switch r.Type {
			case "AWS::ApiGateway::Stage":
				stages = append(stages, k)
				if name := r.Properties["StageName"]; name != "Prod" {
					t.Errorf("stage %s has StageName %v: only Prod is configured", k, name)
				}
			case "AWS::ApiGateway::Deployment":
				deployments = append(deployments, k)
				if name, ok := r.Properties["StageName"]; ok && name != "Prod" {
					t.Errorf("deployment %s creates the stage %v: only Prod is configured", k, name)
				}
			}
		}
		if len(stages) != 1 || len(deployments) != 1 {
			t.Errorf("stages %v, deployments %v: want one of each (Prod)", stages, deployments)
		}
	})

	t.Run("app client", func(t *testing.T) {
		p := tpl.Resources["UserPoolClient"].Properties
		if p["GenerateSecret"] != true || p["EnableTokenRevocation"] != true || p["PreventUserExistenceErrors"] != "ENABLED" {
			t.Errorf("client: GenerateSecret %v, EnableTokenRevocation %v, PreventUserExistenceErrors %v", p["GenerateSecret"], p["EnableTokenRevocation"], p["PreventUserExistenceErrors"])
		}
		if got := toStrings(p["AllowedOAuthFlows"]); !slices.Equal(got, []string{"code"}) {
			t.Errorf("AllowedOAuthFlows = %v, want [code]", got)
		}
		scopes := toStrings(p["AllowedOAuthScopes"])
		for _, s := range []string{"openid", "email", "profile", "api/read"} {
			if !slices.Contains(scopes, s) {
				t.Errorf("AllowedOAuthScopes lacks %s", s)
			}
		}
		cb, _ := json.Marshal(p["CallbackURLs"])
		if !strings.Contains(string(cb), "/Prod/callback") || !strings.Contains(string(cb), "LocalCallbackURL") {
			t.Errorf("CallbackURLs = %s, want the API's and the local one", cb)
		}
		lo, _ := json.Marshal(p["LogoutURLs"])
		if !strings.Contains(string(lo), "/Prod/signed-out") || !strings.Contains(string(lo), "LocalLogoutURL") {
			t.Errorf("LogoutURLs = %s, want the API's /signed-out and the local one", lo)
		}
	})

	t.Run("refresh-token rotation", func(t *testing.T) {
		// The functions keep the rotated refresh token; Cognito refuses
		// rotation together with ALLOW_REFRESH_TOKEN_AUTH.
		p := tpl.Resources["UserPoolClient"].Properties
		rot, _ := p["RefreshTokenRotation"].(map[string]any)
		if rot["Feature"] != "ENABLED" {
			t.Errorf("RefreshTokenRotation = %v, want Feature ENABLED", p["RefreshTokenRotation"])
		}
		// Longer than API Gateway's 29 s integration timeout, so a refresh
		// whose answer was lost can be retried; at most Cognito's 60.
		if g, ok := rot["RetryGracePeriodSeconds"].(float64); !ok || g < 30 || g > 60 {
			t.Errorf("RetryGracePeriodSeconds = %v, want 30-60", rot["RetryGracePeriodSeconds"])
		}
		flows := toStrings(p["ExplicitAuthFlows"])
		if slices.Contains(flows, "ALLOW_REFRESH_TOKEN_AUTH") {
			t.Errorf("ExplicitAuthFlows = %v: ALLOW_REFRESH_TOKEN_AUTH cannot be combined with rotation", flows)
		}
		if !slices.Equal(flows, []string{"ALLOW_USER_SRP_AUTH"}) {
			t.Errorf("ExplicitAuthFlows = %v, want [ALLOW_USER_SRP_AUTH] (managed login's password sign-in)", flows)
		}
	})

	t.Run("local URLs only with AllowLocalDevelopment", func(t *testing.T) {
		p := param(t, tpl, "AllowLocalDevelopment")
		// "true" by default: the README's "against your deployed user pool"
		// run needs http://localhost:3000/callback on the client.
		if p["Default"] != "true" || !slices.Equal(toStrings(p["AllowedValues"]), []string{"true", "false"}) {
			t.Errorf("AllowLocalDevelopment: default %v, allowed %v; want \"true\" of [true false]", p["Default"], p["AllowedValues"])
		}
		client := tpl.Resources["UserPoolClient"].Properties
		for _, domain := range []string{"", "api.example.com"} {
			for _, allow := range []string{"true", "false"} {
				e := evaluator{tpl: tpl, params: map[string]string{"AllowLocalDevelopment": allow, "ApiDomainName": domain}}
				for _, prop := range []string{"CallbackURLs", "LogoutURLs"} {
					v, _ := e.eval(client[prop])
					urls := toStrings(v)
					if len(urls) == 0 {
						t.Fatalf("%s did not evaluate to strings: %v", prop, v)
					}
					var local []string
					for _, u := range urls {
						if strings.Contains(u, "localhost") || strings.Contains(u, "127.0.0.1") || strings.Contains(u, "[::1]") {
							local = append(local, u)
						} else if !strings.HasPrefix(u, "https://") {
							t.Errorf("AllowLocalDevelopment %s, domain %q: %s has %s, which is not https", allow, domain, prop, u)
						}
					}
					if allow == "false" && len(local) > 0 {
						t.Errorf("AllowLocalDevelopment false, domain %q: %s = %v, want no local URL", domain, prop, urls)
					}
					if allow == "true" && len(local) != 1 {
						t.Errorf("AllowLocalDevelopment true, domain %q: %s = %v, want the local URL once", domain, prop, urls)
					}
				}
			}
		}
	})

	t.Run("domain prefix", func(t *testing.T) {
		// samconfig.toml's placeholder must not deploy: it is a valid prefix,
		// so the first user in a Region would take it. It passes the
		// parameter's constraints on purpose, so that what sam deploy shows
		// is the rule's message (choose a prefix), not a pattern.
		cfg, err := os.ReadFile("samconfig.toml")
		if err != nil {
			t.Fatal(err)
		}
		m := regexp.MustCompile(`DomainPrefix=\\?"?([^"\\ ]+)`).FindSubmatch(cfg)
		if m == nil {
			t.Fatal("samconfig.toml sets no DomainPrefix in parameter_overrides")
		}
		placeholder := string(m[1])
		if why := paramRefusal(t, tpl, "DomainPrefix", placeholder); why != "" {
			t.Errorf("placeholder %q is refused by the parameter (%s): want it refused by a rule that says to choose a prefix", placeholder, why)
		}
		failed := rulesRefusing(t, tpl, map[string]string{"DomainPrefix": placeholder})
		if len(failed) != 1 || !strings.Contains(failed[0], "choose a") || !strings.Contains(failed[0], "DomainPrefix") {
			t.Errorf("placeholder %q: rules refusing it %q, want one that tells the user to choose a DomainPrefix", placeholder, failed)
		}

		long := strings.Repeat("a", 63)
		for _, good := range []string{"acme-login", "shop-auth-42", "a", "7", long, "my--app"} {
			if why := paramRefusal(t, tpl, "DomainPrefix", good); why != "" {
				t.Errorf("DomainPrefix %q refused: %s", good, why)
			}
			if failed := rulesRefusing(t, tpl, map[string]string{"DomainPrefix": good}); len(failed) > 0 {
				t.Errorf("DomainPrefix %q refused by rules: %q", good, failed)
			}
		}
		// Cognito refuses a prefix that contains one of these words
		// ("Domain cannot contain reserved word: ...").
		for _, word := range []string{"aws", "amazon", "cognito"} {
			for _, bad := range []string{word, "my-" + word + "-app", "x" + word, word + "1", "login-" + word} {
				if paramRefusal(t, tpl, "DomainPrefix", bad) == "" {
					t.Errorf("DomainPrefix %q accepted: it contains the reserved word %q", bad, word)
				}
			}
		}
		for _, bad := range []string{"", "-acme", "acme-", "Acme", "ac_me", "ac.me", "acme login", long + "a"} {
			if paramRefusal(t, tpl, "DomainPrefix", bad) == "" {
				t.Errorf("DomainPrefix %q accepted: not a valid Cognito prefix", bad)
			}
		}
	})

	t.Run("throttling", func(t *testing.T) {
		// Every request to these can cost a call to Cognito (a junk code,
		// a junk refresh token, a session refresh), and the pool's
		// UserAuthentication quota is 120 requests a second by default.
		signIn := []routes.Route{routes.Callback, routes.Home, routes.Token, routes.Refresh, routes.Logout, routes.Credentials}
		var stage map[string]any
		for _, r := range tpl.Resources {
			if r.Type == "AWS::ApiGateway::Stage" && r.Properties["StageName"] == "Prod" {
				stage = r.Properties
			}
		}
		if stage == nil {
			t.Fatal("no Prod stage")
		}
		raw, _ := json.Marshal(whenOn(stage["MethodSettings"]))
		var settings []map[string]any
		if err := json.Unmarshal(raw, &settings); err != nil || len(settings) == 0 {
			t.Fatalf("Prod stage MethodSettings = %s, want throttling", raw)
		}
		byKey := map[string]map[string]any{}
		for _, s := range settings {
			k := fmt.Sprint(s["ResourcePath"]) + " " + fmt.Sprint(s["HttpMethod"])
			if byKey[k] != nil {
				t.Errorf("MethodSettings lists %s twice", k)
			}
			byKey[k] = s
		}
		limits := func(key, rate, burst string) {
			t.Helper()
			s := byKey[key]
			r, _ := json.Marshal(s["ThrottlingRateLimit"])
			b, _ := json.Marshal(s["ThrottlingBurstLimit"])
			if string(r) != `{"Ref":"`+rate+`"}` || string(b) != `{"Ref":"`+burst+`"}` {
				t.Errorf("MethodSettings %s: rate %s burst %s, want the parameters %s and %s", key, r, b, rate, burst)
			}
		}
		limits("/* *", "ApiRateLimit", "ApiBurstLimit") // the stage's default
		known := map[string]bool{"/* *": true}
		for _, r := range routes.All {
			known[methodSettingPath(r.Path)+" "+r.Method] = true
		}
		for k := range byKey {
			if !known[k] {
				t.Errorf("MethodSettings %s names no route of routes.All", k)
			}
		}
		for _, r := range signIn {
			limits(methodSettingPath(r.Path)+" "+r.Method, "SignInRateLimit", "SignInBurstLimit")
		}
		// The defaults: all the sign-in routes at their limit stay at half
		// of Cognito's default quota or less; the rest get more.
		num := func(name string) float64 {
			v, _ := param(t, tpl, name)["Default"].(float64)
			return v
		}
		if total := num("SignInRateLimit") * float64(len(signIn)); total <= 0 || total > 60 {
			t.Errorf("SignInRateLimit default x %d routes = %v requests/s, want 1-60 (Cognito's UserAuthentication quota is 120)", len(signIn), total)
		}
		if num("SignInBurstLimit") < num("SignInRateLimit") || num("ApiRateLimit") < num("SignInRateLimit") || num("ApiBurstLimit") < num("ApiRateLimit") {
			t.Errorf("limit defaults: sign-in %v/%v, other routes %v/%v", num("SignInRateLimit"), num("SignInBurstLimit"), num("ApiRateLimit"), num("ApiBurstLimit"))
		}
	})

	t.Run("optional WAF", func(t *testing.T) {
		if d := param(t, tpl, "WafRateLimit")["Default"]; d != "0" {
			t.Errorf("WafRateLimit default = %v, want 0 (no WAF)", d)
		}
		var acls, assocs []string
		for k, r := range tpl.Resources {
			switch {
			case r.Type == "AWS::WAFv2::WebACL":
				acls = append(acls, k)
			case r.Type == "AWS::WAFv2::WebACLAssociation":
				assocs = append(assocs, k)
			case strings.HasPrefix(r.Type, "AWS::WAF"):
				t.Errorf("%s: unexpected %s", k, r.Type)
			}
		}
		if len(acls) != 1 || len(assocs) != 1 {
			t.Fatalf("web ACLs %v, associations %v: want one of each", acls, assocs)
		}
		acl, assoc := tpl.Resources[acls[0]], tpl.Resources[assocs[0]]
		for _, c := range []struct {
			limit string
			on    bool
		}{{"0", false}, {"100", true}} {
			e := evaluator{tpl: tpl, params: map[string]string{"WafRateLimit": c.limit}}
			for k, r := range map[string]resource{acls[0]: acl, assocs[0]: assoc} {
				if created := r.Condition == "" || e.condition(r.Condition); created != c.on {
					t.Errorf("WafRateLimit %s: %s (condition %q) created = %v, want %v", c.limit, k, r.Condition, created, c.on)
				}
			}
		}
		b, _ := json.Marshal(acl.Properties)
		for _, want := range []string{`"Scope":"REGIONAL"`, `"DefaultAction":{"Allow":{}}`, `"Action":{"Block":{}}`,
			`"RateBasedStatement":{"AggregateKeyType":"IP","EvaluationWindowSec":300,"Limit":{"Ref":"WafRateLimit"}}`} {
			if !strings.Contains(string(b), want) {
				t.Errorf("%s lacks %s: %s", acls[0], want, b)
			}
		}
		arn, _ := subString(assoc.Properties["ResourceArn"])
		if arn != "arn:${AWS::Partition}:apigateway:${AWS::Region}::/restapis/${Api}/stages/${ApiProdStage}" {
			t.Errorf("%s ResourceArn = %v, want the Prod stage of Api", assocs[0], assoc.Properties["ResourceArn"])
		}
		if w, _ := json.Marshal(assoc.Properties["WebACLArn"]); string(w) != `{"Fn::GetAtt":["`+acls[0]+`","Arn"]}` {
			t.Errorf("%s WebACLArn = %s", assocs[0], w)
		}
		// WAF takes whole limits of 10 or more: the parameter refuses the
		// rest before anything is created.
		pattern := regexp.MustCompile(param(t, tpl, "WafRateLimit")["AllowedPattern"].(string))
		for limit, ok := range map[string]bool{"0": true, "5": false, "9": false, "10": true, "2000": true,
			"0.5": false, "05": false, "00": false, "-1": false, "": false, "1e3": false} {
			if got := pattern.MatchString(limit); got != ok {
				t.Errorf("WafRateLimit %q accepted = %v, want %v", limit, got, ok)
			}
		}
	})

	t.Run("short token lifetimes", func(t *testing.T) {
		// A Cognito authorizer accepts a revoked access token until it
		// expires: the lifetime bounds what sign-out cannot end.
		p := tpl.Resources["UserPoolClient"].Properties
		units, _ := p["TokenValidityUnits"].(map[string]any)
		for _, tok := range []string{"AccessToken", "IdToken"} {
			v, ok := p[tok+"Validity"].(float64)
			if !ok || v < 5 || v > 15 {
				t.Errorf("%sValidity = %v, want 5-15", tok, p[tok+"Validity"])
			}
			if units[tok] != "minutes" {
				t.Errorf("TokenValidityUnits.%s = %v, want minutes", tok, units[tok])
			}
		}
		// A session refreshes when its access token is near expiry; the ID
		// token it holds (POST /credentials sends it to the identity pool)
		// must not expire first.
		if p["IdTokenValidity"] != p["AccessTokenValidity"] || units["IdToken"] != units["AccessToken"] {
			t.Errorf("IdTokenValidity %v %v and AccessTokenValidity %v %v differ: a session refreshes by the access token's expiry",
				p["IdTokenValidity"], units["IdToken"], p["AccessTokenValidity"], units["AccessToken"])
		}
	})

	t.Run("allowed origins", func(t *testing.T) {
		if d := param(t, tpl, "AllowedOrigins")["Default"]; d != "" {
			t.Errorf("AllowedOrigins default = %v, want empty", d)
		}
		for _, f := range functions {
			env, _ := tpl.Resources[f].Properties["Environment"].(map[string]any)
			vars, _ := env["Variables"].(map[string]any)
			if b, _ := json.Marshal(vars["ALLOWED_ORIGINS"]); string(b) != `{"Ref":"AllowedOrigins"}` {
				t.Errorf("%s ALLOWED_ORIGINS = %s, want the AllowedOrigins parameter", f, b)
			}
		}
	})

	t.Run("gateway responses CORS only with origins", func(t *testing.T) {
		body := tpl.Resources["Api"].Properties["Body"].(map[string]any)
		grs, _ := body["x-amazon-apigateway-gateway-responses"].(map[string]any)
		const hsts = "'max-age=63072000; includeSubDomains'"
		static := map[string]map[string]string{
			"UNAUTHORIZED":                 {"Cache-Control": "'no-store'", "WWW-Authenticate": "'Bearer'", "Strict-Transport-Security": hsts},
			"ACCESS_DENIED":                {"Cache-Control": "'no-store'", "Strict-Transport-Security": hsts},
			"THROTTLED":                    {"Cache-Control": "'no-store'", "Strict-Transport-Security": hsts},
			"MISSING_AUTHENTICATION_TOKEN": {"Cache-Control": "'no-store'", "Strict-Transport-Security": hsts},
		}
		if len(grs) != len(static) {
			t.Errorf("gateway responses %v, want exactly %d shaped ones", slices.Sorted(maps.Keys(grs)), len(static))
		}
		cors := map[string]string{
			"Access-Control-Allow-Origin":      "'https://app.example.com'",
			"Access-Control-Allow-Credentials": "'true'",
			"Vary":                             "'Origin'",
		}
		for name, want := range static {
			gr, _ := grs[name].(map[string]any)
			params, _ := gr["responseParameters"].(map[string]any)
			for h := range cors {
				raw, _ := json.Marshal(params["gatewayresponse.header."+h])
				if !strings.HasPrefix(string(raw), `{"Fn::If":["HasAllowedOrigins",`) || !strings.HasSuffix(string(raw), `,{"Ref":"AWS::NoValue"}]}`) {
					t.Errorf("%s header %s = %s, want !If [HasAllowedOrigins, ..., !Ref AWS::NoValue]", name, h, raw)
				}
			}
			for _, origins := range []string{"", "https://app.example.com", "https://app.example.com https://admin.example.com"} {
				e := evaluator{tpl: tpl, params: map[string]string{"AllowedOrigins": origins}}
				got := map[string]string{}
				v, _ := e.eval(params)
				m, _ := v.(map[string]any)
				for k, x := range m {
					if h, ok := strings.CutPrefix(k, "gatewayresponse.header."); ok {
						got[h] = fmt.Sprint(x)
					}
				}
				wantAll := maps.Clone(want)
				if origins != "" {
					maps.Copy(wantAll, cors) // the FIRST origin only
				}
				if !maps.Equal(got, wantAll) {
					t.Errorf("%s with AllowedOrigins %q: headers %v, want %v", name, origins, got, wantAll)
				}
			}
			if !strings.Contains(fmt.Sprint(gr["statusCode"]), map[string]string{"UNAUTHORIZED": "401", "ACCESS_DENIED": "403",
				"THROTTLED": "429", "MISSING_AUTHENTICATION_TOKEN": "403"}[name]) {
				t.Errorf("%s statusCode = %v", name, gr["statusCode"])
			}
		}
	})

	t.Run("custom domain", func(t *testing.T) {
		for _, name := range []string{"ApiDomainName", "ApiCertificateArn", "ApiBasePath"} {
			if d := param(t, tpl, name)["Default"]; d != "" {
				t.Errorf("%s default = %v, want empty (no custom domain)", name, d)
			}
		}
		var domains, mappings []string
		for k, r := range tpl.Resources {
			switch r.Type {
			case "AWS::ApiGateway::DomainName", "AWS::ApiGateway::DomainNameV2":
				domains = append(domains, k)
			case "AWS::ApiGateway::BasePathMapping", "AWS::ApiGateway::BasePathMappingV2":
				mappings = append(mappings, k)
			case "AWS::Route53::RecordSet", "AWS::Route53::RecordSetGroup":
				t.Errorf("%s: the stack creates no DNS records", k)
			}
		}
		if len(domains) != 1 || len(mappings) != 1 {
			t.Fatalf("domain names %v, base path mappings %v: want one of each", domains, mappings)
		}
		d, m := tpl.Resources[domains[0]], tpl.Resources[mappings[0]]
		for k, r := range map[string]resource{domains[0]: d, mappings[0]: m} {
			if r.Condition != "HasApiDomain" {
				t.Errorf("%s condition = %q, want HasApiDomain", k, r.Condition)
			}
		}
		if b, _ := json.Marshal(d.Properties); !strings.Contains(string(b), `"DomainName":{"Ref":"ApiDomainName"}`) ||
			!strings.Contains(string(b), `"RegionalCertificateArn":{"Ref":"ApiCertificateArn"}`) || !strings.Contains(string(b), `"Types":["REGIONAL"]`) {
			t.Errorf("%s = %s, want ApiDomainName, REGIONAL, with ApiCertificateArn", domains[0], b)
		}
		if b, _ := json.Marshal(m.Properties); !strings.Contains(string(b), `"DomainName":{"Ref":"`+domains[0]+`"}`) ||
			!strings.Contains(string(b), `"RestApiId":{"Ref":"Api"}`) || !strings.Contains(string(b), `"Stage":{"Ref":"ApiProdStage"}`) ||
			!strings.Contains(string(b), `"BasePath":{"Fn::If":["HasApiBasePath",{"Ref":"ApiBasePath"},{"Ref":"AWS::NoValue"}]}`) {
			t.Errorf("%s = %s, want the Prod stage of Api on %s at ApiBasePath", mappings[0], b, domains[0])
		}
		for _, o := range []string{"ApiDomainUrl", "ApiDomainTarget"} {
			out, _ := tpl.Outputs[o].(map[string]any)
			if out == nil || out["Condition"] != "HasApiDomain" {
				t.Errorf("output %s = %v, want one with the condition HasApiDomain", o, out)
			}
		}
		if b, _ := json.Marshal(tpl.Outputs["ApiDomainTarget"]); !strings.Contains(string(b), `"Fn::GetAtt":["`+domains[0]+`","RegionalDomainName"]`) {
			t.Errorf("ApiDomainTarget = %s, want the domain's RegionalDomainName", b)
		}

		// REDIRECT_URI, the app client's URLs and the outputs, resolved for
		// each kind of deployment.
		execAPI := "https://${Api}.execute-api.${AWS::Region}.${AWS::URLSuffix}/Prod"
		for _, c := range []struct {
			domain, base, redirect, apiBase string
		}{
			{"", "", "", execAPI},
			{"api.example.com", "", "https://api.example.com/callback", "https://api.example.com"},
			{"api.example.com", "auth", "https://api.example.com/auth/callback", "https://api.example.com/auth"},
		} {
			e := evaluator{tpl: tpl, params: map[string]string{"ApiDomainName": c.domain, "ApiBasePath": c.base, "ApiCertificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/x"}}
			for _, f := range functions {
				env, _ := tpl.Resources[f].Properties["Environment"].(map[string]any)
				vars, _ := env["Variables"].(map[string]any)
				raw, ok := vars["REDIRECT_URI"]
				if !ok {
					t.Errorf("%s declares no REDIRECT_URI (sam local --env-vars could not set it)", f)
					continue
				}
				got, present := e.eval(raw)
				switch {
				case c.redirect == "" && present:
					t.Errorf("%s without a custom domain: REDIRECT_URI = %v, want none (derived from the request)", f, got)
				case c.redirect != "" && got != c.redirect:
					t.Errorf("%s with domain %q base %q: REDIRECT_URI = %v, want %s", f, c.domain, c.base, got, c.redirect)
				}
			}
			client := tpl.Resources["UserPoolClient"].Properties
			cb, _ := e.eval(client["CallbackURLs"])
			lo, _ := e.eval(client["LogoutURLs"])
			wantCB := []string{execAPI + "/callback", "http://localhost:3000/callback"}
			wantLO := []string{execAPI + "/signed-out", "http://localhost:3000/signed-out"}
			if c.redirect != "" {
				wantCB = slices.Insert(wantCB, 1, c.redirect)
				wantLO = slices.Insert(wantLO, 1, strings.TrimSuffix(c.redirect, "callback")+"signed-out")
			}
			if got := toStrings(cb); !slices.Equal(got, wantCB) {
				t.Errorf("domain %q base %q: CallbackURLs = %v, want %v", c.domain, c.base, got, wantCB)
			}
			if got := toStrings(lo); !slices.Equal(got, wantLO) {
				t.Errorf("domain %q base %q: LogoutURLs = %v, want %v", c.domain, c.base, got, wantLO)
			}
			for o, path := range map[string]string{"HomeUrl": "/", "AppUrl": "/app", "TokenUrl": "/token", "LoginUrl": "/login"} {
				out, _ := tpl.Outputs[o].(map[string]any)
				if got, _ := e.eval(out["Value"]); got != c.apiBase+path {
					t.Errorf("domain %q base %q: output %s = %v, want %s", c.domain, c.base, o, got, c.apiBase+path)
				}
			}
			if c.domain != "" {
				out, _ := tpl.Outputs["ApiDomainUrl"].(map[string]any)
				if got, _ := e.eval(out["Value"]); got != c.apiBase {
					t.Errorf("ApiDomainUrl = %v, want %s", got, c.apiBase)
				}
			}
		}
	})

	t.Run("secret", func(t *testing.T) {
		p := tpl.Resources["ClientSecret"].Properties
		b, _ := json.Marshal(p)
		s := string(b)
		for _, want := range []string{`${AWS::StackName}/cognito-app-client`, `client_id`, `client_secret`, `UserPoolClient.ClientSecret`, `"GenerateStringKey":"cookie_key"`} {
			if !strings.Contains(s, want) {
				t.Errorf("secret lacks %s: %s", want, s)
			}
		}
	})

	t.Run("no secret in outputs", func(t *testing.T) {
		b, _ := json.Marshal(tpl.Outputs)
		if leaksSecret(string(b)) {
			t.Errorf("an output exposes the secret: %s", b)
		}
	})

	t.Run("README names every parameter and output", func(t *testing.T) {
		readme, err := os.ReadFile("README.md")
		if err != nil {
			t.Fatal(err)
		}
		for name := range tpl.Parameters {
			if !strings.Contains(string(readme), name) {
				t.Errorf("README does not mention parameter %s", name)
			}
		}
		for name := range tpl.Outputs {
			if !strings.Contains(string(readme), name) {
				t.Errorf("README does not mention output %s", name)
			}
		}
	})
}

// param returns the template parameter name, failing the test when there
// is none.
func param(t *testing.T, tpl template, name string) map[string]any {
	t.Helper()
	p, ok := tpl.Parameters[name].(map[string]any)
	if !ok {
		t.Fatalf("no parameter %s", name)
	}
	return p
}

// paramRefusal returns why the parameter name's constraints (AllowedValues,
// AllowedPattern, MinLength, MaxLength, MinValue, MaxValue) refuse value,
// or "" when they accept it.
func paramRefusal(t *testing.T, tpl template, name, value string) string {
	t.Helper()
	p := param(t, tpl, name)
	if allowed, ok := p["AllowedValues"]; ok && !slices.Contains(toStrings(allowed), value) {
		return fmt.Sprintf("not one of %v", allowed)
	}
	if n, ok := p["MinLength"].(float64); ok && float64(len(value)) < n {
		return fmt.Sprintf("shorter than %v", n)
	}
	if n, ok := p["MaxLength"].(float64); ok && float64(len(value)) > n {
		return fmt.Sprintf("longer than %v", n)
	}
	if pattern, ok := p["AllowedPattern"].(string); ok {
		matched, err := allowedPatternMatches(pattern, value)
		if err != nil {
			t.Fatalf("parameter %s: %v", name, err)
		}
		if !matched {
			return "does not match " + pattern
		}
	}
	return ""
}

// allowedPatternMatches matches value against a CloudFormation
// AllowedPattern, a Java regular expression that must match the whole
// value. Go's regexp has no lookahead, so one leading negative lookahead,
// ^(?!X)REST, is evaluated as its meaning: X does not match at the start
// and REST matches the rest. Any other construct Go lacks is an error.
func allowedPatternMatches(pattern, value string) (bool, error) {
	if inner, ok := strings.CutPrefix(pattern, "^(?!"); ok {
		depth, end := 1, -1
		for i := 0; i < len(inner) && end < 0; i++ {
			switch inner[i] {
			case '\\':
				i++
			case '(':
				depth++
			case ')':
				if depth--; depth == 0 {
					end = i
				}
			}
		}
		if end < 0 {
			return false, fmt.Errorf("AllowedPattern %s: unbalanced lookahead", pattern)
		}
		not, err := regexp.Compile("^(?:" + inner[:end] + ")")
		if err != nil {
			return false, fmt.Errorf("AllowedPattern %s: %w", pattern, err)
		}
		if not.MatchString(value) {
			return false, nil
		}
		pattern = "^" + inner[end+1:]
	}
	re, err := regexp.Compile("^(?:" + pattern + ")$")
	if err != nil {
		return false, fmt.Errorf("AllowedPattern %s: %w", pattern, err)
	}
	return re.MatchString(value), nil
}

// rulesRefusing evaluates the template's Rules for a set of parameter
// values (others take their defaults) and returns the AssertDescription of
// each assertion that fails, prefixed by its rule's name. A rule it cannot
// evaluate to true or false fails the test.
func rulesRefusing(t *testing.T, tpl template, params map[string]string) []string {
	t.Helper()
	e := evaluator{tpl: tpl, params: params}
	var out []string
	for _, name := range slices.Sorted(maps.Keys(tpl.Rules)) {
		rule, _ := tpl.Rules[name].(map[string]any)
		if c, ok := rule["RuleCondition"]; ok {
			v, _ := e.eval(c)
			applies, ok := v.(bool)
			if !ok {
				t.Fatalf("rule %s: RuleCondition %v does not evaluate to a boolean", name, c)
			}
			if !applies {
				continue
			}
		}
		assertions, _ := rule["Assertions"].([]any)
		if len(assertions) == 0 {
			t.Fatalf("rule %s has no assertions", name)
		}
		for _, a := range assertions {
			a, _ := a.(map[string]any)
			v, _ := e.eval(a["Assert"])
			holds, ok := v.(bool)
			if !ok {
				t.Fatalf("rule %s: Assert %v does not evaluate to a boolean", name, a["Assert"])
			}
			if !holds {
				out = append(out, fmt.Sprintf("%s: %v", name, a["AssertDescription"]))
			}
		}
	}
	return out
}

// methodSettingPath is a route's path as a MethodSettings ResourcePath:
// "/" stays "/", "/a/b" becomes "/~1a~1b".
func methodSettingPath(path string) string {
	if path == "/" {
		return path
	}
	return "/" + strings.ReplaceAll(path, "/", "~1")
}

// evaluator resolves the intrinsic functions the template's conditional
// parts and Rules use (Ref, Fn::If, Fn::Equals, Fn::Not, Fn::And, Fn::Or, Fn::Contains,
// Fn::Sub, Fn::Select, Fn::Split, Condition) for a set of parameter values; other parameters
// take their defaults. What it cannot resolve (resources, pseudo
// parameters) stays as it is: ${Name} in a string, the intrinsic
// otherwise.
type evaluator struct {
	tpl    template
	params map[string]string
}

func (e evaluator) param(name string) (string, bool) {
	if v, ok := e.params[name]; ok {
		return v, true
	}
	p, ok := e.tpl.Parameters[name].(map[string]any)
	if !ok {
		return "", false
	}
	d, ok := p["Default"].(string)
	return d, ok
}

func (e evaluator) condition(name string) bool {
	v, _ := e.eval(e.tpl.Conditions[name])
	b, _ := v.(bool)
	return b
}

// eval returns v resolved, and false when it is AWS::NoValue.
func (e evaluator) eval(v any) (any, bool) {
	switch v := v.(type) {
	case []any:
		out := []any{}
		for _, x := range v {
			if r, ok := e.eval(x); ok {
				out = append(out, r)
			}
		}
		return out, true
	case map[string]any:
		if len(v) == 1 {
			for k, x := range v {
				if r, ok, handled := e.intrinsic(k, x); handled {
					return r, ok
				}
			}
		}
		out := map[string]any{}
		for k, x := range v {
			if r, ok := e.eval(x); ok {
				out[k] = r
			}
		}
		return out, true
	}
	return v, true
}

func (e evaluator) intrinsic(fn string, arg any) (any, bool, bool) {
	args, _ := arg.([]any)
	switch fn {
	case "Ref":
		name, _ := arg.(string)
		if name == "AWS::NoValue" {
			return nil, false, true
		}
		if p, ok := e.param(name); ok {
			return p, true, true
		}
	case "Condition":
		name, _ := arg.(string)
		return e.condition(name), true, true
	case "Fn::If":
		name, _ := args[0].(string)
		if e.condition(name) {
			r, ok := e.eval(args[1])
			return r, ok, true
		}
		r, ok := e.eval(args[2])
		return r, ok, true
	case "Fn::And", "Fn::Or":
		all, any := true, false
		for _, a := range args {
			b, _ := e.eval(a)
			v, ok := b.(bool)
			if !ok {
				return nil, false, false
			}
			all, any = all && v, any || v
		}
		if fn == "Fn::And" {
			return all, true, true
		}
		return any, true, true
	case "Fn::Not":
		b, _ := e.eval(args[0])
		if _, ok := b.(bool); !ok {
			return nil, false, false
		}
		return b != true, true, true
	case "Fn::Contains": // a Rules function: value is one of list
		l, _ := e.eval(args[0])
		x, _ := e.eval(args[1])
		list, _ := l.([]any)
		return slices.ContainsFunc(list, func(v any) bool { return fmt.Sprint(v) == fmt.Sprint(x) }), true, true
	case "Fn::Equals":
		a, _ := e.eval(args[0])
		b, _ := e.eval(args[1])
		return fmt.Sprint(a) == fmt.Sprint(b), true, true
	case "Fn::Split":
		s, _ := e.eval(args[1])
		str, ok := s.(string)
		if !ok {
			return nil, false, false
		}
		var out []any
		for _, p := range strings.Split(str, args[0].(string)) {
			out = append(out, p)
		}
		return out, true, true
	case "Fn::Select":
		l, _ := e.eval(args[1])
		list, _ := l.([]any)
		i, _ := args[0].(float64)
		if int(i) < len(list) {
			return list[int(i)], true, true
		}
	case "Fn::Sub":
		s, _ := arg.(string)
		vars := map[string]any{}
		if len(args) == 2 {
			s, _ = args[0].(string)
			m, _ := e.eval(args[1])
			vars, _ = m.(map[string]any)
		}
		out := subVar.ReplaceAllStringFunc(s, func(m string) string {
			name := m[2 : len(m)-1]
			if x, ok := vars[name].(string); ok {
				return x
			}
			if p, ok := e.param(name); ok {
				return p
			}
			return m
		})
		return out, true, true
	}
	return nil, false, false
}

var subVar = regexp.MustCompile(`\$\{[^!}][^}]*\}`)

// TestIssuerFromThePool: COGNITO_ISSUER and the CognitoIssuer output are
// the pool's own ProviderURL, not a string assembled from the region, so
// they follow the pool's IssuerConfiguration.
func TestIssuerFromThePool(t *testing.T) {
	tpl := translate(t)
	const want = `{"Fn::Sub":"https://${UserPool.ProviderURL}"}`
	for _, f := range routes.Functions() {
		env, _ := tpl.Resources[routes.LogicalID(f)].Properties["Environment"].(map[string]any)
		vars, _ := env["Variables"].(map[string]any)
		if got, _ := json.Marshal(vars["COGNITO_ISSUER"]); string(got) != want {
			t.Errorf("%s COGNITO_ISSUER = %s, want %s", routes.LogicalID(f), got, want)
		}
	}
	out, _ := tpl.Outputs["CognitoIssuer"].(map[string]any)
	if got, _ := json.Marshal(out["Value"]); string(got) != want {
		t.Errorf("CognitoIssuer output = %s, want %s", got, want)
	}
}

// contractVariables are the environment variables the runtime contract
// defines; the template sets no other.
var contractVariables = map[string]bool{
	"COGNITO_DOMAIN": true, "COGNITO_ISSUER": true, "CLIENT_SECRET_NAME": true,
	"OAUTH_SCOPES": true, "REDIRECT_URI": true, "ALLOWED_ORIGINS": true,
	"IDENTITY_PROVIDERS": true, "IDENTITY_POOL_PARAMETER": true, "CREDENTIALS_BUCKET": true,
}

// whenOn resolves every Fn::If to its first branch and drops what becomes
// AWS::NoValue: the template as a stack with every optional feature on
// (the conditions this template puts in Fn::If all turn features on).
func whenOn(v any) any {
	switch v := v.(type) {
	case []any:
		out := []any{}
		for _, x := range v {
			if r := whenOn(x); r != nil {
				out = append(out, r)
			}
		}
		return out
	case map[string]any:
		if a, ok := v["Fn::If"].([]any); ok && len(v) == 1 && len(a) == 3 {
			return whenOn(a[1])
		}
		if v["Ref"] == "AWS::NoValue" && len(v) == 1 {
			return nil
		}
		out := map[string]any{}
		for k, x := range v {
			if r := whenOn(x); r != nil {
				out[k] = r
			}
		}
		return out
	}
	return v
}

// leaksSecret reports whether a JSON rendering of template values reads the
// client secret or the Secrets Manager secret's value: a GetAtt of
// ClientSecret, a dynamic reference, or the secret resource itself.
func leaksSecret(j string) bool {
	for _, bad := range []string{"ClientSecret\"", ".ClientSecret", "SecretString", "resolve:secretsmanager", `"Ref":"ClientSecret"`} {
		if strings.Contains(j, bad) {
			return true
		}
	}
	return false
}

// functionArn finds the functions an integration uri invokes: ${XFunction.Arn}.
var functionArn = regexp.MustCompile(`\$\{([A-Za-z0-9]+)\.Arn\}`)

// subString resolves a plain string or an Fn::Sub to one string: the
// variables of an Fn::Sub list are substituted when they are strings or
// Fn::Subs themselves; ${...} names it does not define are left as they are.
// It reports false for anything else (a list of resources, other intrinsics).
func subString(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, true
	case map[string]any:
		x, ok := v["Fn::Sub"]
		if !ok || len(v) != 1 {
			return "", false
		}
		if s, ok := x.(string); ok {
			return s, true
		}
		a, _ := x.([]any)
		if len(a) != 2 {
			return "", false
		}
		s, ok := a[0].(string)
		vars, _ := a[1].(map[string]any)
		if !ok {
			return "", false
		}
		for name, val := range vars {
			r, ok := subString(val)
			if !ok {
				return "", false
			}
			s = strings.ReplaceAll(s, "${"+name+"}", r)
		}
		return s, true
	}
	return "", false
}

func toStrings(v any) []string {
	var out []string
	switch v := v.(type) {
	case string:
		out = append(out, v)
	case []any:
		for _, x := range v {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
	}
	return out
}

// rotateFunction is the one function that serves no route: Secrets Manager
// invokes it (TestRotation).
const rotateFunction = "RotateFunction"

// TestRotation: the client secret's rotation schedule, and the rotation
// function's least privilege: its inline policies grant the three
// client-secret actions on this user pool, the four Secrets Manager
// actions on this secret (its exact ARN), nothing else and no wildcard;
// only Secrets Manager may invoke it, for this secret. The no-wildcard
// check covers the inline policies only: the one managed policy,
// AWSLambdaBasicExecutionRole (as every function's: CloudWatch Logs
// actions on "*"), is checked by name, not by content.
func TestRotation(t *testing.T) {
	tpl := translate(t)
	g := graph(tpl)
	res := func(name string) map[string]any {
		r, ok := tpl.Resources[name]
		if !ok {
			t.Fatalf("no resource %s", name)
		}
		return r.Properties
	}

	sched := res("ClientSecretRotation")
	rules, _ := sched["RotationRules"].(map[string]any)
	if b, _ := json.Marshal(rules["AutomaticallyAfterDays"]); string(b) != `{"Ref":"SecretRotationDays"}` {
		t.Errorf("RotationRules = %v, want AutomaticallyAfterDays from the SecretRotationDays parameter", rules)
	}
	if p := param(t, tpl, "SecretRotationDays"); fmt.Sprint(p["Default"]) != "30" {
		t.Errorf("SecretRotationDays default %v, want 30", p["Default"])
	}
	if sched["RotateImmediatelyOnUpdate"] != false {
		t.Errorf("RotateImmediatelyOnUpdate = %v, want false (no rotation on every stack update)", sched["RotateImmediatelyOnUpdate"])
	}
	if b, _ := json.Marshal(sched["SecretId"]); string(b) != `{"Ref":"ClientSecret"}` {
		t.Errorf("the schedule rotates %s, want ClientSecret", b)
	}
	if b, _ := json.Marshal(sched["RotationLambdaARN"]); string(b) != `{"Fn::GetAtt":["RotateFunction","Arn"]}` {
		t.Errorf("RotationLambdaARN = %s, want RotateFunction", b)
	}

	perm := res("RotateFunctionInvokePermission")
	if b, _ := json.Marshal(perm); perm["Principal"] != "secretsmanager.amazonaws.com" || perm["Action"] != "lambda:InvokeFunction" ||
		!strings.Contains(string(b), `"SourceArn":{"Ref":"ClientSecret"}`) || !strings.Contains(string(b), `"FunctionName":{"Fn::GetAtt":["RotateFunction","Arn"]}`) {
		t.Errorf("invoke permission = %s, want Secrets Manager, for ClientSecret, on RotateFunction", b)
	}
	if !reaches(g, "ClientSecretRotation", "RotateFunctionInvokePermission") {
		t.Errorf("the schedule can be created before Secrets Manager may invoke the function")
	}
	// Creating the schedule invokes the function (testSecret): if that
	// came before its log group, Lambda would create the group and
	// CloudFormation's would fail as already existing.
	if !reaches(g, "ClientSecretRotation", rotateFunction+"LogGroup") {
		t.Errorf("the schedule can be created before the function's log group")
	}
	for _, other := range []string{"Api", "UserPoolClient", "ClientSecret"} {
		if reaches(g, other, rotateFunction) {
			t.Errorf("%s depends on %s: the function must stay outside the API's dependencies", other, rotateFunction)
		}
	}

	fn := res(rotateFunction)
	env, _ := fn["Environment"].(map[string]any)
	vars, _ := env["Variables"].(map[string]any)
	if b, _ := json.Marshal(vars["USER_POOL_ID"]); string(b) != `{"Ref":"UserPool"}` || vars["COGNITO_DOMAIN"] == nil {
		t.Errorf("RotateFunction environment = %v, want USER_POOL_ID (the pool) and COGNITO_DOMAIN", vars)
	}
	if b, _ := json.Marshal(env); leaksSecret(string(b)) {
		t.Errorf("RotateFunction environment exposes the secret: %s", b)
	}

	role := res(rotateFunction + "Role")
	if managed, _ := json.Marshal(role["ManagedPolicyArns"]); len(toStrings(role["ManagedPolicyArns"])) != 1 || !strings.Contains(string(managed), "service-role/AWSLambdaBasicExecutionRole") {
		t.Errorf("%sRole managed policies = %s, want only AWSLambdaBasicExecutionRole", rotateFunction, managed)
	}
	b, _ := json.Marshal(role["Policies"])
	var ps []struct {
		PolicyDocument struct {
			Statement []struct {
				Effect    string
				Action    any
				Resource  any
				NotAction any
				Condition any
			}
		}
	}
	if err := json.Unmarshal(b, &ps); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{ // action -> resource
		"cognito-idp:AddUserPoolClientSecret":     `{"Fn::GetAtt":["UserPool","Arn"]}`,
		"cognito-idp:ListUserPoolClientSecrets":   `{"Fn::GetAtt":["UserPool","Arn"]}`,
		"cognito-idp:DeleteUserPoolClientSecret":  `{"Fn::GetAtt":["UserPool","Arn"]}`,
		"secretsmanager:DescribeSecret":           `{"Ref":"ClientSecret"}`,
		"secretsmanager:GetSecretValue":           `{"Ref":"ClientSecret"}`,
		"secretsmanager:PutSecretValue":           `{"Ref":"ClientSecret"}`,
		"secretsmanager:UpdateSecretVersionStage": `{"Ref":"ClientSecret"}`,
	}
	got := map[string]string{}
	for _, p := range ps {
		for _, s := range p.PolicyDocument.Statement {
			r, _ := json.Marshal(s.Resource)
			if s.Effect != "Allow" || s.NotAction != nil || strings.Contains(string(r), "*") {
				t.Errorf("inline statement %+v: want Allow of named actions on named resources, no wildcard", s)
			}
			for _, a := range toStrings(s.Action) {
				if _, dup := got[a]; dup || strings.Contains(a, "*") {
					t.Errorf("action %s granted twice or with a wildcard", a)
				}
				got[a] = string(r)
			}
		}
	}
	if !maps.Equal(got, want) {
		t.Errorf("RotateFunctionRole grants %v\nwant exactly %v", got, want)
	}
}
