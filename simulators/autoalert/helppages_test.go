package autoalert_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mockauth/mockauth/simulators/autoalert"
	"github.com/mockauth/mockauth/simulators/clock"
	"github.com/mockauth/mockauth/simulators/vendortest"
)

// helpSample reads a sample of the help pages (testdata/help), "" when the
// pages show none.
func helpSample(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "help", name))
	if errors.Is(err, os.ErrNotExist) {
		return ""
	}
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// jsonShape is a JSON document with every scalar replaced by V and each
// array by its first item: its keys, their order and its nesting, values
// (and list lengths) aside.
func jsonShape(t *testing.T, body string) string {
	t.Helper()
	var b strings.Builder
	if err := shapeOf(json.NewDecoder(strings.NewReader(body)), &b); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, body)
	}
	return b.String()
}

func shapeOf(dec *json.Decoder, b *strings.Builder) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch tok {
	case json.Delim('{'):
		b.WriteString("{")
		for dec.More() {
			key, err := dec.Token()
			if err != nil {
				return err
			}
			fmt.Fprintf(b, "%q:", key)
			if err := shapeOf(dec, b); err != nil {
				return err
			}
			b.WriteString(",")
		}
		_, err = dec.Token()
		b.WriteString("}")
		return err
	case json.Delim('['):
		b.WriteString("[")
		for i := 0; dec.More(); i++ {
			into := b
			if i > 0 {
				into = &strings.Builder{} // later items: same shape, not compared
			}
			if err := shapeOf(dec, into); err != nil {
				return err
			}
		}
		_, err = dec.Token()
		b.WriteString("]")
		return err
	}
	b.WriteString("V")
	return nil
}

// xmlShape is an XML document's elements with their namespaces, in order,
// every text (or i:nil) replaced by V.
func xmlShape(t *testing.T, body string) string {
	t.Helper()
	dec := xml.NewDecoder(strings.NewReader(body))
	var b strings.Builder
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return b.String()
		}
		if err != nil {
			t.Fatalf("not XML: %v\n%s", err, body)
		}
		switch v := tok.(type) {
		case xml.StartElement:
			b.WriteString("<{" + v.Name.Space + "}" + v.Name.Local + ">")
			for _, a := range v.Attr {
				if a.Name.Local == "nil" && a.Value == "true" {
					b.WriteString("V")
				}
			}
		case xml.EndElement:
			b.WriteString("</>")
		case xml.CharData:
			if len(bytes.TrimSpace(v)) > 0 {
				b.WriteString("V")
			}
		}
	}
}

var sampleGUID = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

// TestHelpPages_EverySampleRequestIsAnswered sends every JSON and XML
// request sample of the help pages, as the pages write them (a live token
// and the demo login in place of the sample values), without Accept: each
// is answered 200, in its own format, in the shape of the page's answer
// sample.
func TestHelpPages_EverySampleRequestIsAnswered(t *testing.T) {
	methods := []struct {
		name, path string
		sub        *strings.Replacer // sample values -> the demo's
		token      bool              // the sample's GUID is a live token
	}{
		{autoalert.Authenticate, autoalert.PathAuthenticate, strings.NewReplacer("sample string 1", "demo", "sample string 2", "demo"), false},
		{autoalert.Autologin, autoalert.PathAutologin, strings.NewReplacer("sample string 1", "0f8fad5b-d9cb-469f-a165-70867728950e"), false},
		{autoalert.RenewToken, autoalert.PathRenewToken, strings.NewReplacer(), true},
		{autoalert.Logoff, autoalert.PathLogoff, strings.NewReplacer(), true},
		{autoalert.GetEntities, autoalert.PathGetEntities, strings.NewReplacer("sample string 1", ""), true},
		{autoalert.GetNotOwned, autoalert.PathGetNotOwned, strings.NewReplacer(), true},
	}
	for _, m := range methods {
		for _, f := range []struct{ ext, contentType, wantType string }{
			{"json", "application/json", "application/json; charset=utf-8"},
			{"xml", "application/xml", "application/xml; charset=utf-8"},
		} {
			t.Run(m.name+" "+f.ext, func(t *testing.T) {
				h := newHarness(t)
				body := m.sub.Replace(helpSample(t, m.name+".request."+f.ext))
				if body == "" {
					t.Fatal("no request sample")
				}
				if m.token {
					body = sampleGUID.ReplaceAllString(body, h.login())
				}
				a := h.post(m.path, f.contentType, "", body)
				if a.Status != 200 || a.Header.Get("Content-Type") != f.wantType {
					t.Fatalf("%s sample: %d %s\n%s", f.ext, a.Status, a.Header.Get("Content-Type"), a.Body)
				}
				for name, want := range map[string]string{"Cache-Control": "no-cache", "Pragma": "no-cache", "Expires": "-1"} {
					if got := a.Header.Get(name); got != want {
						t.Errorf("%s: %q, want %q", name, got, want)
					}
				}
				sample := helpSample(t, m.name+".response."+f.ext)
				switch {
				case sample == "" && f.ext == "json" && m.name == autoalert.GetEntities:
					// Only the head of the page's sample is stored: the
					// members of the list and of its first Entity, in order.
					keys := regexp.MustCompile(`"(\w+)":`)
					head := helpSample(t, "getentities.response-head.json")
					want := keys.FindAllString(head, -1)
					got := keys.FindAllString(a.Body, len(want))
					if strings.Join(got, "") != strings.Join(want, "") {
						t.Errorf("members\n%v\nwant the page's\n%v", got, want)
					}
				case sample == "":
					// The page's XML answer is not stored: the contract's
					// check of every answer stands in.
				case f.ext == "json":
					if got, want := jsonShape(t, a.Body), jsonShape(t, sample); got != want {
						t.Errorf("answer\n%s\nshape\n%s\nwant the page's\n%s", a.Body, got, want)
					}
				default:
					if got, want := xmlShape(t, a.Body), xmlShape(t, sample); got != want {
						t.Errorf("answer\n%s\nshape\n%s\nwant the page's\n%s", a.Body, got, want)
					}
				}
			})
		}
	}
}

// TestBytes_AsDotNetWritesThem: dates with .NET's FFFFFFF fraction (Z for
// timezone UTC), null members as XmlWriter closes them, quotes literal.
func TestBytes_AsDotNetWritesThem(t *testing.T) {
	la := autoalert.New(autoalert.Options{})
	at := time.Date(2025, 11, 8, 16, 36, 34, 104495000, time.UTC)
	for _, tc := range []struct {
		t    time.Time
		want string
	}{
		{at, "2025-11-08T08:36:34.104495-08:00"},
		{at.Add(2700), "2025-11-08T08:36:34.1044977-08:00"},
		{at.Truncate(time.Second), "2025-11-08T08:36:34-08:00"},
		{at.AddDate(0, 5, 0), "2026-04-08T09:36:34.104495-07:00"},
	} {
		if got := la.Expiration(tc.t); got != tc.want {
			t.Errorf("Expiration(%s) = %s, want %s", tc.t, got, tc.want)
		}
	}
	fx := autoalert.DefaultFixtures()
	utc, err := autoalert.ParseFixtures("a.yaml", []byte("settings:\n  timezone: UTC\nusers:\n  u: {userID: 1, password: p}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := autoalert.New(autoalert.Options{Fixtures: &utc}).Expiration(at); got != "2025-11-08T16:36:34.104495Z" {
		t.Errorf("timezone UTC: %s", got)
	}
	h := &harness{Harness: vendortest.New(t, autoalert.Spec, autoalert.New(autoalert.Options{Fixtures: &fx})), t: t, clock: clock.NewSimulated()}
	a := h.post(autoalert.PathAuthenticate, "application/json", "application/xml", `{"userName":"demo","password":"it's wrong"}`)
	if want := `<error xmlns="http://schemas.datacontract.org/2004/07/AutoAlert.API">Invalid user name or password.</error>`; !strings.Contains(a.Body, want) {
		t.Errorf("XML error member: %s", a.Body)
	}
	a = h.post(autoalert.PathGetEntities, "application/json", "application/xml", `{"token":"11111111-2222-3333-4444-555555555555"}`)
	if want := `<EntitiesList xmlns:i="http://www.w3.org/2001/XMLSchema-instance" xmlns="http://schemas.datacontract.org/2004/07/AutoAlert.API.Models.Search"><APIVersion xmlns="http://schemas.datacontract.org/2004/07/AutoAlert.API">1</APIVersion><error xmlns="http://schemas.datacontract.org/2004/07/AutoAlert.API">Invalid or expired token.</error><Entities i:nil="true" /></EntitiesList>`; a.Status != 401 || a.Body != want {
		t.Errorf("getentities, stale token: %d\n%s\nwant\n%s", a.Status, a.Body, want)
	}
	a = h.post(autoalert.PathAuthenticate, "application/json", "application/xml", `{"userName":"demo","password":"demo"}`)
	if !strings.Contains(a.Body, `<error i:nil="true" xmlns="http://schemas.datacontract.org/2004/07/AutoAlert.API" />`) {
		t.Errorf("null member: %s", a.Body)
	}
}

// TestFailures_InBody: the fixture setting failures: in-body answers HTTP
// 200 with the status in code; 415 stays Web API's own.
func TestFailures_InBody(t *testing.T) {
	fx, err := autoalert.ParseFixtures("a.yaml", []byte("settings:\n  failures: in-body\nusers:\n  demo: {userID: 1, password: demo}\n"))
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{Harness: vendortest.New(t, autoalert.Spec, autoalert.New(autoalert.Options{Fixtures: &fx})), t: t, clock: clock.NewSimulated()}
	a := h.post(autoalert.PathAuthenticate, "application/json", "", `{"userName":"demo","password":"x"}`)
	if a.Status != 200 || a.Body != `{"UserID":0,"IsEmployee":false,"expirationDateUtc":"0001-01-01T00:00:00","APIVersion":4,"token":"00000000-0000-0000-0000-000000000000","code":401,"error":"Invalid user name or password."}` {
		t.Errorf("wrong password, in-body: %d %s", a.Status, a.Body)
	}
	if !autoalert.Spec.IsError(autoalert.Authenticate, a.Status, []byte(a.Body)) {
		t.Error("the in-body failure is not judged an error")
	}
	x := h.post(autoalert.PathLogoff, "application/json", "application/xml", `{"token":"11111111-2222-3333-4444-555555555555"}`)
	if x.Status != 200 || !autoalert.Spec.IsError(autoalert.Logoff, x.Status, []byte(x.Body)) {
		t.Errorf("stale logoff in XML, in-body: %d %s (judged an error: %t)", x.Status, x.Body, autoalert.Spec.IsError(autoalert.Logoff, x.Status, []byte(x.Body)))
	}
	if a := h.post(autoalert.PathAuthenticate, "text/plain", "", "x"); a.Status != 415 {
		t.Errorf("415 under in-body: %d", a.Status)
	}
	if a := h.post(autoalert.PathAuthenticate, "application/json", "", `{"userName":"demo","password":"demo"}`); autoalert.Spec.IsError(autoalert.Authenticate, a.Status, []byte(a.Body)) {
		t.Errorf("a login judged an error: %s", a.Body)
	}
}
