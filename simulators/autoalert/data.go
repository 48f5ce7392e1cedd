package autoalert

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The data methods integrators call once logged in: each takes the token
// in its body (an inherited member, in AutoAlert.API.Models) and answers
// fixture data in the shape its help page shows.
const (
	GetEntities = "getentities"
	GetNotOwned = "getnotowned"

	PathGetEntities = "/Search/getentities"
	PathGetNotOwned = "/Vehicle/getnotowned"

	NSVehicle = "http://schemas.datacontract.org/2004/07/AutoAlert.API.Models.Vehicle"
)

// Messages of the data methods' errors, exact.
const (
	MsgMissingFromDate = "The fromDateUTC field is required."
	MsgBadFromDate     = "The value of fromDateUTC is not a valid date."
)

// defaultEntityLimit is getentities' "top 5" when the request gives no limit.
const defaultEntityLimit = 5

var (
	getEntitiesContract = contract{root: "GetEntitiesRequest", ns: NSSearch,
		members: []member{{"token", NSModels}, {"limit", NSSearch}, {"query", NSSearch}}}
	getNotOwnedContract = contract{root: "GetNotOwnedRequest", ns: NSVehicle,
		members: []member{{"token", NSModels}, {"fromDateUTC", NSVehicle}}}
)

// Entity is an opportunity (a customer and a vehicle) as getentities
// answers it, members in the help page's JSON order.
type Entity struct {
	HomePhone          string `yaml:"homePhone" json:"HomePhone"`
	WorkPhone          string `yaml:"workPhone" json:"WorkPhone"`
	CellPhone          string `yaml:"cellPhone" json:"CellPhone"`
	Email              string `yaml:"email" json:"Email"`
	StillOwn           bool   `yaml:"stillOwn" json:"StillOwn"`
	VIN                string `yaml:"vin" json:"VIN"`
	EntityID           string `yaml:"entityID" json:"EntityID"`
	FullName           string `yaml:"fullName" json:"FullName"`
	TrimID             int    `yaml:"trimID" json:"TrimID"`
	IsAlert            bool   `yaml:"isAlert" json:"IsAlert"`
	IsFlexAlert        bool   `yaml:"isFlexAlert" json:"IsFlexAlert"`
	IsMileageAlert     bool   `yaml:"isMileageAlert" json:"IsMileageAlert"`
	IsWarrantyAlert    bool   `yaml:"isWarrantyAlert" json:"IsWarrantyAlert"`
	IsContractEnd      bool   `yaml:"isContractEnd" json:"IsContractEnd"`
	IsServiceAlert     bool   `yaml:"isServiceAlert" json:"IsServiceAlert"`
	IsServiceApptAlert bool   `yaml:"isServiceApptAlert" json:"IsServiceApptAlert"`
	IsCreditConvert    bool   `yaml:"isCreditConvert" json:"IsCreditConvert"`
	IsInMarketAlert    bool   `yaml:"isInMarketAlert" json:"IsInMarketAlert"`
	IsEngagedAlert     bool   `yaml:"isEngagedAlert" json:"IsEngagedAlert"`
	Kind               string `yaml:"kind" json:"Kind"`
}

// xmlFields are an Entity's members in DataContract (ordinal) order.
func (e Entity) xmlFields() []xmlField {
	b := strconv.FormatBool
	return []xmlField{
		{name: "CellPhone", value: e.CellPhone}, {name: "Email", value: e.Email}, {name: "EntityID", value: e.EntityID},
		{name: "FullName", value: e.FullName}, {name: "HomePhone", value: e.HomePhone}, {name: "IsAlert", value: b(e.IsAlert)},
		{name: "IsContractEnd", value: b(e.IsContractEnd)}, {name: "IsCreditConvert", value: b(e.IsCreditConvert)},
		{name: "IsEngagedAlert", value: b(e.IsEngagedAlert)}, {name: "IsFlexAlert", value: b(e.IsFlexAlert)},
		{name: "IsInMarketAlert", value: b(e.IsInMarketAlert)}, {name: "IsMileageAlert", value: b(e.IsMileageAlert)},
		{name: "IsServiceAlert", value: b(e.IsServiceAlert)}, {name: "IsServiceApptAlert", value: b(e.IsServiceApptAlert)},
		{name: "IsWarrantyAlert", value: b(e.IsWarrantyAlert)}, {name: "Kind", value: e.Kind}, {name: "StillOwn", value: b(e.StillOwn)},
		{name: "TrimID", value: strconv.Itoa(e.TrimID)}, {name: "VIN", value: e.VIN}, {name: "WorkPhone", value: e.WorkPhone},
	}
}

// VehicleNotOwned is a vehicle its customer no longer owns, as
// getnotowned answers it, members in the help page's JSON order.
type VehicleNotOwned struct {
	EntityID   string    `yaml:"entityID" json:"EntityID"`
	InsertDate time.Time `yaml:"insertDate" json:"-"`
	VIN        string    `yaml:"vin" json:"VIN"`
	SaleRODate time.Time `yaml:"saleRODate" json:"-"`
	IsConquest bool      `yaml:"isConquest" json:"IsConquest"`
	DMSDealID  string    `yaml:"dmsDealID" json:"DMSDealID"`
}

// vehicleJSON is a VehicleNotOwned with its dates written as the service
// writes them.
type vehicleJSON struct {
	EntityID   string `json:"EntityID"`
	InsertDate string `json:"InsertDate"`
	VIN        string `json:"VIN"`
	SaleRODate string `json:"SaleRODate"`
	IsConquest bool   `json:"IsConquest"`
	DMSDealID  string `json:"DMSDealID"`
}

// entitiesList is EntitiesList; a failure has no list (null).
type entitiesList struct {
	APIVersion int      `json:"APIVersion"`
	Entities   []Entity `json:"Entities"`
	Code       int      `json:"code"`
	Error      *string  `json:"error"`
	msg        string
}

func (l entitiesList) JSON() []byte { l.Error = errorField(l.msg); return marshalJSON(l) }

func (l entitiesList) XML() []byte {
	return dataContractXML("EntitiesList", NSSearch, append(baseFields(l.APIVersion, l.msg, NSAPI),
		listField("Entities", "Entity", l.Entities, Entity.xmlFields)))
}

// notOwnedList is GetNotOwnedResponse; a failure has no list (null).
type notOwnedList struct {
	VehicleList []vehicleJSON `json:"VehicleList"`
	APIVersion  int           `json:"APIVersion"`
	Code        int           `json:"code"`
	Error       *string       `json:"error"`
	msg         string
}

func (l notOwnedList) JSON() []byte { l.Error = errorField(l.msg); return marshalJSON(l) }

func (l notOwnedList) XML() []byte {
	return dataContractXML("GetNotOwnedResponse", NSVehicle, append(baseFields(l.APIVersion, l.msg, NSAPI),
		listField("VehicleList", "VehicleNotOwned", l.VehicleList, func(v vehicleJSON) []xmlField {
			return []xmlField{
				{name: "DMSDealID", value: v.DMSDealID}, {name: "EntityID", value: v.EntityID},
				{name: "InsertDate", value: v.InsertDate}, {name: "IsConquest", value: strconv.FormatBool(v.IsConquest)},
				{name: "SaleRODate", value: v.SaleRODate}, {name: "VIN", value: v.VIN},
			}
		})))
}

// listField is a collection member: nil (a failure) as i:nil, else each
// item as an element of the item's contract name.
func listField[T any](name, item string, list []T, fields func(T) []xmlField) xmlField {
	if list == nil {
		return xmlField{name: name, null: true}
	}
	var b bytes.Buffer
	for _, x := range list {
		b.WriteString("<" + item + ">")
		writeFields(&b, fields(x))
		b.WriteString("</" + item + ">")
	}
	return xmlField{name: name, value: b.String(), raw: true}
}

func (s *Simulator) getEntities(_ *http.Request, m map[string]string) reply {
	fail := func(status int, msg string) reply {
		return reply{status, entitiesList{APIVersion: apiVersionResult, Code: status, msg: msg}}
	}
	if rep, ok := s.tokenOf(m, fail); !ok {
		return rep
	}
	limit := defaultEntityLimit
	if v, ok := m["limit"]; ok {
		n, err := strconv.Atoi(v)
		if err != nil {
			return fail(http.StatusBadRequest, MsgBrokenBody)
		}
		limit = n
	}
	query := strings.ToLower(m["query"])
	list := []Entity{}
	for _, e := range s.fx.Entities {
		if limit > 0 && len(list) == limit {
			break
		}
		if query == "" || strings.Contains(strings.ToLower(strings.Join([]string{e.FullName, e.VIN, e.Email, e.HomePhone, e.WorkPhone, e.CellPhone}, "\n")), query) {
			list = append(list, e)
		}
	}
	return reply{http.StatusOK, entitiesList{APIVersion: apiVersionResult, Entities: list, Code: http.StatusOK}}
}

func (s *Simulator) getNotOwned(_ *http.Request, m map[string]string) reply {
	fail := func(status int, msg string) reply {
		return reply{status, notOwnedList{APIVersion: apiVersionResult, Code: status, msg: msg}}
	}
	if rep, ok := s.tokenOf(m, fail); !ok {
		return rep
	}
	if m["fromDateUTC"] == "" {
		return fail(http.StatusBadRequest, MsgMissingFromDate)
	}
	from, err := parseNETDate(m["fromDateUTC"], s.fx.location)
	if err != nil {
		return fail(http.StatusBadRequest, MsgBadFromDate)
	}
	list := []vehicleJSON{}
	for _, v := range s.fx.VehiclesNotOwned {
		if !v.InsertDate.Before(from) {
			list = append(list, vehicleJSON{EntityID: v.EntityID, InsertDate: s.expiration(v.InsertDate), VIN: v.VIN,
				SaleRODate: s.expiration(v.SaleRODate), IsConquest: v.IsConquest, DMSDealID: v.DMSDealID})
		}
	}
	return reply{http.StatusOK, notOwnedList{VehicleList: list, APIVersion: apiVersionResult, Code: http.StatusOK}}
}

// tokenOf checks the request's token, answering a failure in the
// method's own shape.
func (s *Simulator) tokenOf(m map[string]string, fail func(int, string) reply) (reply, bool) {
	if m["token"] == "" {
		return fail(http.StatusBadRequest, MsgMissingToken), false
	}
	if _, ok := s.checkToken(m["token"]); !ok {
		return fail(http.StatusUnauthorized, MsgInvalidToken), false
	}
	return reply{}, true
}

// netDateLayouts are the forms a .NET DateTime binder reads that clients
// send: ISO 8601 with or without an offset and fraction, and the US short
// date of AutoAlert's own API_Intro example ("1/1/2014").
var netDateLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05.9999999", "2006-01-02", "1/2/2006", "1/2/2006 15:04:05"}

// parseNETDate reads a date as the service's model binder would; a date
// without an offset is in the service's timezone.
func parseNETDate(s string, loc *time.Location) (time.Time, error) {
	for _, layout := range netDateLayouts {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("not a date: %q", s)
}
