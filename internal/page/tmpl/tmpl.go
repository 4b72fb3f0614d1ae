// Package tmpl renders the project's few HTML pages from templates that
// can hold only named values, each in element text or in a double-quoted
// attribute, escaped as html/template escapes them there: text and
// attribute values HTML-escaped, a URL attribute (href, action, src)
// filtered for unsafe schemes and percent-normalised first.
//
// Written here, rather than using html/template, for what html/template
// costs a Lambda function: text/template calls reflect's MethodByName,
// which makes the linker keep every exported method of every type in the
// binary (the AWS SDK's whole API included): about 3 MB, a quarter of a
// sign-in function, and its templates were parsed at every cold start.
// Parse refuses any template whose values could land anywhere else
// (inside a tag but not a quoted value, in an event handler or style
// attribute, in a script or style element), so the escaping below is
// always the right one; the templates have no conditionals, loops or
// calls: the Go code computes every value.
package tmpl

import (
	"fmt"
	"strings"
)

// Template is a parsed template. Safe for concurrent use.
type Template struct {
	pieces []piece
	names  []string
}

type kind int

const (
	literal kind = iota
	textValue
	attrValue
	urlValue // at the start of a URL attribute's value
)

type piece struct {
	kind kind
	s    string // the literal, or the value's name
}

// Parse parses src, in which {{.Name}} stands for the value Name. It
// fails if a value would not be in element text or a double-quoted
// attribute, is in a script or style element or an on* or style
// attribute, or is inside a URL attribute's value rather than at its
// start.
func Parse(src string) (*Template, error) {
	t := &Template{}
	last := 0
	for {
		i := strings.Index(src[last:], "{{")
		if i < 0 {
			break
		}
		start := last + i
		end := strings.Index(src[start:], "}}")
		if end < 0 {
			return nil, fmt.Errorf("unclosed {{ at byte %d", start)
		}
		end += start + 2
		name, ok := strings.CutPrefix(src[start+2:end-2], ".")
		if !ok || !isName(name) {
			return nil, fmt.Errorf("%s at byte %d: only {{.Name}} is allowed", src[start:end], start)
		}
		k, err := context(src[:start])
		if err != nil {
			return nil, fmt.Errorf("{{.%s}} at byte %d: %w", name, start, err)
		}
		t.pieces = append(t.pieces, piece{literal, src[last:start]}, piece{k, name})
		t.names = append(t.names, name)
		last = end
	}
	t.pieces = append(t.pieces, piece{literal, src[last:]})
	return t, nil
}

// Must is Parse that panics on error, for templates embedded in the binary
// (their packages' tests parse them).
func Must(src string) *Template {
	t, err := Parse(src)
	if err != nil {
		panic("tmpl: " + err.Error())
	}
	return t
}

// context says how a value after before must be escaped.
func context(before string) (kind, error) {
	low := strings.ToLower(before)
	for _, el := range []string{"script", "style"} {
		if strings.LastIndex(low, "<"+el) > strings.LastIndex(low, "</"+el) {
			return 0, fmt.Errorf("inside a %s element", el)
		}
	}
	if strings.LastIndex(before, "<") <= strings.LastIndex(before, ">") {
		return textValue, nil
	}
	// In a tag: the value must be in a double-quoted attribute value,
	// name="...{{.X}}, with no quote between the opening one and the value.
	q := strings.LastIndexByte(before, '"')
	if q < 1 || before[q-1] != '=' || strings.Count(before[strings.LastIndex(before, "<"):q], `"`)%2 != 0 {
		return 0, fmt.Errorf("inside a tag but not in a double-quoted attribute value")
	}
	attr := before[:q-1]
	attr = strings.ToLower(attr[strings.LastIndexAny(attr, " \t\n")+1:])
	switch {
	case attr == "" || !isName(strings.ReplaceAll(attr, "-", "")):
		return 0, fmt.Errorf("inside a tag but not in a double-quoted attribute value")
	case urlAttrs[attr]:
		if q != len(before)-1 {
			return 0, fmt.Errorf("inside the %s URL: only at its start", attr)
		}
		return urlValue, nil
	case textAttrs[attr] || strings.HasPrefix(attr, "data-"):
		return attrValue, nil
	}
	// Everything else is refused rather than guessed at: event handlers
	// (on*), style, and the many attributes that hold a URL or more
	// (srcset, ping, poster, formaction's cousins, meta's content).
	return 0, fmt.Errorf("in the %s attribute, which takes no value here", attr)
}

// urlAttrs hold a URL: the value is filtered and normalised. textAttrs
// hold plain text. A value in any other attribute is refused.
var (
	urlAttrs  = map[string]bool{"href": true, "action": true, "src": true, "formaction": true}
	textAttrs = map[string]bool{"id": true, "class": true, "datetime": true, "value": true, "title": true, "aria-label": true, "name": true, "alt": true}
)

func isHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

func isName(s string) bool {
	for i, c := range s {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || i > 0 && '0' <= c && c <= '9') {
			return false
		}
	}
	return s != ""
}

// Names are the values the template holds, in order (with repeats).
func (t *Template) Names() []string { return t.names }

// Execute renders the template with values; every name the template holds
// must have one.
func (t *Template) Execute(values map[string]string) (string, error) {
	var b strings.Builder
	for _, p := range t.pieces {
		if p.kind == literal {
			b.WriteString(p.s)
			continue
		}
		v, ok := values[p.s]
		if !ok {
			return "", fmt.Errorf("no value for {{.%s}}", p.s)
		}
		if p.kind == urlValue {
			v = normalizeURL(filterURL(v))
		}
		b.WriteString(escape(v))
	}
	return b.String(), nil
}

// escape is html/template's escaping of text and attribute values.
var escape = strings.NewReplacer("\x00", "\uFFFD", `"`, "&#34;", "'", "&#39;", "&", "&amp;", "<", "&lt;", ">", "&gt;", "+", "&#43;").Replace

// filterURL replaces a URL whose scheme is not http, https or mailto with
// html/template's "#ZgotmplZ", so that no javascript: URL reaches an href.
func filterURL(u string) string {
	if i := strings.IndexByte(u, ':'); i >= 0 && !strings.Contains(u[:i], "/") {
		switch strings.ToLower(u[:i]) {
		case "http", "https", "mailto":
		default:
			return "#ZgotmplZ"
		}
	}
	return u
}

// normalizeURL percent-encodes the bytes a URL may not hold as they are,
// as html/template does (lower-case hex), leaving the URL's meaning alone.
func normalizeURL(u string) string {
	var b strings.Builder
	for i := 0; i < len(u); i++ {
		c := u[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			strings.IndexByte("!#$&*+,/:;=?@[]-._~", c) >= 0,
			c == '%' && i+2 < len(u) && isHex(u[i+1]) && isHex(u[i+2]): // a valid escape stays
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "%%%02x", c)
		}
	}
	return b.String()
}

// Text is s escaped for element text or an attribute value, as Execute
// escapes a value there.
func Text(s string) string { return escape(s) }
