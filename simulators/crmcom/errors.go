package crmcom

import (
	"maps"
	"net/http"
	"slices"
)

// Error codes of the envelope's status.code: this simulator's reading of
// CRM.COM's errors, one per failure a client must tell apart. Every one is
// answered in the envelope with a human message and description; all but a
// malformed body come with HTTP 200, as the Web API puts the outcome in the
// envelope (clients in the wild test status.code, not the HTTP status).
const (
	CodeOK                    = "OK"
	CodeMalformedRequest      = "MALFORMED_REQUEST"
	CodeMandatoryFieldMissing = "MANDATORY_FIELD_MISSING"
	CodeInvalidLoginMethod    = "INVALID_LOGIN_METHOD"
	CodeInvalidCredentials    = "INVALID_CREDENTIALS"
	CodeInvalidOrganisation   = "INVALID_ORGANISATION"
	CodeInvalidUnit           = "INVALID_UNIT"
	CodeInvalidAccessToken    = "INVALID_ACCESS_TOKEN"
	CodeInvalidToken          = "INVALID_TOKEN"
	CodeTokenExpired          = "TOKEN_EXPIRED"
	CodeNotFound              = "NOT_FOUND"
	CodeInvalidWebAPIKey      = "INVALID_WEB_API_KEY"
)

// errorCodeNames lists the table's codes, sorted.
func errorCodeNames() []string {
	out := slices.Collect(maps.Keys(errorTable))
	slices.Sort(out)
	return out
}

// apiError is one row of the error table.
type apiError struct {
	HTTPStatus  int
	Code        string
	Message     string
	Description string
}

// errorTable is every documented error of this simulator, in one place.
var errorTable = map[string]apiError{
	CodeMalformedRequest: {http.StatusBadRequest, CodeMalformedRequest,
		"The request body is not valid JSON",
		"Web API methods take a JSON object as their body"},
	CodeMandatoryFieldMissing: {http.StatusOK, CodeMandatoryFieldMissing,
		"A mandatory field is missing",
		"The field %s is mandatory"},
	CodeInvalidLoginMethod: {http.StatusOK, CodeInvalidLoginMethod,
		"Specify either username and password or an access token identifier",
		"%s"},
	CodeInvalidCredentials: {http.StatusOK, CodeInvalidCredentials,
		"Invalid username or password",
		"The username or the password is not valid for organisation %s"},
	CodeInvalidOrganisation: {http.StatusOK, CodeInvalidOrganisation,
		"Invalid organisation",
		"The organisation %s does not exist"},
	CodeInvalidUnit: {http.StatusOK, CodeInvalidUnit,
		"Invalid unit",
		"The user does not belong to unit %s"},
	CodeInvalidAccessToken: {http.StatusOK, CodeInvalidAccessToken,
		"Invalid access token",
		"The access token identifier, pass code or authentication code is not valid"},
	CodeInvalidWebAPIKey: {http.StatusOK, CodeInvalidWebAPIKey,
		"Invalid web API key",
		"Send an active web API key as the HTTP Basic user name"},
	CodeInvalidToken: {http.StatusOK, CodeInvalidToken,
		"Invalid authentication token",
		"The authentication token is unknown or was released; retrieve a new one"},
	CodeTokenExpired: {http.StatusOK, CodeTokenExpired,
		"The authentication token has expired",
		"Authentication tokens expire; retrieve a new one with authentication/token"},
	CodeNotFound: {http.StatusOK, CodeNotFound,
		"Contact information not found",
		"No contact information matches %s"},
}
