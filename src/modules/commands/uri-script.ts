/**
 * The HTTP request runs ON THE HOST with python3's urllib: Debian's minimal and cloud images ship
 * python3 (the lab's base includes it) but not curl or wget, and bash's /dev/tcp cannot speak TLS.
 * The arguments travel inside the script as base64 JSON on python's stdin, so nothing in them is
 * ever shell text, and a password never shows in the command line `ps` prints.
 */
export interface UriRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
  timeout: number;
  validate_certs: boolean;
  follow_redirects: boolean;
  /** Basic auth. Unless `force`, it is sent only in answer to a 401 challenge (urllib's handler, as Ansible does). */
  auth?: { username: string; password: string; force: boolean };
}

const SCRIPT = `
import base64, json, ssl, sys, time, urllib.error, urllib.request
a = json.loads(base64.b64decode(ARGS))
class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None
handlers = [urllib.request.HTTPSHandler(context=None if a["validate_certs"] else ssl._create_unverified_context())]
if not a["follow_redirects"]:
    handlers.append(NoRedirect())
auth = a.get("auth")
if auth and auth["force"]:
    a["headers"]["Authorization"] = "Basic " + base64.b64encode((auth["username"] + ":" + auth["password"]).encode("utf-8")).decode("ascii")
elif auth:
    passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
    passwords.add_password(None, a["url"], auth["username"], auth["password"])
    handlers.append(urllib.request.HTTPBasicAuthHandler(passwords))
opener = urllib.request.build_opener(*handlers)
body = a["body"].encode("utf-8") if a.get("body") is not None else None
req = urllib.request.Request(a["url"], data=body, method=a["method"], headers=a["headers"])
start = time.time()
out = {}
try:
    resp = opener.open(req, timeout=a["timeout"])
    out = {"status": resp.status, "url": resp.geturl(), "headers": dict(resp.headers), "content": resp.read().decode("utf-8", "replace")}
except urllib.error.HTTPError as e:
    out = {"status": e.code, "url": a["url"], "headers": dict(e.headers or {}), "content": e.read().decode("utf-8", "replace")}
except Exception as e:
    out = {"status": -1, "url": a["url"], "headers": {}, "content": "", "error": str(e)}
out["elapsed"] = round(time.time() - start, 3)
json.dump(out, sys.stdout)
`;

export function uriScript(request: UriRequest): string {
  const args = Buffer.from(JSON.stringify(request)).toString('base64');
  return SCRIPT.replace('ARGS', JSON.stringify(args));
}

export interface UriResponse {
  status: number;
  url: string;
  headers: Record<string, string>;
  content: string;
  elapsed: number;
  error?: string;
}
