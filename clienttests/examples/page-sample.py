# The uContact page's Python http.client sample, pointed at the stack by
# the MOCKAUTH_* variables. It prints whatever comes back, "0" included:
# `mockauth conformance` must fail it.
import http.client
import os
import urllib.parse

base = urllib.parse.urlparse(os.environ["MOCKAUTH_BASE_URL"])
conn = http.client.HTTPConnection(base.netloc)
payload = urllib.parse.urlencode({"user": os.environ["MOCKAUTH_USER"], "password": os.environ["MOCKAUTH_PASSWORD"]})
headers = {
  'Content-Type': 'application/x-www-form-urlencoded'
}
conn.request("POST", "/Integra/resources/auth/getUserToken", payload, headers)
res = conn.getresponse()
data = res.read()
print(data.decode("utf-8"))
