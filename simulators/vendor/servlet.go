package vendor

import (
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
)

// ServletErrors is how a Java vendor's servlet container answers a request
// its JAX-RS application has no resource method for. uContact and CRM.COM
// publish nothing on it; the reading (the default, "tomcat") is Jersey on
// Apache Tomcat: Jersey calls sendError(status, reason) and Tomcat's
// ErrorReportValve writes its HTML report, server version hidden.
type ServletErrors string

// The known variants, selected by a fixture setting (errorPages).
const (
	// ServletTomcat is Tomcat's HTML error report (the default).
	ServletTomcat ServletErrors = "tomcat"
	// ServletEmpty is the status alone with an empty body: Jersey with
	// jersey.config.server.response.setStatusOverSendError, or a proxy
	// that strips error pages.
	ServletEmpty ServletErrors = "empty"
)

// CheckServletErrors validates a fixture's errorPages setting; "" is the
// default.
func CheckServletErrors(s ServletErrors) (ServletErrors, error) {
	switch s {
	case "":
		return ServletTomcat, nil
	case ServletTomcat, ServletEmpty:
		return s, nil
	}
	return "", fmt.Errorf("errorPages must be %q or %q, not %q", ServletTomcat, ServletEmpty, s)
}

// tomcatCSS is the style sheet Tomcat 9 inlines in every error report.
const tomcatCSS = `body {font-family:Tahoma,Arial,sans-serif;} h1, h2, h3, b {color:white;background-color:#525D76;} h1 {font-size:22px;} h2 {font-size:16px;} h3 {font-size:14px;} p {font-size:12px;} a {color:black;} .line {height:1px;background-color:#525D76;border:none;}`

// tomcatDescriptions are the report's Description lines (Tomcat 9's
// LocalStrings for the statuses a JAX-RS application's routing sends).
var tomcatDescriptions = map[int]string{
	http.StatusNotFound:         "The origin server did not find a current representation for the target resource or is not willing to disclose that one exists.",
	http.StatusMethodNotAllowed: "The method received in the request-line is known by the origin server but not supported by the target resource.",
}

// JAXRS answers what a JAX-RS application deployed under root (the
// application's context and servlet path, e.g. "/Integra/resources")
// answers a request no documented endpoint takes: 405 with Allow when
// the path is an endpoint's, 404 otherwise. Under root Jersey answers
// (reason phrase as the message); elsewhere Tomcat's default servlet
// does ("The requested resource [...] is not available").
//
// OPTIONS on a path that has resources is Jersey's own answer (JAX-RS
// runtimes support OPTIONS and HEAD by default): 200, Allow listing
// OPTIONS, the path's methods and HEAD where GET is one, and the
// resource's WADL (a captured Jersey OPTIONS: 200 OK, Allow:
// OPTIONS,POST,GET,HEAD, Content-Type: application/vnd.sun.wadl+xml; the
// document itself is a reading: the resource and its methods). A stub's
// path counts as the application's (AlsoAllowed).
func (s ServletErrors) JAXRS(root string, endpoints []Endpoint) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		allow := AlsoAllowed(r.Context(), allowed(endpoints, r.URL.Path))
		if r.Method == http.MethodOptions && len(allow) > 0 {
			jerseyOptions(w, r, root, allow)
			return
		}
		status := http.StatusNotFound
		switch {
		case len(allow) > 0:
			status = http.StatusMethodNotAllowed
			w.Header().Set("Allow", strings.Join(allow, ","))
		case !strings.HasPrefix(r.URL.Path, root+"/"):
			s.write(w, status, fmt.Sprintf("The requested resource [%s] is not available", r.URL.EscapedPath()))
			return
		}
		s.write(w, status, http.StatusText(status))
	})
}

// xmlText escapes text for an XML attribute.
var xmlText = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&apos;").Replace

// jerseyOptions is Jersey's automatic answer to OPTIONS on a resource.
func jerseyOptions(w http.ResponseWriter, r *http.Request, root string, methods []string) {
	allow := append([]string{http.MethodOptions}, methods...)
	if slices.Contains(methods, http.MethodGet) {
		allow = append(allow, http.MethodHead)
	}
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n")
	base, path := "/", strings.TrimPrefix(r.URL.Path, "/")
	if rest, ok := strings.CutPrefix(r.URL.Path, root+"/"); ok {
		base, path = root+"/", rest
	}
	fmt.Fprintf(&b, `<application xmlns="http://wadl.dev.java.net/2009/02"><doc xmlns:jersey="http://jersey.java.net/" jersey:generatedBy="Jersey: 2.25.1"/><grammars/><resources base="http://%s%s"><resource path="%s">`,
		xmlText(r.Host), xmlText(base), xmlText(path))
	for _, m := range methods {
		fmt.Fprintf(&b, `<method name="%s"/>`, m)
	}
	b.WriteString(`</resource></resources></application>`)
	w.Header().Set("Allow", strings.Join(allow, ","))
	w.Header().Set("Content-Type", "application/vnd.sun.wadl+xml")
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, b.String())
}

func (s ServletErrors) write(w http.ResponseWriter, status int, message string) {
	if s == ServletEmpty {
		w.WriteHeader(status)
		return
	}
	title := fmt.Sprintf("HTTP Status %d – %s", status, http.StatusText(status))
	w.Header().Set("Content-Type", "text/html;charset=utf-8")
	w.Header().Set("Content-Language", "en")
	w.WriteHeader(status)
	_, _ = fmt.Fprintf(w, `<!doctype html><html lang="en"><head><title>%s</title><style type="text/css">%s</style></head><body><h1>%s</h1><hr class="line" /><p><b>Type</b> Status Report</p><p><b>Message</b> %s</p><p><b>Description</b> %s</p><hr class="line" /></body></html>`,
		title, tomcatCSS, title, escapeTomcat(message), tomcatDescriptions[status])
}

// escapeTomcat escapes text as Tomcat's Escape.htmlElementContent does:
// the five XML specials and the slash.
var escapeTomcat = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#39;", "/", "&#47;").Replace

// allowed returns the methods documented for path, in the endpoints'
// order: what a 405's Allow header lists. None: the path is unknown.
func allowed(endpoints []Endpoint, path string) []string {
	var out []string
	for _, e := range endpoints {
		if e.Path == path && !slices.Contains(out, e.Method) {
			out = append(out, e.Method)
		}
	}
	return out
}
