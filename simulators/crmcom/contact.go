package crmcom

import (
	"bytes"
	"fmt"
	"strconv"

	"github.com/mockauth/mockauth/simulators/vendor"
)

// Contact is a contact information as contact_information/show documents
// it (page "GET contact_information/show"): the answer's members come in
// the page's Response Data order, an empty string member as null.
type Contact struct {
	ID                 string `yaml:"id"`
	Type               string `yaml:"type"`             // PERSON or COMPANY
	LifeCycleState     string `yaml:"life_cycle_state"` // MARKETING or FINANCIAL
	Title              string `yaml:"title"`
	FirstName          string `yaml:"first_name"`
	MiddleName         string `yaml:"middle_name"`
	LastName           string `yaml:"last_name"`
	CompanyName        string `yaml:"company_name"`
	Notes              string `yaml:"notes"`
	OrganizationalUnit int    `yaml:"organizational_unit"`
	PreferredLanguage  string `yaml:"preferred_language"`
	// UDFStrings and UDFFloats are the user-defined fields by number.
	UDFStrings map[int]string  `yaml:"udf_strings"`
	UDFFloats  map[int]float64 `yaml:"udf_floats"`
	// The documented identifier fields besides id, for lookups.
	IDNumber              string `yaml:"id_number"`
	PassportNumber        string `yaml:"passport_number"`
	SocialSecurityNumber  string `yaml:"social_security_number"`
	VATRegistrationNumber string `yaml:"vat_registration_number"`
	RegistrationNumber    string `yaml:"registration_number"`
}

// How many user-defined fields the answer lists: as many as the page's
// example shows.
const (
	udfStrings = 16
	udfFloats  = 7
)

// Identifier fields of contact_information_identifier, as the page lists
// them.
var contactIdentifiers = []string{"id", "id_number", "passport_number", "social_security_number", "vat_registration_number", "registration_number"}

// identifiedBy reports whether the contact has value in an identifier field.
func (c Contact) identifiedBy(field, value string) bool {
	got := map[string]string{"id": c.ID, "id_number": c.IDNumber, "passport_number": c.PassportNumber,
		"social_security_number": c.SocialSecurityNumber, "vat_registration_number": c.VATRegistrationNumber,
		"registration_number": c.RegistrationNumber}[field]
	return got != "" && got == value
}

// name is the full name the answer carries.
func (c Contact) name() string {
	if c.Type == "COMPANY" {
		return c.CompanyName
	}
	switch {
	case c.FirstName == "":
		return c.LastName
	case c.LastName == "":
		return c.FirstName
	}
	return c.FirstName + " " + c.LastName
}

// MarshalJSON writes the contact as the page's Response Data lists it.
func (c Contact) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	first := true
	member := func(key string, v any) {
		if !first {
			b.WriteByte(',')
		}
		first = false
		b.Write(vendor.CompactJSON(key))
		b.WriteByte(':')
		if s, ok := v.(string); ok && s == "" {
			b.WriteString("null")
			return
		}
		b.Write(vendor.CompactJSON(v))
	}
	member("id", c.ID)
	member("type", c.Type)
	member("life_cycle_state", c.LifeCycleState)
	member("name", c.name())
	member("title", c.Title)
	member("first_name", c.FirstName)
	member("middle_name", c.MiddleName)
	member("last_name", c.LastName)
	member("company_name", c.CompanyName)
	member("notes", c.Notes)
	member("organizational_unit", c.OrganizationalUnit)
	member("preferred_language", c.PreferredLanguage)
	for i := 1; i <= udfStrings; i++ {
		member("udf_string_"+strconv.Itoa(i), c.UDFStrings[i])
	}
	for i := 1; i <= udfFloats; i++ {
		if f, ok := c.UDFFloats[i]; ok {
			member("udf_float_"+strconv.Itoa(i), f)
		} else {
			member("udf_float_"+strconv.Itoa(i), nil)
		}
	}
	member("privacy_level", nil) // no privacy level set: its object's members are not public
	b.WriteByte('}')
	return b.Bytes(), nil
}

// checkContact validates a fixture contact.
func checkContact(c Contact) error {
	switch {
	case c.ID == "":
		return fmt.Errorf("needs an id")
	case c.Type != "PERSON" && c.Type != "COMPANY":
		return fmt.Errorf("type must be PERSON or COMPANY, not %q", c.Type)
	case c.LifeCycleState != "MARKETING" && c.LifeCycleState != "FINANCIAL":
		return fmt.Errorf("life_cycle_state must be MARKETING or FINANCIAL, not %q", c.LifeCycleState)
	}
	for n := range c.UDFStrings {
		if n < 1 || n > udfStrings {
			return fmt.Errorf("udf_strings: field %d is not between 1 and %d", n, udfStrings)
		}
	}
	for n := range c.UDFFloats {
		if n < 1 || n > udfFloats {
			return fmt.Errorf("udf_floats: field %d is not between 1 and %d", n, udfFloats)
		}
	}
	return nil
}
