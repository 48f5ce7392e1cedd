#!/bin/sh
# A careful uContact wallboard in POSIX sh and curl: it logs in, asks
# Supervisor/campaignstatus MOCKAUTH_CALLS times with the token as Basic, and
# ends its session, for
# `mockauth conformance --vendor ucontact --endpoint campaignstatus -- sh careful-wallboard.sh`.
# A refused call (401) gets one new login and one retry; a second refusal in
# a row is final. "0" (quoted or bare) is a failed login, never a token.
base="$MOCKAUTH_BASE_URL/Integra/resources"
body=$(mktemp)
trap 'rm -f "$body"' EXIT

post() { # URL, then curl arguments; the status on stdout, the body in $body
  curl -sS --max-time 2 -o "$body" -w '%{http_code}' -H 'Content-Type: application/x-www-form-urlencoded' "$@"
}

login() {
  code=$(post "$base/auth/getUserToken" --data-urlencode "user=$MOCKAUTH_USER" --data-urlencode "password=$MOCKAUTH_PASSWORD") || return 1
  answer=$(cat "$body")
  case "$code:$answer" in
  200:\"0\" | 200:0) echo "uContact refused the login" >&2; return 1 ;;
  200:\"*\") token=${answer#\"} token=${token%\"} ;;
  *) echo "login answered HTTP $code" >&2; return 1 ;;
  esac
}

call() { # the status of campaignstatus with the current token
  post "$base/Supervisor/campaignstatus" -H "Authorization: Basic $token" --data-urlencode "queue="
}

login || exit 1
i=0
while [ "$i" -lt "${MOCKAUTH_CALLS:-1}" ]; do
  i=$((i + 1))
  code=$(call) || exit 1
  if [ "$code" = 401 ]; then
    login || exit 1
    code=$(call) || exit 1
  fi
  if [ "$code" != 200 ]; then
    echo "campaignstatus answered HTTP $code" >&2
    exit 1
  fi
done
code=$(post "$base/auth/EndSession" --data-urlencode "user=$MOCKAUTH_USER" --data-urlencode "token=$token") || exit 1
if [ "$code" != 200 ] || [ "$(cat "$body")" != 1 ]; then
  echo "EndSession answered HTTP $code" >&2
  exit 1
fi
echo "$token"
