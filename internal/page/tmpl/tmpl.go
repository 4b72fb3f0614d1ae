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
// Parse follows the HTML tokenizer's states far enough to know where each
// value lands (quotes, comments, script and style elements) and refuses any
// template whose values could land anywhere else: inside a tag but not a
// double-quoted value, in an attribute it does not know to hold text or a
// URL (event handlers, style, srcset, ...), in a comment, script or style
// element; or that does not end in text. So the escaping below is always
// the right one. The templates have no conditionals, loops or calls: the
// Go code computes every value.
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
	// Pages are built of several templates in a row, each read as if it
	// began in text: so each must end there too.
	if st := scan(src); st.state != inText {
		return nil, fmt.Errorf("ends inside a tag, comment or script/style element")
	}
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

// The states of the scan of a template's HTML up to a value: as far as
// it needs to know where the value lands, after the HTML tokenizer.
const (
	inText      = iota
	inComment   // <!-- ... -->
	inRawText   // the content of a script or style element
	inTagName   // <name
	inTag       // between a tag's attributes
	inAttrName  // name
	afterName   // name, then spaces
	beforeValue // name=
	inDQValue   // name="...
	inSQValue   // name='...
	inUnquoted  // name=...
)

// scanState is where the scan of src ended: the state, the current
// attribute's name and where its value started.
type scanState struct {
	state      int
	attr       string
	valueStart int
}

// scan runs src through the states above.
func scan(src string) scanState {
	st := scanState{state: inText}
	var tag strings.Builder
	closing, raw := false, ""
	endTag := func() {
		name := strings.ToLower(tag.String())
		if !closing && (name == "script" || name == "style") {
			st.state, raw = inRawText, name
		} else {
			st.state = inText
		}
	}
	for i := 0; i < len(src); i++ {
		c := src[i]
		space := c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'
		switch st.state {
		case inText:
			switch {
			case strings.HasPrefix(src[i:], "<!--"):
				st.state, i = inComment, i+3
			case c == '<' && i+1 < len(src) && (isLetter(src[i+1]) || src[i+1] == '/'):
				closing = src[i+1] == '/'
				if closing {
					i++
				}
				st.state = inTagName
				tag.Reset()
			}
		case inComment:
			if strings.HasPrefix(src[i:], "-->") {
				st.state, i = inText, i+2
			}
		case inRawText:
			if c == '<' && strings.HasPrefix(strings.ToLower(src[i:]), "</"+raw) {
				st.state, closing, i = inTagName, true, i+1
				tag.Reset()
			}
		case inTagName:
			switch {
			case c == '>':
				endTag()
			case space || c == '/':
				st.state = inTag
			default:
				tag.WriteByte(c)
			}
		case inTag, afterName:
			switch {
			case c == '>':
				endTag()
			case space || c == '/':
			case c == '=' && st.state == afterName:
				st.state = beforeValue
			default:
				st.state, st.attr = inAttrName, string(c)
			}
		case inAttrName:
			switch {
			case c == '>':
				endTag()
			case space:
				st.state = afterName
			case c == '=':
				st.state = beforeValue
			default:
				st.attr += string(c)
			}
		case beforeValue:
			switch {
			case c == '>':
				endTag()
			case space:
			case c == '"':
				st.state, st.valueStart = inDQValue, i+1
			case c == '\'':
				st.state, st.valueStart = inSQValue, i+1
			default:
				st.state = inUnquoted
			}
		case inDQValue:
			if c == '"' {
				st.state = inTag
			}
		case inSQValue:
			if c == '\'' {
				st.state = inTag
			}
		case inUnquoted:
			switch {
			case c == '>':
				endTag()
			case space:
				st.state = inTag
			}
		}
	}
	return st
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// context says how a value after before must be escaped.
func context(before string) (kind, error) {
	st := scan(before)
	switch st.state {
	case inText:
		return textValue, nil
	case inRawText:
		return 0, fmt.Errorf("inside a script or style element")
	case inComment:
		return 0, fmt.Errorf("inside a comment")
	case inDQValue:
	default:
		return 0, fmt.Errorf("inside a tag but not in a double-quoted attribute value")
	}
	k, err := attrKind(strings.ToLower(st.attr))
	if err != nil {
		return 0, err
	}
	if k == urlValue && st.valueStart != len(before) {
		return 0, fmt.Errorf("inside the %s URL: only at its start", st.attr)
	}
	return k, nil
}

// attrKind is how a value in the attribute attr is escaped: as a URL
// (filtered and normalised) or as text. As html/template does, a data-
// prefix is looked through and any name with src, uri or url in it holds
// a URL. Every other attribute is refused rather than guessed at: event
// handlers (on*), style, namespaced names, and the many attributes that
// hold a URL or more under another name (srcset, ping, poster, cite, data,
// meta's content).
func attrKind(attr string) (kind, error) {
	name, data := strings.CutPrefix(attr, "data-")
	switch {
	case name == "" || !isName(strings.ReplaceAll(name, "-", "")) || name == "srcset" || name == "srcdoc":
		return 0, fmt.Errorf("in the attribute %q, which takes no value here", attr)
	case urlAttrs[name] || strings.Contains(name, "src") || strings.Contains(name, "uri") || strings.Contains(name, "url"):
		return urlValue, nil
	case textAttrs[name] || data && !strings.HasPrefix(name, "on") && name != "style":
		return attrValue, nil
	}
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
