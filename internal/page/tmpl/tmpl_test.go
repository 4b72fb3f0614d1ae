package tmpl

import (
	"html/template"
	"strings"
	"testing"
)

// TestEscapesAsHTMLTemplate: for values in every context Parse accepts,
// Execute writes byte for byte what html/template writes (the test links
// html/template; the functions do not).
func TestEscapesAsHTMLTemplate(t *testing.T) {
	src := `<!doctype html><title>{{.V}}</title><p class="x">{{.V}} and {{.V}}</p>` +
		`<a href="{{.V}}" data-api="{{.V}}" id="{{.V}}">{{.V}}</a><form method="post" action="{{.V}}logout"></form>` +
		`<textarea readonly>{{.V}}</textarea>` +
		// Every other attribute Parse takes a value in.
		`<img src="{{.V}}" alt="{{.V}}"><button formaction="{{.V}}"></button><time datetime="{{.V}}"></time>` +
		`<input value="{{.V}}" name="{{.V}}" title="{{.V}}" aria-label="{{.V}}" class="{{.V}}">` +
		`<p data-url="{{.V}}" data-src="{{.V}}" data-uri="{{.V}}" data-x="{{.V}}"></p>`
	ours := Must(src)
	theirs := template.Must(template.New("").Parse(src))
	for _, v := range []string{
		"", "plain", `"><script>alert(1)</script>`, `' onmouseover='x`, "a&b<c>d+e", "\x00nul",
		"javascript:alert(1)//", "JavaScript:x", "data:text/html,x", "vbscript:x", "https://example.com/a b?c=d&e=\"f\"#g",
		"http://localhost:3000/", "mailto:a@example.com", "/relative/path?q=(1)", "login?return_to=/app", "ünïcödé/ä",
		"%zz%41", "//evil.example.com", "#frag", "a:b/c", "a/b:c", " javascript:x", "\tjavascript:x",
	} {
		var want strings.Builder
		if err := theirs.Execute(&want, struct{ V string }{v}); err != nil {
			t.Fatal(err)
		}
		got, err := ours.Execute(map[string]string{"V": v})
		if err != nil {
			t.Fatal(err)
		}
		if got != want.String() {
			t.Errorf("value %q:\n got %s\nwant %s", v, got, want.String())
		}
	}
}

func TestParseRefuses(t *testing.T) {
	for name, src := range map[string]string{
		"unquoted attribute":     `<a href={{.V}}>`,
		"single-quoted":          `<a title='{{.V}}'>`,
		"attribute name":         `<a {{.V}}="x">`,
		"in a tag":               `<a {{.V}}>`,
		"event handler":          `<a onclick="{{.V}}">`,
		"style attribute":        `<p style="{{.V}}">`,
		"script element":         `<script>var x = "{{.V}}"</script>`,
		"style element":          `<style>p { color: {{.V}} }</style>`,
		"inside a URL":           `<a href="/x?y={{.V}}">`,
		"an if":                  `{{if .V}}x{{end}}`,
		"a call":                 `{{template "x"}}`,
		"a dot alone":            `{{.}}`,
		"unclosed":               `<p>{{.V</p>`,
		"after a closed quote":   `<a title="x" {{.V}}>`,
		"quote after the equals": `<a title="x"="{{.V}}">`,
		"srcset":                 `<img srcset="{{.V}}">`,
		"srcdoc":                 `<iframe srcdoc="{{.V}}">`,
		"ping":                   `<a ping="{{.V}}">`,
		"meta content":           `<meta http-equiv="refresh" content="{{.V}}">`,
		"object data":            `<object data="{{.V}}">`,
		"svg xlink:href":         `<use xlink:href="{{.V}}">`,
		"comment":                `<!-- {{.V}} -->`,
		"> in a single-quoted":   `<a title='>' onclick="{{.V}}">`,
		"> before style":         `<p data-x="a>b" style="{{.V}}">`,
		"data- URL":              `<a data-href="/x{{.V}}">`,
		"cite":                   `<blockquote cite="{{.V}}">`,
		"poster":                 `<video poster="{{.V}}">`,
		"ends in a tag":          `<a href="{{.V}}`,
		"ends in a comment":      `<p>{{.V}}</p><!-- x`,
		"script after text":      `<p>a</p><script>{{.V}}`,
	} {
		if _, err := Parse(src); err == nil {
			t.Errorf("%s: Parse(%q) accepted it", name, src)
		}
	}
	for _, src := range []string{`<p>{{.V}}</p>`, `<a class="c" title="{{.V}}">`, `<p data-api="{{.V}}">`, `<a href="{{.V}}">`, `<a title="x>y" id="{{.V}}">`, `<!-- <a href= --><p>{{.V}}</p>`, `<script>if (a<b) {}</script><p>{{.V}}</p>`, `<script src="/a.js"></script><p>{{.V}}</p>`, `<style>p{}</style>{{.V}}`} {
		if _, err := Parse(src); err != nil {
			t.Errorf("Parse(%q): %v", src, err)
		}
	}
}

func TestExecuteNeedsEveryValue(t *testing.T) {
	tm := Must(`<p>{{.A}} {{.B}}</p>`)
	if _, err := tm.Execute(map[string]string{"A": "a"}); err == nil {
		t.Error("Execute without B succeeded")
	}
	if got := strings.Join(tm.Names(), ","); got != "A,B" {
		t.Errorf("Names() = %s", got)
	}
}

// TestQuotedGreaterThan: a > inside an earlier quoted value does not end
// the tag, so a URL value after it is still filtered.
func TestQuotedGreaterThan(t *testing.T) {
	for _, src := range []string{`<a title="x>y" href="{{.V}}">`, `<a title='>' href="{{.V}}">`} {
		got, err := Must(src).Execute(map[string]string{"V": "javascript:alert(1)"})
		if err != nil || strings.Contains(got, "javascript") {
			t.Errorf("%s: %q, %v; want the URL filtered", src, got, err)
		}
	}
}
