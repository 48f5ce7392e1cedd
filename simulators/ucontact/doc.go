// Package ucontact simulates uContact's Integra authentication API: the
// client login (getUserToken), the agent login (AgentLogin), the older
// UserLogin, and the two calls that check a token (AgentLogoff, EndSession).
//
// The quirks are the point, reproduced byte for byte:
//
//   - logins answer HTTP 200 even when they fail: getUserToken with the body
//     "0" (quotes included, or a bare 0 by fixture setting), AgentLogin with
//     0 for bad credentials and Error for a malformed request;
//   - every answer is text/plain, the JSON ones included: AgentLogin's SIP
//     peer object is JSON written as text;
//   - tokens are base64 of user:uuid (agent: accountcode:uuid) and are sent
//     back as-is in Authorization: Basic, where a stale one gets a real 401.
//
// Readings of what the vendor leaves undocumented (success bodies of
// AgentLogoff and EndSession, UserLogin's array, token lifetime) are written
// in contracts/ucontact.yaml and the README.
package ucontact
