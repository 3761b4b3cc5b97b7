// helm-template renders a Helm chart the way `helm template` does, for the tests of a machine on which
// the helm binary cannot be installed. It is our own small implementation of Helm's rendering on the
// libraries Helm renders with: Go's text/template, the Sprig v3 function library, and a YAML library
// that marshals the way sigs.k8s.io/yaml does (github.com/ghodss/yaml, its predecessor: JSON, then YAML
// with sorted keys).
//
// Usage:
//
//	helm-template [NAME] CHART_DIR [flags]
//
//	-n, --namespace NS      .Release.Namespace (default "default")
//	--name NAME             .Release.Name (default "release-name", or the first argument)
//	-f, --values FILE       a values file, deep-merged over values.yaml (repeatable; later wins)
//	--set K=V[,K=V]         a value on the command line: dotted keys, a[0] indexes, {a,b} lists; ints,
//	                        true/false and null are typed (repeatable)
//	--set-string K=V        the same, always strings
//	--set-json K=JSON       the same, the value is JSON
//	--set-file K=FILE       the same, the value is the file's contents
//	--include-crds          print crds/ first
//	--kube-version V        .Capabilities.KubeVersion (default v1.31.0)
//	-a, --api-versions GV   an extra entry of .Capabilities.APIVersions (repeatable)
//	-s, --show-only PATH    only the documents of templates/PATH (repeatable)
//	--no-hooks              leave out documents annotated helm.sh/hook
//	--is-upgrade            .Release.IsUpgrade true, IsInstall false
//
// Build (Debian: golang-go golang-github-masterminds-sprig-dev golang-github-ghodss-yaml-dev):
//
//	GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE=$(mktemp -d) go build -o helm-template ./tools/helm-template
//
// GOPATH mode resolves Debian's library sources, which is why sprig is imported without its /v3 suffix.
//
// What it does as Helm does: values coalesced (values.yaml < -f files < --set; null deletes a key;
// numbers from YAML are float64, from --set int64), .Release, .Chart (Chart.yaml with Helm's field
// names), .Capabilities, .Template, .Files; every template parsed into one set (define/include across
// files, the same parse order), missingkey=zero and "<no value>" removed; Sprig without env and
// expandenv, plus include, tpl, required, fail, toYaml, fromYaml, fromYamlArray, toJson, fromJson,
// fromJsonArray, lookup (an empty map, as under `helm template`) and getHostByName (""); NOTES.txt is
// rendered (its errors fail) but not printed; the kubeVersion constraint of Chart.yaml is checked;
// documents are split, checked to parse as YAML, and sorted by Helm's install order (stable), each
// printed as "---\n# Source: <chart>/templates/<file>\n<document>\n"; hooks come last; errors name
// the template and position ("execution error at (chart/templates/x.yaml:2:4): ...") and exit 1.
//
// What it does not do: subcharts and dependencies (refused), library charts (refused),
// values.schema.json validation, .helmignore, toToml, Files.Glob with "**" (path.Match only),
// a live cluster (lookup is always empty), --output-dir, post-renderers.
package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"text/template"

	"github.com/Masterminds/semver"
	"github.com/Masterminds/sprig"
	"github.com/ghodss/yaml"
)

// ---------------------------------------------------------------------------------------------------
// Chart

// Maintainer, Dependency and Metadata carry Chart.yaml with the field names templates use (.Chart.Name).
type Maintainer struct {
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
	URL   string `json:"url,omitempty"`
}

type Dependency struct {
	Name         string        `json:"name"`
	Version      string        `json:"version,omitempty"`
	Repository   string        `json:"repository"`
	Condition    string        `json:"condition,omitempty"`
	Tags         []string      `json:"tags,omitempty"`
	Enabled      bool          `json:"enabled,omitempty"`
	ImportValues []interface{} `json:"import-values,omitempty"`
	Alias        string        `json:"alias,omitempty"`
}

type Metadata struct {
	Name         string            `json:"name,omitempty"`
	Home         string            `json:"home,omitempty"`
	Sources      []string          `json:"sources,omitempty"`
	Version      string            `json:"version,omitempty"`
	Description  string            `json:"description,omitempty"`
	Keywords     []string          `json:"keywords,omitempty"`
	Maintainers  []*Maintainer     `json:"maintainers,omitempty"`
	Icon         string            `json:"icon,omitempty"`
	APIVersion   string            `json:"apiVersion,omitempty"`
	Condition    string            `json:"condition,omitempty"`
	Tags         string            `json:"tags,omitempty"`
	AppVersion   string            `json:"appVersion,omitempty"`
	Deprecated   bool              `json:"deprecated,omitempty"`
	Annotations  map[string]string `json:"annotations,omitempty"`
	KubeVersion  string            `json:"kubeVersion,omitempty"`
	Dependencies []*Dependency     `json:"dependencies,omitempty"`
	Type         string            `json:"type,omitempty"`
}

type file struct {
	name string // relative to the chart directory, with "/"
	data []byte
}

type chart struct {
	meta      *Metadata
	values    map[string]interface{}
	templates []file // templates/**
	crds      []file // crds/*.yaml|yml|json
	files     Files  // everything else, for .Files
}

var manifestExt = map[string]bool{".yaml": true, ".yml": true, ".json": true}

func loadChart(dir string) (*chart, error) {
	c := &chart{values: map[string]interface{}{}, files: Files{}}
	raw, err := os.ReadFile(filepath.Join(dir, "Chart.yaml"))
	if err != nil {
		return nil, fmt.Errorf("Chart.yaml file is missing: %w", err)
	}
	c.meta = &Metadata{}
	if err := yaml.Unmarshal(raw, c.meta); err != nil {
		return nil, fmt.Errorf("cannot load Chart.yaml: %w", err)
	}
	switch {
	case c.meta.APIVersion == "":
		return nil, errors.New("validation: chart.metadata.apiVersion is required")
	case c.meta.Name == "":
		return nil, errors.New("validation: chart.metadata.name is required")
	case c.meta.Version == "":
		return nil, errors.New("validation: chart.metadata.version is required")
	}
	if _, err := semver.StrictNewVersion(c.meta.Version); err != nil {
		return nil, fmt.Errorf("validation: chart.metadata.version %q is invalid", c.meta.Version)
	}
	if c.meta.Type == "library" {
		return nil, errors.New("library charts are not installable")
	}
	if c.meta.Type != "" && c.meta.Type != "application" {
		return nil, fmt.Errorf("validation: chart.metadata.type must be application or library")
	}
	if len(c.meta.Dependencies) > 0 {
		return nil, errors.New("helm-template does not support chart dependencies (Chart.yaml dependencies)")
	}
	err = filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if info.IsDir() {
			if rel == "charts" {
				if entries, _ := os.ReadDir(p); len(entries) > 0 {
					return errors.New("helm-template does not support subcharts (charts/ is not empty)")
				}
			}
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		switch {
		case rel == "Chart.yaml", rel == "Chart.lock", rel == "requirements.yaml", rel == "requirements.lock", rel == "values.schema.json":
		case rel == "values.yaml":
			if err := yaml.Unmarshal(data, &c.values); err != nil {
				return fmt.Errorf("cannot load values.yaml: %w", err)
			}
			if c.values == nil {
				c.values = map[string]interface{}{}
			}
		case strings.HasPrefix(rel, "templates/"):
			c.templates = append(c.templates, file{rel, data})
		default:
			if strings.HasPrefix(rel, "crds/") && manifestExt[path.Ext(rel)] {
				c.crds = append(c.crds, file{rel, data})
			}
			c.files[rel] = data
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(c.crds, func(i, j int) bool { return c.crds[i].name < c.crds[j].name })
	return c, nil
}

// Files is .Files: the chart's files outside templates/ (Helm's helper methods).
type Files map[string][]byte

func (f Files) GetBytes(name string) []byte { return f[name] }
func (f Files) Get(name string) string      { return string(f[name]) }

func (f Files) Glob(pattern string) Files {
	out := Files{}
	for name, data := range f {
		if ok, _ := path.Match(pattern, name); ok {
			out[name] = data
		}
	}
	return out
}

func (f Files) Lines(name string) []string {
	if f[name] == nil {
		return []string{}
	}
	s := string(f[name])
	if strings.HasSuffix(s, "\n") {
		s = s[:len(s)-1]
	}
	return strings.Split(s, "\n")
}

func (f Files) AsConfig() string {
	m := map[string]string{}
	for name, data := range f {
		m[path.Base(name)] = string(data)
	}
	return toYAML(m)
}

func (f Files) AsSecrets() string {
	m := map[string]string{}
	for name, data := range f {
		m[path.Base(name)] = base64.StdEncoding.EncodeToString(data)
	}
	return toYAML(m)
}

// ---------------------------------------------------------------------------------------------------
// Capabilities

type KubeVersion struct {
	Version string
	Major   string
	Minor   string
}

func (k KubeVersion) String() string     { return k.Version }
func (k KubeVersion) GitVersion() string { return k.Version }

// VersionSet is .Capabilities.APIVersions.
type VersionSet []string

// Has reports whether "group/version" or "group/version/Kind" is available. A Kind is taken to be
// available when its group/version is (Helm knows each version's kinds; this renderer does not),
// unless the exact string was passed with --api-versions.
func (v VersionSet) Has(apiVersion string) bool {
	for _, x := range v {
		if x == apiVersion {
			return true
		}
	}
	if i := strings.LastIndex(apiVersion, "/"); i > 0 && strings.Count(apiVersion, "/") >= 1 {
		gv, kind := apiVersion[:i], apiVersion[i+1:]
		if kind != "" && kind[0] >= 'A' && kind[0] <= 'Z' {
			for _, x := range v {
				if x == gv {
					return true
				}
			}
		}
	}
	return false
}

type HelmVersion struct {
	Version      string
	GitCommit    string
	GitTreeState string
	GoVersion    string
}

type Capabilities struct {
	APIVersions VersionSet
	KubeVersion KubeVersion
	HelmVersion HelmVersion
}

// The built-in group/versions of Kubernetes 1.31.
var defaultAPIVersions = []string{
	"v1", "admissionregistration.k8s.io/v1", "apiextensions.k8s.io/v1", "apiregistration.k8s.io/v1",
	"apps/v1", "authentication.k8s.io/v1", "authorization.k8s.io/v1", "autoscaling/v1", "autoscaling/v2",
	"batch/v1", "certificates.k8s.io/v1", "coordination.k8s.io/v1", "discovery.k8s.io/v1", "events.k8s.io/v1",
	"flowcontrol.apiserver.k8s.io/v1", "flowcontrol.apiserver.k8s.io/v1beta3", "networking.k8s.io/v1",
	"node.k8s.io/v1", "policy/v1", "rbac.authorization.k8s.io/v1", "scheduling.k8s.io/v1", "storage.k8s.io/v1",
}

func parseKubeVersion(s string) (KubeVersion, error) {
	v, err := semver.NewVersion(s)
	if err != nil {
		return KubeVersion{}, fmt.Errorf("invalid kube version %q: %w", s, err)
	}
	return KubeVersion{Version: "v" + v.String(), Major: strconv.FormatUint(v.Major(), 10), Minor: strconv.FormatUint(v.Minor(), 10)}, nil
}

// ---------------------------------------------------------------------------------------------------
// Values

// mergeMaps merges b over a, recursing into maps (Helm's merge of -f files and --set).
func mergeMaps(a, b map[string]interface{}) map[string]interface{} {
	out := make(map[string]interface{}, len(a))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		if vm, ok := v.(map[string]interface{}); ok {
			if om, ok := out[k].(map[string]interface{}); ok {
				out[k] = mergeMaps(om, vm)
				continue
			}
		}
		out[k] = v
	}
	return out
}

// coalesce lays user values over the chart's defaults: a user null deletes the key, maps merge,
// anything else from the user wins.
func coalesce(user, defaults map[string]interface{}) map[string]interface{} {
	out := make(map[string]interface{}, len(user)+len(defaults))
	for k, v := range user {
		out[k] = v
	}
	for k, dv := range defaults {
		uv, set := user[k]
		switch {
		case !set:
			if dm, ok := dv.(map[string]interface{}); ok {
				out[k] = coalesce(map[string]interface{}{}, dm)
			} else {
				out[k] = dv
			}
		case uv == nil:
			delete(out, k)
		default:
			um, uok := uv.(map[string]interface{})
			dm, dok := dv.(map[string]interface{})
			switch {
			case uok && dok:
				out[k] = coalesce(um, dm)
			case uok && dv != nil:
				fmt.Fprintf(os.Stderr, "warning: skipped value for %s: Not a table.\n", k)
			}
		}
	}
	for k, v := range out {
		if v == nil {
			if _, inDefaults := defaults[k]; !inDefaults {
				delete(out, k)
			}
		}
	}
	return out
}

type setKind int

const (
	setTyped setKind = iota
	setString
	setJSON
	setFile
)

// splitUnescaped splits s at sep outside {…} and after no backslash; escapes are kept.
func splitUnescaped(s string, sep rune, braces bool) []string {
	var parts []string
	var cur strings.Builder
	depth := 0
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case r == '\\' && i+1 < len(rs):
			cur.WriteRune(r)
			cur.WriteRune(rs[i+1])
			i++
			continue
		case braces && r == '{':
			depth++
		case braces && r == '}' && depth > 0:
			depth--
		case r == sep && depth == 0:
			parts = append(parts, cur.String())
			cur.Reset()
			continue
		}
		cur.WriteRune(r)
	}
	return append(parts, cur.String())
}

func unescape(s string) string {
	var b strings.Builder
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		if rs[i] == '\\' && i+1 < len(rs) {
			i++
		}
		b.WriteRune(rs[i])
	}
	return b.String()
}

// typedValue is how --set reads a scalar: true, false, null, integers (no leading zero); else a string.
func typedValue(s string) interface{} {
	switch strings.ToLower(s) {
	case "true":
		return true
	case "false":
		return false
	case "null":
		return nil
	}
	if s == "0" {
		return int64(0)
	}
	if len(s) > 1 && s[0] == '0' {
		return s
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n
	}
	return s
}

type pathElem struct {
	key   string
	index []int
}

var indexRe = regexp.MustCompile(`\[(\d+)\]`)

func parseKey(key string) ([]pathElem, error) {
	var out []pathElem
	for _, seg := range splitUnescaped(key, '.', false) {
		e := pathElem{}
		name := seg
		if i := strings.Index(seg, "["); i >= 0 && strings.HasSuffix(seg, "]") {
			name = seg[:i]
			for _, m := range indexRe.FindAllStringSubmatch(seg[i:], -1) {
				n, _ := strconv.Atoi(m[1])
				if n > 65536 {
					return nil, fmt.Errorf("index of %q is too large", key)
				}
				e.index = append(e.index, n)
			}
		}
		e.key = unescape(name)
		if e.key == "" {
			return nil, fmt.Errorf("key %q has an empty segment", key)
		}
		out = append(out, e)
	}
	return out, nil
}

func setIn(m map[string]interface{}, p []pathElem, v interface{}) {
	e := p[0]
	if len(e.index) == 0 {
		if len(p) == 1 {
			m[e.key] = v
			return
		}
		child, ok := m[e.key].(map[string]interface{})
		if !ok {
			child = map[string]interface{}{}
			m[e.key] = child
		}
		setIn(child, p[1:], v)
		return
	}
	list, _ := m[e.key].([]interface{})
	m[e.key] = setInList(list, e.index, p[1:], v)
}

func setInList(list []interface{}, idx []int, rest []pathElem, v interface{}) []interface{} {
	for len(list) <= idx[0] {
		list = append(list, nil)
	}
	switch {
	case len(idx) > 1:
		inner, _ := list[idx[0]].([]interface{})
		list[idx[0]] = setInList(inner, idx[1:], rest, v)
	case len(rest) == 0:
		list[idx[0]] = v
	default:
		child, ok := list[idx[0]].(map[string]interface{})
		if !ok {
			child = map[string]interface{}{}
			list[idx[0]] = child
		}
		setIn(child, rest, v)
	}
	return list
}

func parseSet(arg string, kind setKind, into map[string]interface{}) error {
	pairs := []string{arg}
	if kind == setTyped || kind == setString {
		pairs = splitUnescaped(arg, ',', true)
	}
	for _, pair := range pairs {
		kv := splitUnescaped(pair, '=', false)
		if len(kv) < 2 {
			return fmt.Errorf("failed parsing --set data: key %q has no value", unescape(pair))
		}
		key, raw := kv[0], strings.Join(kv[1:], "=")
		p, err := parseKey(key)
		if err != nil {
			return fmt.Errorf("failed parsing --set data: %w", err)
		}
		var v interface{}
		switch kind {
		case setTyped:
			if strings.HasPrefix(raw, "{") && strings.HasSuffix(raw, "}") {
				list := []interface{}{}
				if inner := raw[1 : len(raw)-1]; inner != "" {
					for _, item := range splitUnescaped(inner, ',', true) {
						list = append(list, typedValue(unescape(item)))
					}
				}
				v = list
			} else {
				v = typedValue(unescape(raw))
			}
		case setString:
			v = unescape(raw)
		case setJSON:
			if err := json.Unmarshal([]byte(raw), &v); err != nil {
				return fmt.Errorf("failed parsing --set-json data %s: %w", pair, err)
			}
		case setFile:
			data, err := os.ReadFile(raw)
			if err != nil {
				return fmt.Errorf("failed parsing --set-file data: %w", err)
			}
			v = string(data)
		}
		setIn(into, p, v)
	}
	return nil
}

// ---------------------------------------------------------------------------------------------------
// Functions

func toYAML(v interface{}) string {
	data, err := yaml.Marshal(v)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(string(data), "\n")
}

func fromYAML(s string) map[string]interface{} {
	m := map[string]interface{}{}
	if err := yaml.Unmarshal([]byte(s), &m); err != nil {
		m["Error"] = err.Error()
	}
	return m
}

func fromYAMLArray(s string) []interface{} {
	a := []interface{}{}
	if err := yaml.Unmarshal([]byte(s), &a); err != nil {
		a = []interface{}{err.Error()}
	}
	return a
}

func toJSON(v interface{}) string {
	data, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(data)
}

func fromJSON(s string) map[string]interface{} {
	m := map[string]interface{}{}
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		m["Error"] = err.Error()
	}
	return m
}

func fromJSONArray(s string) []interface{} {
	a := []interface{}{}
	if err := json.Unmarshal([]byte(s), &a); err != nil {
		a = []interface{}{err.Error()}
	}
	return a
}

// Helm marks the messages of fail and required so that its error report can show them alone.
const (
	errStart = "HELM_ERR_START"
	errEnd   = "HELM_ERR_END"
)

var errRe = regexp.MustCompile(errStart + `((?s).*)` + errEnd)

const recursionMax = 1000

type engine struct {
	included map[string]int
}

func (e *engine) funcs(t *template.Template) template.FuncMap {
	f := sprig.TxtFuncMap()
	delete(f, "env")
	delete(f, "expandenv")
	extra := template.FuncMap{
		"toYaml":        toYAML,
		"fromYaml":      fromYAML,
		"fromYamlArray": fromYAMLArray,
		"toJson":        toJSON,
		"fromJson":      fromJSON,
		"fromJsonArray": fromJSONArray,
		"lookup": func(apiVersion, kind, namespace, name string) (map[string]interface{}, error) {
			return map[string]interface{}{}, nil
		},
		"getHostByName": func(string) string { return "" },
		"required": func(msg string, v interface{}) (interface{}, error) {
			if v == nil {
				return v, errors.New(errStart + msg + errEnd)
			}
			if s, ok := v.(string); ok && s == "" {
				return v, errors.New(errStart + msg + errEnd)
			}
			return v, nil
		},
		"fail":    func(msg string) (string, error) { return "", errors.New(errStart + msg + errEnd) },
		"include": e.include(t),
		"tpl":     e.tpl(t),
	}
	for k, v := range extra {
		f[k] = v
	}
	return f
}

func (e *engine) include(t *template.Template) func(string, interface{}) (string, error) {
	return func(name string, data interface{}) (string, error) {
		if e.included[name] > recursionMax {
			return "", fmt.Errorf("rendering template has a nested reference name: %s: unable to execute template", name)
		}
		e.included[name]++
		defer func() { e.included[name]-- }()
		var buf strings.Builder
		err := t.ExecuteTemplate(&buf, name, data)
		return buf.String(), err
	}
}

func (e *engine) tpl(parent *template.Template) func(string, interface{}) (string, error) {
	return func(text string, data interface{}) (string, error) {
		t, err := parent.Clone()
		if err != nil {
			return "", fmt.Errorf("cannot clone template: %w", err)
		}
		t.Option("missingkey=zero")
		t.Funcs(template.FuncMap{"include": e.include(t), "tpl": e.tpl(t)})
		name := "gotpl"
		if m, ok := data.(map[string]interface{}); ok {
			if tm, ok := m["Template"].(map[string]interface{}); ok {
				if n, ok := tm["Name"].(string); ok {
					name = n
				}
			}
		}
		nt, err := t.New(name).Parse(text)
		if err != nil {
			return "", fmt.Errorf("cannot parse template %q: %w", text, err)
		}
		var buf strings.Builder
		if err := nt.Execute(&buf, data); err != nil {
			return "", fmt.Errorf("error during tpl function execution for %q: %w", text, err)
		}
		return strings.ReplaceAll(buf.String(), "<no value>", ""), nil
	}
}

// Helm's parse order: deeper paths first, then reverse lexical order (later parses win a define).
func parseOrder(names []string) []string {
	out := append([]string(nil), names...)
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		ca, cb := strings.Count(a, "/"), strings.Count(b, "/")
		if ca != cb {
			return ca > cb
		}
		return a > b
	})
	return out
}

func cleanParseError(err error) error {
	tokens := strings.Split(err.Error(), ": ")
	if len(tokens) == 1 {
		return fmt.Errorf("parse error: %s", err)
	}
	return fmt.Errorf("parse error at (%s): %s", tokens[1], tokens[len(tokens)-1])
}

func cleanExecError(name string, err error) error {
	var ee template.ExecError
	if !errors.As(err, &ee) {
		return err
	}
	tokens := strings.SplitN(err.Error(), ": ", 3)
	if len(tokens) != 3 {
		return fmt.Errorf("execution error in (%s): %s", name, err)
	}
	if m := errRe.FindStringSubmatch(tokens[2]); len(m) >= 2 {
		return fmt.Errorf("execution error at (%s): %s", tokens[1], m[1])
	}
	return err
}

// render executes every template of the chart and returns the output of each, by template name.
func render(c *chart, top map[string]interface{}) (map[string]string, error) {
	e := &engine{included: map[string]int{}}
	root := template.New("gotpl")
	root.Option("missingkey=zero")
	root.Funcs(e.funcs(root))
	byName := map[string]file{}
	var names []string
	for _, f := range c.templates {
		n := path.Join(c.meta.Name, f.name)
		byName[n] = f
		names = append(names, n)
	}
	order := parseOrder(names)
	for _, n := range order {
		if _, err := root.New(n).Parse(string(byName[n].data)); err != nil {
			return nil, cleanParseError(err)
		}
	}
	out := map[string]string{}
	for _, n := range order {
		if strings.HasPrefix(path.Base(n), "_") {
			continue
		}
		vals := make(map[string]interface{}, len(top)+1)
		for k, v := range top {
			vals[k] = v
		}
		vals["Template"] = map[string]interface{}{"Name": n, "BasePath": path.Join(c.meta.Name, "templates")}
		var buf strings.Builder
		if err := root.ExecuteTemplate(&buf, n, vals); err != nil {
			return nil, cleanExecError(n, err)
		}
		out[n] = strings.ReplaceAll(buf.String(), "<no value>", "")
	}
	return out, nil
}

// ---------------------------------------------------------------------------------------------------
// Manifests

var installOrder = []string{
	"PriorityClass", "Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange", "PodSecurityPolicy",
	"PodDisruptionBudget", "ServiceAccount", "Secret", "SecretList", "ConfigMap", "StorageClass",
	"PersistentVolume", "PersistentVolumeClaim", "CustomResourceDefinition", "ClusterRole",
	"ClusterRoleList", "ClusterRoleBinding", "ClusterRoleBindingList", "Role", "RoleList", "RoleBinding",
	"RoleBindingList", "Service", "DaemonSet", "Pod", "ReplicationController", "ReplicaSet", "Deployment",
	"HorizontalPodAutoscaler", "StatefulSet", "Job", "CronJob", "IngressClass", "Ingress", "APIService",
}

var hookEvents = map[string]bool{
	"pre-install": true, "post-install": true, "pre-delete": true, "post-delete": true, "pre-upgrade": true,
	"post-upgrade": true, "pre-rollback": true, "post-rollback": true, "test": true, "test-success": true,
}

type head struct {
	Version  string `json:"apiVersion"`
	Kind     string `json:"kind,omitempty"`
	Metadata *struct {
		Name        string            `json:"name"`
		Annotations map[string]string `json:"annotations"`
	} `json:"metadata,omitempty"`
}

type manifest struct {
	name    string
	content string
	kind    string
	weight  int
}

var docSep = regexp.MustCompile(`(?:^|\s*\n)---\s*`)

func sortByKind(ms []manifest) {
	rank := map[string]int{}
	for i, k := range installOrder {
		rank[k] = i
	}
	sort.SliceStable(ms, func(i, j int) bool {
		a, aok := rank[ms[i].kind]
		b, bok := rank[ms[j].kind]
		switch {
		case !aok && !bok:
			return ms[i].kind < ms[j].kind
		case !aok:
			return false
		case !bok:
			return true
		}
		return a < b
	})
}

// sortManifests splits the rendered files into documents, as Helm does: files in path order, documents
// in file order, then a stable sort by kind; hooks apart.
func sortManifests(rendered map[string]string) (generic, hooks []manifest, err error) {
	var names []string
	for n := range rendered {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		content := rendered[n]
		if strings.HasPrefix(path.Base(n), "_") || strings.HasSuffix(n, "NOTES.txt") || strings.TrimSpace(content) == "" {
			continue
		}
		for _, doc := range docSep.Split(strings.TrimSpace(content), -1) {
			doc = strings.TrimSpace(doc)
			if doc == "" {
				continue
			}
			var h head
			if err := yaml.Unmarshal([]byte(doc), &h); err != nil {
				return nil, nil, fmt.Errorf("YAML parse error on %s: %w", n, err)
			}
			m := manifest{name: n, content: doc, kind: h.Kind}
			hookAnn := ""
			if h.Metadata != nil {
				hookAnn = h.Metadata.Annotations["helm.sh/hook"]
			}
			if hookAnn == "" {
				generic = append(generic, m)
				continue
			}
			known := true
			for _, ev := range strings.Split(hookAnn, ",") {
				if !hookEvents[strings.ToLower(strings.TrimSpace(ev))] {
					known = false
				}
			}
			if !known {
				fmt.Fprintf(os.Stderr, "info: skipping unknown hook: %q\n", hookAnn)
				continue
			}
			m.weight, _ = strconv.Atoi(h.Metadata.Annotations["helm.sh/hook-weight"])
			hooks = append(hooks, m)
		}
	}
	sortByKind(generic)
	sortByKind(hooks)
	sort.SliceStable(hooks, func(i, j int) bool { return hooks[i].weight < hooks[j].weight })
	return generic, hooks, nil
}

// ---------------------------------------------------------------------------------------------------
// Command line

type setArg struct {
	kind setKind
	arg  string
}

type options struct {
	chartDir    string
	release     string
	namespace   string
	valueFiles  []string
	sets        []setArg
	includeCRDs bool
	kubeVersion string
	apiVersions []string
	showOnly    []string
	noHooks     bool
	isUpgrade   bool
}

const usage = `usage: helm-template [NAME] CHART_DIR [-n NAMESPACE] [--name NAME] [-f VALUES]... [--set K=V]...
       [--set-string K=V]... [--set-json K=JSON]... [--set-file K=FILE]... [--include-crds]
       [--kube-version V] [-a GROUP/VERSION]... [-s templates/FILE]... [--no-hooks] [--is-upgrade]
`

func parseArgs(args []string) (*options, error) {
	o := &options{namespace: "default", kubeVersion: "v1.31.0"}
	var positional []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		name, val, hasVal := a, "", false
		if strings.HasPrefix(a, "--") {
			if j := strings.Index(a, "="); j > 0 {
				name, val, hasVal = a[:j], a[j+1:], true
			}
		}
		value := func() (string, error) {
			if hasVal {
				return val, nil
			}
			if i+1 >= len(args) {
				return "", fmt.Errorf("flag needs an argument: %s", a)
			}
			i++
			return args[i], nil
		}
		var err error
		var v string
		switch name {
		case "-h", "--help":
			fmt.Print(usage)
			os.Exit(0)
		case "-n", "--namespace":
			o.namespace, err = value()
		case "--name", "--release-name":
			o.release, err = value()
		case "-f", "--values":
			v, err = value()
			o.valueFiles = append(o.valueFiles, splitUnescaped(v, ',', false)...)
		case "--set", "--set-string", "--set-json", "--set-file":
			v, err = value()
			kind := map[string]setKind{"--set": setTyped, "--set-string": setString, "--set-json": setJSON, "--set-file": setFile}[name]
			o.sets = append(o.sets, setArg{kind, v})
		case "--include-crds":
			o.includeCRDs = true
		case "--skip-crds":
			o.includeCRDs = false
		case "--kube-version":
			o.kubeVersion, err = value()
		case "-a", "--api-versions":
			v, err = value()
			o.apiVersions = append(o.apiVersions, strings.Split(v, ",")...)
		case "-s", "--show-only":
			v, err = value()
			o.showOnly = append(o.showOnly, v)
		case "--no-hooks":
			o.noHooks = true
		case "--is-upgrade":
			o.isUpgrade = true
		default:
			if strings.HasPrefix(a, "-") && a != "-" {
				return nil, fmt.Errorf("unknown flag: %s", a)
			}
			positional = append(positional, a)
		}
		if err != nil {
			return nil, err
		}
	}
	switch len(positional) {
	case 1:
		o.chartDir = positional[0]
	case 2:
		if o.release != "" {
			return nil, errors.New("the release name is given twice (NAME and --name)")
		}
		o.release, o.chartDir = positional[0], positional[1]
	default:
		return nil, fmt.Errorf("expected [NAME] CHART_DIR, got %d arguments", len(positional))
	}
	if o.release == "" {
		o.release = "release-name"
	}
	return o, nil
}

var releaseNameRe = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)

func run(o *options, stdout io.Writer) error {
	if len(o.release) > 53 || !releaseNameRe.MatchString(o.release) {
		return fmt.Errorf("release name %q: invalid release name, must match regex %s and the length must not be longer than 53", o.release, releaseNameRe)
	}
	c, err := loadChart(o.chartDir)
	if err != nil {
		return err
	}
	user := map[string]interface{}{}
	for _, f := range o.valueFiles {
		var data []byte
		if f == "-" {
			data, err = io.ReadAll(os.Stdin)
		} else {
			data, err = os.ReadFile(f)
		}
		if err != nil {
			return err
		}
		m := map[string]interface{}{}
		if err := yaml.Unmarshal(data, &m); err != nil {
			return fmt.Errorf("failed to parse %s: %w", f, err)
		}
		user = mergeMaps(user, m)
	}
	for _, s := range o.sets {
		if err := parseSet(s.arg, s.kind, user); err != nil {
			return err
		}
	}
	values := coalesce(user, c.values)

	kv, err := parseKubeVersion(o.kubeVersion)
	if err != nil {
		return err
	}
	if c.meta.KubeVersion != "" {
		constraint, err := semver.NewConstraint(c.meta.KubeVersion)
		if err != nil {
			return fmt.Errorf("invalid kubeVersion %q in Chart.yaml: %w", c.meta.KubeVersion, err)
		}
		if !constraint.Check(semver.MustParse(kv.Version)) {
			return fmt.Errorf("chart requires kubeVersion: %s which is incompatible with Kubernetes %s", c.meta.KubeVersion, kv.Version)
		}
	}
	caps := &Capabilities{
		APIVersions: append(append(VersionSet{}, defaultAPIVersions...), o.apiVersions...),
		KubeVersion: kv,
		HelmVersion: HelmVersion{Version: "v3.16.0", GoVersion: runtime.Version()},
	}
	top := map[string]interface{}{
		"Values": values,
		"Release": map[string]interface{}{
			"Name": o.release, "Namespace": o.namespace, "Service": "Helm",
			"IsInstall": !o.isUpgrade, "IsUpgrade": o.isUpgrade, "Revision": 1,
		},
		"Chart":        c.meta,
		"Capabilities": caps,
		"Files":        c.files,
	}
	rendered, err := render(c, top)
	if err != nil {
		return err
	}
	generic, hooks, err := sortManifests(rendered)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if o.includeCRDs && len(o.showOnly) == 0 {
		for _, f := range c.crds {
			fmt.Fprintf(&b, "---\n# Source: %s\n%s\n", path.Join(c.meta.Name, f.name), f.data)
		}
	}
	shown := func(m manifest) bool {
		if len(o.showOnly) == 0 {
			return true
		}
		for _, s := range o.showOnly {
			if path.Join(c.meta.Name, filepath.ToSlash(s)) == m.name {
				return true
			}
		}
		return false
	}
	all := generic
	if !o.noHooks {
		all = append(all, hooks...)
	}
	matched := false
	for _, m := range all {
		if shown(m) {
			matched = true
			fmt.Fprintf(&b, "---\n# Source: %s\n%s\n", m.name, m.content)
		}
	}
	if len(o.showOnly) > 0 && !matched {
		return fmt.Errorf("could not find template %s in chart", strings.Join(o.showOnly, ", "))
	}
	_, err = stdout.Write(b.Bytes())
	return err
}

func main() {
	o, err := parseArgs(os.Args[1:])
	if err != nil {
		fmt.Fprintf(os.Stderr, "Error: %s\n%s", err, usage)
		os.Exit(2)
	}
	if err := run(o, os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "Error: %s\n", err)
		os.Exit(1)
	}
}
