package simulators_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/mockauth/mockauth/contracts"
	"github.com/mockauth/mockauth/simulators"
	"github.com/mockauth/mockauth/simulators/exotel"
	"github.com/mockauth/mockauth/simulators/journal"
)

// call is one request of a coverage recipe.
type call struct{ method, path, contentType, body string }

// recipes produce each documented response of each contract: key
// "vendor operationId status", value the requests whose last one answers it.
// A recipe may read the answers before it (tokens) through prev.
type recipe func(prev func(vendor string, c call) reply) call

func token(re string, body string) string {
	m := regexp.MustCompile(re).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return m[1]
}

var (
	ucLogin  = call{"POST", "/Integra/resources/auth/getUserToken", formCT, "user=demo&password=demo"}
	crmLogin = call{"POST", "/crmapi/rest/v2/authentication/token", "application/json", `{"username":"mpadministrator","password":"1234","organisation":"CRMDEMO"}`}
	aaLogin  = call{"POST", "/User/authenticate", "application/json", `{"userName":"demo","password":"demo"}`}
	aaSecure = call{"POST", "/User/authenticate", "application/json", `{"userName":"secure","password":"secure-pass","code":"424242"}`}
	exBody   = `{"username":"customer_manager","password":"customer_manager@123","context":"ContactCenter","contextId":"1","userRole":"Administrator"}`
	ucToken  = func(prev func(string, call) reply) string { return token(`^"(.+)"$`, prev("ucontact", ucLogin).body) }
	crmToken = func(prev func(string, call) reply) string {
		return token(`"token":"([^"]+)"`, prev("crmcom", crmLogin).body)
	}
	aaToken = func(prev func(string, call) reply, c call) string {
		return token(`"token":"([^"]+)"`, prev("autoalert", c).body)
	}
	withAgent = func(tok string) string { return "Authorization: Basic " + tok }
)

var coverage = map[string]recipe{
	"ucontact getUserToken 200": func(func(string, call) reply) call { return ucLogin },
	"ucontact AgentLogin 200": func(func(string, call) reply) call {
		return call{"POST", "/Integra/resources/auth/AgentLogin", formCT, "agent=1997&password=1997"}
	},
	"ucontact UserLogin 200": func(func(string, call) reply) call {
		return call{"POST", "/Integra/resources/auth/UserLogin", formCT, "user=demo&password=demo"}
	},
	"ucontact EndSession 200": func(prev func(string, call) reply) call {
		return call{"POST", "/Integra/resources/auth/EndSession", formCT, "user=demo&token=" + encodeForm(ucToken(prev))}
	},
	"ucontact EndSession 401": func(func(string, call) reply) call {
		return call{"POST", "/Integra/resources/auth/EndSession", formCT, "user=demo&token=nope"}
	},
	"ucontact AgentLogoff 200": func(prev func(string, call) reply) call {
		return call{"POST", "/Integra/resources/api/AgentLogoff", formCT + "\n" + withAgent(ucToken(prev)), "agent=1997"}
	},
	"ucontact AgentLogoff 401": func(func(string, call) reply) call {
		return call{"POST", "/Integra/resources/api/AgentLogoff", formCT + "\nAuthorization: Basic bm9wZTpub3Bl", "agent=1997"}
	},
	"crmcom token 200": func(func(string, call) reply) call { return crmLogin },
	"crmcom token 400": func(func(string, call) reply) call {
		return call{"POST", "/crmapi/rest/v2/authentication/token", "application/json", `{"username":`}
	},
	"crmcom release 200": func(prev func(string, call) reply) call {
		return call{"POST", "/crmapi/rest/v2/authentication/token/release", "application/json", `{"token":"` + crmToken(prev) + `"}`}
	},
	"crmcom release 400": func(func(string, call) reply) call {
		return call{"POST", "/crmapi/rest/v2/authentication/token/release", "application/json", `nope`}
	},
	"crmcom show 200": func(prev func(string, call) reply) call {
		return call{"GET", "/crmapi/rest/v2/contact_information/show?contact_information_identifier=number=CI000111&token=" + crmToken(prev), "", ""}
	},
	"autoalert authenticate 200": func(func(string, call) reply) call { return aaLogin },
	"autoalert authenticate 400": func(func(string, call) reply) call {
		return call{"POST", "/User/authenticate", "application/json", `{"userName":"demo"}`}
	},
	"autoalert authenticate 401": func(func(string, call) reply) call {
		return call{"POST", "/User/authenticate", "application/json", `{"userName":"demo","password":"x"}`}
	},
	"autoalert authenticate 403": func(func(string, call) reply) call {
		return call{"POST", "/User/authenticate", "application/json", `{"userName":"secure","password":"secure-pass"}`}
	},
	"autoalert authenticate 415": func(func(string, call) reply) call {
		return call{"POST", "/User/authenticate", "text/plain", `userName=demo`}
	},
	"autoalert autologin 200": func(func(string, call) reply) call {
		return call{"POST", "/User/autologin", "application/json", `{"token":"0f8fad5b-d9cb-469f-a165-70867728950e"}`}
	},
	"autoalert autologin 400": func(func(string, call) reply) call {
		return call{"POST", "/User/autologin", "application/json", `{}`}
	},
	"autoalert autologin 401": func(func(string, call) reply) call {
		return call{"POST", "/User/autologin", "application/json", `{"token":"11111111-2222-3333-4444-555555555555"}`}
	},
	"autoalert autologin 415": func(func(string, call) reply) call {
		return call{"POST", "/User/autologin", "text/plain", `x`}
	},
	"autoalert renewtoken 200": func(prev func(string, call) reply) call {
		return call{"POST", "/User/renewtoken", "application/xml\nAccept: application/xml", `<R xmlns="http://schemas.datacontract.org/2004/07/AutoAlert.API.Models.User"><token>` + aaToken(prev, aaLogin) + `</token></R>`}
	},
	"autoalert renewtoken 400": func(func(string, call) reply) call {
		return call{"POST", "/User/renewtoken", "application/json", `{}`}
	},
	"autoalert renewtoken 401": func(func(string, call) reply) call {
		return call{"POST", "/User/renewtoken", "application/json", `{"token":"11111111-2222-3333-4444-555555555555"}`}
	},
	"autoalert renewtoken 403": func(prev func(string, call) reply) call {
		return call{"POST", "/User/renewtoken", "application/json", `{"token":"` + aaToken(prev, aaSecure) + `"}`}
	},
	"autoalert renewtoken 415": func(func(string, call) reply) call {
		return call{"POST", "/User/renewtoken", "text/plain", `x`}
	},
	"autoalert logoff 200": func(prev func(string, call) reply) call {
		return call{"POST", "/User/logoff", "application/json", `{"token":"` + aaToken(prev, aaLogin) + `"}`}
	},
	"autoalert logoff 400": func(func(string, call) reply) call {
		return call{"POST", "/User/logoff", "application/json", `{"token":`}
	},
	"autoalert logoff 401": func(func(string, call) reply) call {
		return call{"POST", "/User/logoff", "application/json", `{"token":"11111111-2222-3333-4444-555555555555"}`}
	},
	"autoalert logoff 415": func(func(string, call) reply) call {
		return call{"POST", "/User/logoff", "text/plain", `x`}
	},
	"autoalert getusers 200": func(prev func(string, call) reply) call {
		return call{"POST", "/User/getusers", "application/json\nAccept: application/xml", `{"token":"` + aaToken(prev, aaLogin) + `"}`}
	},
	"autoalert getusers 400": func(func(string, call) reply) call {
		return call{"POST", "/User/getusers", "application/json", `{}`}
	},
	"autoalert getusers 401": func(func(string, call) reply) call {
		return call{"POST", "/User/getusers", "application/json\nAccept: text/xml", `{"token":"11111111-2222-3333-4444-555555555555"}`}
	},
	"autoalert getusers 415": func(func(string, call) reply) call {
		return call{"POST", "/User/getusers", "text/plain", `x`}
	},
	"exotel loginPage 200": func(func(string, call) reply) call { return call{"GET", "/login", "", ""} },
	"exotel login 200": func(func(string, call) reply) call {
		return call{"POST", "/login", formCT, "username=demo.admin&password=demo-admin-pass"}
	},
	"exotel login 401": func(func(string, call) reply) call {
		return call{"POST", "/login", formCT + "\nAccept: application/json", "username=demo.admin&password=x"}
	},
	"exotel jwks 200": func(func(string, call) reply) call { return call{"GET", "/.well-known/jwks.json", "", ""} },
	"exotel basicauth 201": func(prev func(string, call) reply) call {
		return call{"POST", "/configuration/basicauth", "application/json\nAuthorization: Bearer " + adminBearer(prev, "demo.admin"), exBody}
	},
	"exotel basicauth 400": func(prev func(string, call) reply) call {
		return call{"POST", "/configuration/basicauth", "application/json\nAuthorization: Bearer " + adminBearer(prev, "demo.admin"), `{"username":"x"}`}
	},
	"exotel basicauth 401": func(func(string, call) reply) call {
		return call{"POST", "/configuration/basicauth", "application/json\nAuthorization: Bearer x.y.z", exBody}
	},
	"exotel basicauth 403": func(prev func(string, call) reply) call {
		return call{"POST", "/configuration/basicauth", "application/json\nAuthorization: Bearer " + adminBearer(prev, "other.admin"), exBody}
	},
	"exotel basicauth 409": func(prev func(string, call) reply) call {
		tok := adminBearer(prev, "demo.admin")
		prev("exotel", call{"POST", "/configuration/basicauth", "application/json\nAuthorization: Bearer " + tok, exBody})
		return call{"POST", "/configuration/basicauth", "application/json\nAuthorization: Bearer " + tok, exBody}
	},
	"exotel basicauth 415": func(prev func(string, call) reply) call {
		return call{"POST", "/configuration/basicauth", formCT + "\nAuthorization: Bearer " + adminBearer(prev, "demo.admin"), "username=x"}
	},
	"exotel whoami 200": func(prev func(string, call) reply) call {
		prev("exotel", call{"POST", "/configuration/basicauth", "application/json\nAuthorization: Bearer " + adminBearer(prev, "demo.admin"), exBody})
		return call{"GET", "/configuration/whoami", "\nAuthorization: Basic " + base64.StdEncoding.EncodeToString([]byte("customer_manager:customer_manager@123")), ""}
	},
	"exotel whoami 401": func(func(string, call) reply) call {
		return call{"GET", "/configuration/whoami", "\nAuthorization: Basic eDp5", ""}
	},
}

func adminBearer(prev func(string, call) reply, admin string) string {
	body := prev("exotel", call{"POST", "/login", formCT + "\nAccept: application/json", "username=" + admin + "&password=" + map[string]string{"demo.admin": "demo-admin-pass", "other.admin": "other-admin-pass"}[admin]}).body
	var t struct{ Token string }
	_ = json.Unmarshal([]byte(body), &t)
	return t.Token
}

func encodeForm(s string) string {
	return strings.NewReplacer("+", "%2B", "/", "%2F", "=", "%3D").Replace(s)
}

// TestContracts_EveryDocumentedResponse walks every operation and every
// documented response of every contract: a recipe must produce it through
// the stack, and the answer must validate (the start helper fails the test
// on any response violation).
func TestContracts_EveryDocumentedResponse(t *testing.T) {
	t.Parallel()
	var documented []string
	for _, vendor := range simulators.VendorNames() {
		v, err := contracts.NewValidator(vendor)
		if err != nil {
			t.Fatal(err)
		}
		for path, item := range v.Doc().Paths.Map() {
			for _, op := range item.Operations() {
				for status := range op.Responses.Map() {
					documented = append(documented, fmt.Sprintf("%s %s %s", vendor, op.OperationID, status))
				}
				_ = path
			}
		}
	}
	slices.Sort(documented)
	for _, key := range documented {
		t.Run(key, func(t *testing.T) {
			r, ok := coverage[key]
			if !ok {
				t.Fatalf("no recipe produces %s", key)
			}
			vendor, rest, _ := strings.Cut(key, " ")
			op, status, _ := strings.Cut(rest, " ")
			s := start(t, simulators.Options{Vendors: []string{vendor}})
			do := func(vendor string, c call) reply {
				ct, hdrs, _ := strings.Cut(c.contentType, "\n")
				var extra []string
				for _, h := range strings.Split(hdrs, "\n") {
					if k, v, ok := strings.Cut(h, ": "); ok {
						extra = append(extra, k, v)
					}
				}
				return send(t, s.Client(), c.method, s.URL(vendor)+c.path, ct, c.body, extra...)
			}
			got := do(vendor, r(do))
			if fmt.Sprint(got.status) != status {
				t.Fatalf("recipe answered %d, want %s: %s", got.status, status, got.body)
			}
			e := s.Requests(journal.Filter{}, 1)[0]
			if e.Endpoint == "" && vendor != exotel.Name {
				t.Fatalf("the journal did not tie the request to an endpoint")
			}
			for _, v := range e.Violations {
				if strings.Contains(v, " response ") {
					t.Fatalf("%s: %s", op, v)
				}
			}
		})
	}
	for key := range coverage {
		if !slices.Contains(documented, key) {
			t.Errorf("recipe %q produces a response the contract does not document", key)
		}
	}
}
