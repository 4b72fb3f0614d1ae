package template_test

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/default-stack.json from template.yaml")

// goldenStack is what a stack deployed with the parameters' defaults is
// made of, after the SAM transform and with the Conditions evaluated.
type goldenStack struct {
	// Resources are "LogicalId Type", sorted. The API's deployment has a
	// hash of the definition in its logical id; it is written
	// ApiDeployment<hash>, since the definition itself is compared below.
	Resources []string `json:"resources"`
	// Routes are "METHOD /path -> Function" of the API's definition.
	Routes []string `json:"routes"`
	// Environment is each function's variables (names and evaluated
	// values).
	Environment map[string]any `json:"environment"`
	// Policies are each function role's inline policies, evaluated.
	Policies map[string]any `json:"policies"`
	// UserPoolClient is the app client's properties, evaluated.
	UserPoolClient any `json:"user_pool_client"`
}

var deploymentHash = regexp.MustCompile(`^ApiDeployment[0-9a-f]+$`)

// stackWith evaluates the transformed template for params (others at
// their defaults): resources whose Condition is false are left out, and
// every Fn::If is resolved.
func stackWith(tpl template, params map[string]string) (goldenStack, map[string]resource) {
	e := evaluator{tpl: tpl, params: params}
	out := goldenStack{Environment: map[string]any{}, Policies: map[string]any{}}
	live := map[string]resource{}
	for id, r := range tpl.Resources {
		if r.Condition != "" && !e.condition(r.Condition) {
			continue
		}
		p, _ := e.eval(r.Properties)
		props, _ := p.(map[string]any)
		live[id] = resource{Type: r.Type, Condition: r.Condition, Properties: props, DependsOn: r.DependsOn}
		name := id
		if deploymentHash.MatchString(id) {
			name = "ApiDeployment<hash>"
		}
		out.Resources = append(out.Resources, name+" "+r.Type)
		switch r.Type {
		case "AWS::Lambda::Function":
			out.Environment[id] = props["Environment"]
		case "AWS::IAM::Role":
			out.Policies[id] = props["Policies"]
		}
	}
	sort.Strings(out.Resources)
	out.UserPoolClient = live["UserPoolClient"].Properties
	body, _ := live["Api"].Properties["Body"].(map[string]any)
	paths, _ := body["paths"].(map[string]any)
	for path, item := range paths {
		ops, _ := item.(map[string]any)
		for method, op := range ops {
			integration, _ := op.(map[string]any)["x-amazon-apigateway-integration"].(map[string]any)
			uri, _ := json.Marshal(integration["uri"])
			var fns []string
			for _, m := range functionArn.FindAllStringSubmatch(string(uri), -1) {
				fns = append(fns, m[1])
			}
			out.Routes = append(out.Routes, strings.ToUpper(method)+" "+path+" -> "+strings.Join(fns, ","))
		}
	}
	sort.Strings(out.Routes)
	return out, live
}

// TestDefaultStackUnchanged: with the parameters at their defaults (Google
// and the identity pool off), the stack is made of what it was made of
// before they existed: the same resources, routes, function environments,
// role policies and app client. Other changes to the template change the
// golden file on purpose: regenerate it with
//
//	go test -run TestDefaultStackUnchanged -update .
//
// and review the diff.
func TestDefaultStackUnchanged(t *testing.T) {
	got, _ := stackWith(translate(t), nil)
	var buf strings.Builder
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(got); err != nil {
		t.Fatal(err)
	}
	b := []byte(buf.String())
	const golden = "testdata/default-stack.json"
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, b, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s", golden)
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (create it with -update)", err)
	}
	if string(want) != string(b) {
		t.Errorf("the default stack differs from %s (regenerate with -update if intended):\n%s", golden, lineDiff(string(want), string(b)))
	}
}

// lineDiff lists the lines only in want (-) and only in got (+).
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var out []string
	for _, l := range w {
		if !slices.Contains(g, l) {
			out = append(out, "- "+l)
		}
	}
	for _, l := range g {
		if !slices.Contains(w, l) {
			out = append(out, "+ "+l)
		}
	}
	return fmt.Sprint(strings.Join(out, "\n"))
}

// Parameter values that turn every optional feature on.
var googleOn = map[string]string{
	"GoogleClientId":         "123456789012-abcdefghijklmnopqrstuvwxyz012345.apps.googleusercontent.com",
	"GoogleClientSecretName": "my-google-client-secret",
}

func allOn() map[string]string {
	p := map[string]string{"EnableIdentityPool": "true", "DomainPrefix": "acme-auth"}
	for k, v := range googleOn {
		p[k] = v
	}
	return p
}

func js(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

var (
	googleResources   = []string{"GoogleIdentityProvider"}
	identityResources = []string{"IdentityPool", "IdentityPoolRoles", "AuthenticatedRole", "CredentialsBucket",
		"CredentialsBucketPolicy", "IdentityPoolIdParameter", "CredentialsFunction", "CredentialsFunctionRole",
		"CredentialsFunctionLogGroup", "CredentialsFunctionCredentialsPermissionProd", "CredentialsFunctionCredentialsPreflightPermissionProd"}
)

// TestOptionalFeaturesOffByDefault: each feature's resources exist only
// with its own parameters.
func TestOptionalFeaturesOffByDefault(t *testing.T) {
	tpl := translate(t)
	for _, tc := range []struct {
		name      string
		params    map[string]string
		want, not []string
	}{
		{"defaults", nil, nil, append(slices.Clone(googleResources), identityResources...)},
		{"Google only", googleOn, googleResources, identityResources},
		{"identity pool only", map[string]string{"EnableIdentityPool": "true"}, identityResources, googleResources},
		{"both", allOn(), append(slices.Clone(googleResources), identityResources...), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, live := stackWith(tpl, tc.params)
			for _, id := range tc.want {
				if _, ok := live[id]; !ok {
					t.Errorf("%s is missing", id)
				}
			}
			for _, id := range tc.not {
				if _, ok := live[id]; ok {
					t.Errorf("%s exists without its parameters", id)
				}
			}
		})
	}
	// Half a Google configuration is refused before anything is created.
	for _, half := range []map[string]string{{"GoogleClientId": googleOn["GoogleClientId"]}, {"GoogleClientSecretName": "s"}} {
		if got := rulesRefusing(t, tpl, half); !slices.ContainsFunc(got, func(s string) bool { return strings.HasPrefix(s, "GoogleNeedsClientAndSecret") }) {
			t.Errorf("%v: rules refusing %v, want GoogleNeedsClientAndSecret", half, got)
		}
	}
	if got := rulesRefusing(t, tpl, allOn()); len(got) > 0 {
		t.Errorf("everything on: refused by %v", got)
	}
}

// TestGoogleProvider: the identity provider, the app client and the login
// function's configuration, with Google on.
func TestGoogleProvider(t *testing.T) {
	tpl := translate(t)
	_, live := stackWith(tpl, allOn())
	idp := live["GoogleIdentityProvider"].Properties
	details, _ := idp["ProviderDetails"].(map[string]any)
	if idp["ProviderType"] != "Google" || idp["ProviderName"] != "Google" || details["authorize_scopes"] != "openid email profile" ||
		details["client_id"] != googleOn["GoogleClientId"] {
		t.Errorf("identity provider: %s", js(idp))
	}
	if got := js(idp["AttributeMapping"]); got != `{"email":"email","name":"name"}` {
		t.Errorf("AttributeMapping = %s, want email and name", got)
	}
	// The secret by dynamic reference from the user's own secret: never a
	// parameter's value.
	if got := details["client_secret"]; got != "{{resolve:secretsmanager:my-google-client-secret}}" {
		t.Errorf("client_secret = %v, want a dynamic reference to GoogleClientSecretName's secret", got)
	}
	for name, p := range tpl.Parameters {
		pm, _ := p.(map[string]any)
		// Parameters about secrets that are not one: a secret's name, and
		// the days between rotations.
		notASecret := name == "GoogleClientSecretName" || (name == "SecretRotationDays" && pm["Type"] == "Number")
		if pm["NoEcho"] != nil || (strings.Contains(strings.ToLower(name), "secret") && !notASecret) {
			t.Errorf("parameter %s: secrets are read from Secrets Manager, never passed as parameters", name)
		}
	}
	for name, o := range tpl.Outputs {
		if b := js(o); strings.Contains(b, "GoogleClientSecretName") || strings.Contains(b, "resolve:") {
			t.Errorf("output %s names the Google secret: %s", name, b)
		}
	}
	if got := js(live["UserPoolClient"].Properties["SupportedIdentityProviders"]); got != `["COGNITO",{"Ref":"GoogleIdentityProvider"}]` {
		t.Errorf("app client SupportedIdentityProviders = %s", got)
	}
	for _, f := range []string{"LoginFunction", "CallbackFunction"} {
		vars := live[f].Properties["Environment"].(map[string]any)["Variables"].(map[string]any)
		if got := js(vars["IDENTITY_PROVIDERS"]); got != `{"Ref":"GoogleIdentityProvider"}` {
			t.Errorf("%s IDENTITY_PROVIDERS = %s", f, got)
		}
	}
}

// TestIdentityPool: the identity pool, its role's trust and permissions,
// and how the credentials function finds the pool, with it on.
func TestIdentityPool(t *testing.T) {
	tpl := translate(t)
	_, live := stackWith(tpl, allOn())
	pool := live["IdentityPool"].Properties
	want := `[{"ClientId":{"Ref":"UserPoolClient"},"ProviderName":"cognito-idp.${AWS::Region}.${AWS::URLSuffix}/${UserPool}","ServerSideTokenCheck":true}]`
	if got := js(pool["CognitoIdentityProviders"]); got != want {
		t.Errorf("CognitoIdentityProviders = %s, want %s", got, want)
	}
	if pool["AllowUnauthenticatedIdentities"] != false || pool["AllowClassicFlow"] != false {
		t.Errorf("identity pool: unauthenticated %v, classic flow %v; want neither", pool["AllowUnauthenticatedIdentities"], pool["AllowClassicFlow"])
	}
	if got := js(live["IdentityPoolRoles"].Properties["Roles"]); got != `{"authenticated":{"Fn::GetAtt":["AuthenticatedRole","Arn"]}}` {
		t.Errorf("role attachment = %s, want the authenticated role only", got)
	}

	role := live["AuthenticatedRole"].Properties
	var trust struct {
		Statement []struct {
			Effect    string
			Principal map[string]any
			Action    any
			Condition map[string]map[string]any
		}
	}
	if err := json.Unmarshal([]byte(js(role["AssumeRolePolicyDocument"])), &trust); err != nil || len(trust.Statement) != 1 {
		t.Fatalf("trust policy %s", js(role["AssumeRolePolicyDocument"]))
	}
	st := trust.Statement[0]
	if st.Effect != "Allow" || js(st.Principal) != `{"Federated":"cognito-identity.amazonaws.com"}` || js(st.Action) != `"sts:AssumeRoleWithWebIdentity"` {
		t.Errorf("trust statement: %s %s %s", st.Effect, js(st.Principal), js(st.Action))
	}
	if got := js(st.Condition["StringEquals"]); got != `{"cognito-identity.amazonaws.com:aud":{"Ref":"IdentityPool"}}` {
		t.Errorf("trust aud condition = %s, want this identity pool", got)
	}
	if got := js(st.Condition["ForAnyValue:StringLike"]); got != `{"cognito-identity.amazonaws.com:amr":"authenticated"}` {
		t.Errorf("trust amr condition = %s, want authenticated", got)
	}
	policies := js(role["Policies"])
	if !strings.Contains(policies, `"Resource":"${CredentialsBucket.Arn}/${!cognito-identity.amazonaws.com:sub}/*"`) ||
		!strings.Contains(policies, `"s3:prefix":["${cognito-identity.amazonaws.com:sub}/","${cognito-identity.amazonaws.com:sub}/*"]`) {
		t.Errorf("the role's permissions are not limited to the identity's own prefix: %s", policies)
	}

	// No Allow on a wildcard resource, in any role or policy of the stack.
	for id, r := range live {
		if r.Type != "AWS::IAM::Role" && r.Type != "AWS::S3::BucketPolicy" {
			continue
		}
		for _, st := range statements(r.Properties) {
			if st["Effect"] != "Allow" {
				continue
			}
			for _, res := range resourcesOf(st["Resource"]) {
				if res == "*" || strings.HasSuffix(strings.TrimSuffix(res, "/*"), ":*") || strings.HasPrefix(res, "arn:aws:s3:::*") {
					t.Errorf("%s allows %s on %q", id, js(st["Action"]), res)
				}
			}
		}
	}

	// (Fn::Sub values below are the evaluator's strings.)
	// The function finds the pool by the parameter's name, never by a
	// reference (the pool depends on the API through the app client).
	param := live["IdentityPoolIdParameter"].Properties
	name := `"/${AWS::StackName}/identity-pool-id"` // the evaluator resolves Fn::Sub to its string
	if js(param["Name"]) != name || js(param["Value"]) != `{"Ref":"IdentityPool"}` {
		t.Errorf("SSM parameter %s", js(param))
	}
	vars := live["CredentialsFunction"].Properties["Environment"].(map[string]any)["Variables"].(map[string]any)
	if js(vars["IDENTITY_POOL_PARAMETER"]) != name || js(vars["CREDENTIALS_BUCKET"]) != `{"Ref":"CredentialsBucket"}` {
		t.Errorf("CredentialsFunction environment %s", js(vars))
	}
	home := live["RefreshFunction"].Properties["Environment"].(map[string]any)["Variables"].(map[string]any)
	if js(home["IDENTITY_POOL_PARAMETER"]) != name {
		t.Errorf("RefreshFunction (the home page) IDENTITY_POOL_PARAMETER = %s", js(home["IDENTITY_POOL_PARAMETER"]))
	}
	g := graph(tpl)
	for _, f := range []string{"CredentialsFunction", "RefreshFunction"} {
		for _, bad := range []string{"IdentityPool", "IdentityPoolIdParameter", "UserPoolClient"} {
			if g[f][bad] || reaches(g, f, bad) {
				t.Errorf("%s depends on %s: a cycle through the API", f, bad)
			}
		}
	}
	stack, _ := stackWith(tpl, allOn())
	for _, r := range []string{"POST /credentials -> CredentialsFunction", "OPTIONS /credentials -> CredentialsFunction"} {
		if !slices.Contains(stack.Routes, r) {
			t.Errorf("the API lacks %s: %v", r, stack.Routes)
		}
	}
}

// statements are the policy statements of a role (trust and inline
// policies) or a bucket policy.
func statements(props map[string]any) []map[string]any {
	var docs []any
	docs = append(docs, props["AssumeRolePolicyDocument"], props["PolicyDocument"])
	ps, _ := props["Policies"].([]any)
	for _, p := range ps {
		pm, _ := p.(map[string]any)
		docs = append(docs, pm["PolicyDocument"])
	}
	var out []map[string]any
	for _, d := range docs {
		dm, _ := d.(map[string]any)
		sts, _ := dm["Statement"].([]any)
		for _, s := range sts {
			if sm, ok := s.(map[string]any); ok {
				out = append(out, sm)
			}
		}
	}
	return out
}

// resourcesOf renders a statement's Resource as strings (an Fn::Sub's
// template, a GetAtt as "<id>.<attr>").
func resourcesOf(v any) []string {
	var out []string
	switch v := v.(type) {
	case []any:
		for _, x := range v {
			out = append(out, resourcesOf(x)...)
		}
	case string:
		out = append(out, v)
	case map[string]any:
		if s, ok := subString(v); ok {
			out = append(out, s)
		} else {
			out = append(out, js(v))
		}
	}
	return out
}
