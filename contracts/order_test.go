package contracts

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// Member order is checked where the contract documents it, and only there.
func TestResponseOrder(t *testing.T) {
	crm, err := NewValidator("crmcom")
	if err != nil {
		t.Fatal(err)
	}
	aa, err := NewValidator("autoalert")
	if err != nil {
		t.Fatal(err)
	}
	jsonCT := http.Header{"Content-Type": {"application/json;charset=UTF-8"}}
	xmlCT := http.Header{"Content-Type": {"application/xml; charset=utf-8"}}
	for _, c := range []struct {
		name   string
		v      *Validator
		path   string
		ct     string
		header http.Header
		body   string
		want   string // "" none
	}{
		{"CRM.COM in the page's order", crm, "/crmapi/rest/v2/authentication/token", "application/json", jsonCT,
			`{"status":{"code":"OK","message":null,"description":null},"data":{"token":"4AD9C84FA60F9FE407140E20F707726A"}}`, ""},
		// The vendor's own samples disagree on CRM.COM's order (the R12
		// answer writes data first; the show example message, description,
		// code): no order is drift there.
		{"CRM.COM data before status, as R12 writes it", crm, "/crmapi/rest/v2/authentication/token", "application/json", jsonCT,
			`{"data":{"token":"4AD9C84FA60F9FE407140E20F707726A"},"status":{"code":"OK","description":"","message":""}}`, ""},
		{"CRM.COM status as the show example orders it", crm, "/crmapi/rest/v2/authentication/token", "application/json", jsonCT,
			`{"status":{"message":"Invalid","description":"Invalid","code":"INVALID_CREDENTIALS"},"data":null}`, ""},
		{"AutoAlert XML in DataContract order", aa, "/User/authenticate", "application/json", xmlCT,
			`<AuthenticateResponse xmlns:i="http://www.w3.org/2001/XMLSchema-instance" xmlns="http://schemas.datacontract.org/2004/07/AutoAlert.API.Models.User"><APIVersion xmlns="http://schemas.datacontract.org/2004/07/AutoAlert.API">4</APIVersion><error i:nil="true" xmlns="http://schemas.datacontract.org/2004/07/AutoAlert.API"/><IsEmployee>true</IsEmployee><UserID>1</UserID><expirationDateUtc>2024-11-20T22:47:11.5488406-08:00</expirationDateUtc><token>3681330f-08e5-4821-9485-9b8f6efca584</token></AuthenticateResponse>`, ""},
		{"AutoAlert XML token first", aa, "/User/authenticate", "application/json", xmlCT,
			`<AuthenticateResponse xmlns="http://schemas.datacontract.org/2004/07/AutoAlert.API.Models.User"><token>3681330f-08e5-4821-9485-9b8f6efca584</token><APIVersion>4</APIVersion><IsEmployee>true</IsEmployee><UserID>1</UserID><expirationDateUtc>2024-11-20T22:47:11.5488406-08:00</expirationDateUtc></AuthenticateResponse>`,
			`member order: autoalert.yaml authenticate response 200: members of "/" in the order token, APIVersion, IsEmployee, UserID, expirationDateUtc; documented: APIVersion, IsEmployee, UserID, expirationDateUtc, token`},
		{"AutoAlert users, an order no document shows", aa, "/User/getusers", "application/json", jsonCT,
			`{"Users":[{"FullName":"A","UserID":1,"IsEmployee":true,"UserName":"a"}],"APIVersion":1,"code":200,"error":null}`, ""},
	} {
		r := httptest.NewRequest(http.MethodPost, c.path, strings.NewReader("{}"))
		r.Header.Set("Content-Type", c.ct)
		x, _ := c.v.Request(r, "", []byte("{}"))
		got := strings.Join(x.ResponseOrder(200, c.header, []byte(c.body)), "\n")
		if got != c.want {
			t.Errorf("%s:\n got %q\nwant %q", c.name, got, c.want)
		}
	}
}
