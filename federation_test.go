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
