package functions_test

import (
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/example/cognito-sam-go/internal/routes"
)

const module = "github.com/example/cognito-sam-go/"

// notShipped reports why a package must stay out of a Lambda binary: the
// local emulators (internal/local), the test kit (any package whose name or
// a parent's ends in "test"), or the testing package itself.
func notShipped(pkg string) string {
	if pkg == "testing" {
		return "the testing package"
	}
	rel, ok := strings.CutPrefix(pkg, module)
	if !ok {
		return ""
	}
	if rel == "internal/local" || strings.HasPrefix(rel, "internal/local/") {
		return "a local emulator"
	}
	for _, elem := range strings.Split(rel, "/") {
		if strings.HasSuffix(elem, "test") {
			return "test kit"
		}
	}
	return ""
}

// TestWhatShips lists every dependency of every main under functions/, as
// the Makefile builds it (linux/arm64, lambda.norpc), and finds no emulator
// and no test kit in it, and no AWS SDK in hello, which needs none.
// onlyIn names packages that one function alone needs: the others must
// not carry their SDK clients (each adds about a megabyte and start-up
// work).
var onlyIn = map[string]string{
	module + "internal/identitypool":                               "credentials",
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentity":         "credentials",
	"github.com/aws/aws-sdk-go-v2/service/ssm":                     "credentials",
	module + "internal/rotate":                                     "rotate",
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider": "rotate",
}

func TestWhatShips(t *testing.T) {
	mains, err := filepath.Glob("*/main.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, fn := range routes.Functions() {
		if !slices.Contains(mains, fn+"/main.go") {
			t.Errorf("function %s of the route table has no functions/%s/main.go", fn, fn)
		}
	}
	for _, m := range mains {
		fn := filepath.Dir(m)
		t.Run(fn, func(t *testing.T) {
			cmd := exec.Command("go", "list", "-tags", "lambda.norpc", "-deps", "./"+fn)
			cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0")
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("go list -deps ./%s: %v", fn, err)
			}
			deps := strings.Fields(string(out))
			if len(deps) < 10 {
				t.Fatalf("go list -deps ./%s listed %d packages: %q", fn, len(deps), deps)
			}
			for _, d := range deps {
				if why := notShipped(d); why != "" {
					t.Errorf("functions/%s links %s (%s)", fn, d, why)
				}
				if fn == "hello" && strings.HasPrefix(d, "github.com/aws/aws-sdk-go-v2") {
					t.Errorf("functions/hello links the AWS SDK (%s)", d)
				}
				if owner, ok := onlyIn[d]; ok && fn != owner {
					t.Errorf("functions/%s links %s, which only functions/%s needs", fn, d, owner)
				}
			}
		})
	}
}

func TestNotShipped(t *testing.T) {
	for pkg, want := range map[string]bool{
		module + "internal/local/devserver":                   true,
		module + "internal/local":                             true,
		module + "internal/cognito/cognitotest":               true,
		module + "internal/cognito/cognitotest/tokensign":     true,
		module + "internal/apigw/apigwtest":                   true,
		module + "functions/internal/lambdatest":              true,
		module + "internal/rotate/rotatetest":                 true,
		module + "internal/rotate":                            false,
		"testing":                                             true,
		module + "internal/signin":                            false,
		module + "internal/localization":                      false,
		"github.com/aws/aws-sdk-go-v2/service/secretsmanager": false,
	} {
		if got := notShipped(pkg) != ""; got != want {
			t.Errorf("notShipped(%s) = %v, want %v", pkg, got, want)
		}
	}
}

// notLinked are symbols a function's binary must not hold, by function
// ("" for every function), and why: what they cost is in the README's
// "Performance" section.
var notLinked = []struct{ function, symbol, why string }{
	{"", "text/template.", "text/template's reflection keeps every exported method in the binary (about 3 MB)"},
	{"hello", "regexp.", "hello needs no regular expression (the AWS SDK links regexp in the others)"},
	{"login", "oidc.(*IDTokenVerifier).Verify", "login verifies no ID token"},
	{"login", "internal/cognito.(*Client).Exchange", "login makes no grant"},
	{"logout", "oidc.(*IDTokenVerifier).Verify", "logout verifies no ID token"},
	{"hello", "aws-sdk-go-v2", "hello needs no AWS SDK"},
	{"hello", "publicsuffix.", "hello checks ALLOWED_ORIGINS with config.LastTwoLabels; the public suffix list is about 130 KB"},
}

// TestWhatIsNotLinked reads the symbols of each built function (TestMain
// builds them, unstripped) and finds none of notLinked.
func TestWhatIsNotLinked(t *testing.T) {
	for _, fn := range slices.Sorted(maps.Keys(bins)) {
		t.Run(fn, func(t *testing.T) {
			out, err := exec.Command("go", "tool", "nm", bins[fn]).Output()
			if err != nil {
				t.Fatalf("go tool nm %s: %v", fn, err)
			}
			var defined []string
			for _, line := range strings.Split(string(out), "\n") {
				// address type name; U (undefined) lines have no address.
				if f := strings.Fields(line); len(f) >= 3 && f[1] != "U" {
					defined = append(defined, strings.Join(f[2:], " "))
				}
			}
			if len(defined) < 1000 {
				t.Fatalf("go tool nm %s listed %d symbols", fn, len(defined))
			}
			for _, n := range notLinked {
				if n.function != "" && n.function != fn {
					continue
				}
				for _, s := range defined {
					if strings.Contains(s, n.symbol) {
						t.Errorf("functions/%s links %s (%s)", fn, s, n.why)
						break
					}
				}
			}
		})
	}
}
