package vendor

import (
	"testing"

	"github.com/mockauth/mockauth/simulators/tokens"
)

func TestTokenReason(t *testing.T) {
	t.Parallel()
	testCases := []struct {
		value string
		ended bool
		want  string
	}{
		{"", false, RefusedMissing},
		{"  ", false, RefusedMissing},
		{"0", false, RefusedZero},
		{`"0"`, false, RefusedZero},
		// A published PHP wallboard sends Basic 0' (issue 30).
		{"0'", false, RefusedZero},
		{"'0'", false, RefusedZero},
		{"00", false, RefusedUnknown},
		{"abc", true, RefusedEnded},
		{"abc", false, RefusedUnknown},
	}
	for _, tc := range testCases {
		if got := TokenReason(tc.value, tokens.ErrUnknown, tc.ended); got != tc.want {
			t.Errorf("TokenReason(%q, ended %v) = %s, want %s", tc.value, tc.ended, got, tc.want)
		}
	}
	if got := TokenReason("abc", tokens.ErrExpired, false); got != RefusedExpired {
		t.Errorf("expired: %s", got)
	}
}

func TestEnvName(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"accountSid": "ACCOUNT_SID", "agentPassword": "AGENT_PASSWORD", "crmcom": "CRMCOM", "a-b.c": "A_B_C"} {
		if got := EnvName(in); got != want {
			t.Errorf("EnvName(%q) = %s, want %s", in, got, want)
		}
	}
}
