#!/bin/sh
# A careful uContact getUserToken client in POSIX sh and curl, for
# `mockauth conformance --vendor ucontact --endpoint getUserToken -- sh careful-getusertoken.sh`.
# It treats "0" (quoted or bare) as failure, honours Retry-After, falls back
# to UserLogin on an old server without getUserToken (404), and gives up on
# transport errors and answers it cannot read.
url="$MOCKAUTH_BASE_URL/Integra/resources/auth/getUserToken"
legacy=
body=$(mktemp) headers=$(mktemp)
trap 'rm -f "$body" "$headers"' EXIT
tries=0
while [ "$tries" -lt 3 ]; do
  tries=$((tries + 1))
  code=$(curl -sS --max-time 2 -o "$body" -D "$headers" -w '%{http_code}' \
    -H 'Content-Type: application/x-www-form-urlencoded' \
    --data-urlencode "user=$MOCKAUTH_USER" --data-urlencode "password=$MOCKAUTH_PASSWORD" "$url") || {
    echo "transport error talking to uContact; giving up" >&2
    exit 1
  }
  case "$code" in
  429 | 503)
    wait=$(tr -d '\r' <"$headers" | sed -n 's/^[Rr]etry-[Aa]fter: *\([0-9][0-9]*\)$/\1/p')
    sleep "${wait:-1}"
    continue
    ;;
  200) ;;
  404)
    if [ -z "$legacy" ]; then
      # An old server: UserLogin's list has the key at element 2, last.
      legacy=1 url="$MOCKAUTH_BASE_URL/Integra/resources/auth/UserLogin" tries=0
      continue
    fi
    echo "uContact answered HTTP 404" >&2
    exit 1
    ;;
  *)
    echo "uContact answered HTTP $code" >&2
    exit 1
    ;;
  esac
  answer=$(cat "$body")
  case "$answer" in
  '"0"' | 0)
    echo "uContact refused the login" >&2
    exit 1
    ;;
  esac
  if [ -n "$legacy" ]; then
    token=$(printf '%s' "$answer" | sed -n 's/^\[.*,"\([A-Za-z0-9+/]\{1,\}=\{0,2\}\)"\]$/\1/p')
  else
    token=$(printf '%s' "$answer" | sed -n 's/^"\([A-Za-z0-9+/]\{1,\}=\{0,2\}\)"$/\1/p')
  fi
  if [ -z "$token" ]; then
    echo "uContact answered something that is not a token" >&2
    exit 1
  fi
  printf '%s\n' "$token"
  exit 0
done
echo "uContact stayed unavailable" >&2
exit 1
