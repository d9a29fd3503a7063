/**
 * ansible.builtin.get_url's download runs ON THE HOST with python3's urllib (as uri's request does,
 * see uri-script.ts): the file goes straight from the server to the host, never through the
 * controller. The arguments travel as base64 JSON inside the script on stdin, so a password is
 * never shell text nor in `ps`. The decisions follow Ansible's get_url step by step: a checksum
 * that already matches skips the request; otherwise an existing file is fetched with
 * If-Modified-Since (unless `force`), and replaced only when its content differs.
 */
export interface GetUrlRequest {
  url: string;
  dest: string;
  /** `algorithm:hex` or `algorithm:url-of-a-checksum-file`; '' for none. */
  checksum: string;
  force: boolean;
  timeout: number;
  headers: Record<string, string>;
  validate_certs: boolean;
  tmp_dest?: string;
  backup: boolean;
  check: boolean;
  auth?: { username: string; password: string; force: boolean };
}

const SCRIPT = `
import base64, datetime, email.utils, hashlib, json, os, re, shutil, ssl, sys, tempfile, time, urllib.error, urllib.parse, urllib.request
a = json.loads(base64.b64decode(ARGS))
out = {"changed": False, "dest": a["dest"], "url": a["url"], "checksum_dest": None, "checksum_src": None, "elapsed": 0}

def done(**fields):
    out.update(fields)
    json.dump(out, sys.stdout)
    sys.exit(0)

def fail(msg, **fields):
    done(failed=True, msg=msg, **fields)

handlers = [urllib.request.HTTPSHandler(context=None if a["validate_certs"] else ssl._create_unverified_context())]
auth = a.get("auth")
headers = dict(a["headers"])
if auth and auth["force"]:
    headers["Authorization"] = "Basic " + base64.b64encode((auth["username"] + ":" + auth["password"]).encode("utf-8")).decode("ascii")
elif auth:
    passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
    passwords.add_password(None, a["url"], auth["username"], auth["password"])
    handlers.append(urllib.request.HTTPBasicAuthHandler(passwords))
opener = urllib.request.build_opener(*handlers)

def fetch(url, method="GET", since=None):
    h = dict(headers)
    if since is not None:
        h["If-Modified-Since"] = email.utils.formatdate(since, usegmt=True)
    try:
        resp = opener.open(urllib.request.Request(url, method=method, headers=h), timeout=a["timeout"])
        return resp.status, resp, "OK (%s bytes)" % resp.headers.get("Content-Length", "unknown")
    except urllib.error.HTTPError as e:
        return e.code, e, "HTTP Error %s: %s" % (e.code, e.reason)
    except Exception as e:
        return -1, None, "Request failed: %s" % e

def digest(path, algorithm):
    h = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(65536), b""):
            h.update(block)
    return h.hexdigest()

def url_filename(url):
    return os.path.basename(urllib.parse.urlsplit(url)[2]) or "index.html"

dest, checksum, algorithm = a["dest"], a["checksum"], None
if checksum:
    algorithm, checksum = checksum.split(":", 1)
    if algorithm not in hashlib.algorithms_available:
        fail("Unsupported checksum algorithm %s" % algorithm)
    if urllib.parse.urlsplit(checksum).scheme in ("http", "https", "ftp", "file"):
        status, resp, msg = fetch(checksum)
        if status != 200:
            fail("Failed to fetch the checksum file %s: %s" % (checksum, msg))
        lines = resp.read().decode("utf-8", "replace").splitlines()
        name = url_filename(a["url"])
        found = None
        if len(lines) == 1 and len(lines[0].split()) == 1:
            found = lines[0]
        else:
            for line in lines:
                parts = line.split(" ", 1)
                if len(parts) == 2:
                    file = parts[1][1:] if parts[1].startswith((" ", "*")) else parts[1]
                    if file.lstrip("./") == name:
                        found = parts[0]
                        break
        if found is None:
            fail("Unable to find a checksum for file '%s' in '%s'" % (name, checksum))
        checksum = found
    checksum = re.sub(r"\\W+", "", checksum).lower()
    if not re.fullmatch(r"[0-9a-f]+", checksum):
        fail("The checksum format is invalid")

force = a["force"]
dest_is_dir = os.path.isdir(dest)
since = None
if not dest_is_dir and os.path.exists(dest):
    mismatch = False
    if not force and checksum:
        if digest(dest, algorithm) != checksum:
            mismatch = True
        else:
            done(msg="file already exists", exists=True)
    since = os.path.getmtime(dest)
    if mismatch:
        force = True

start = time.time()
status, resp, msg = fetch(a["url"], "HEAD" if a["check"] else "GET", None if force else since)
out["elapsed"] = int(time.time() - start)
if status == 304:
    done(msg=msg, status_code=304)
if status != 200:
    fail("Request failed", status_code=status, response=msg)

if dest_is_dir:
    disposition = re.match(r'attachment; ?filename="?([^"]+)', resp.headers.get("content-disposition", ""))
    dest = os.path.join(dest, os.path.basename(disposition.group(1)) if disposition else url_filename(resp.geturl()))
    out["dest"] = dest

tmp_dir = a.get("tmp_dest") or os.path.dirname(dest) or "."
if a.get("tmp_dest") and not os.path.isdir(tmp_dir):
    fail("%s is a file but should be a directory." % tmp_dir if os.path.exists(tmp_dir) else "%s directory does not exist." % tmp_dir)
if not os.path.isdir(os.path.dirname(dest) or "."):
    fail("Destination %s does not exist" % os.path.dirname(dest))
fd, tmp = tempfile.mkstemp(dir=tmp_dir, prefix=".get_url.")
try:
    with os.fdopen(fd, "wb") as f:
        if not a["check"]:
            shutil.copyfileobj(resp, f)
    resp.close()
    out["checksum_src"] = digest(tmp, "sha1")
    if os.path.exists(dest):
        out["checksum_dest"] = digest(dest, "sha1")
    if a["check"]:
        # Ansible's prediction: only a HEAD was sent, so any file that exists may change.
        done(msg=msg, changed=out["checksum_dest"] is None or out["checksum_src"] != out["checksum_dest"])
    if out["checksum_src"] != out["checksum_dest"]:
        if os.path.exists(dest):
            st = os.stat(dest)
            os.chmod(tmp, st.st_mode & 0o7777)
            os.chown(tmp, st.st_uid, st.st_gid)
            if a["backup"]:
                backup = "%s.%s.%s" % (dest, os.getpid(), time.strftime("%Y-%m-%d@%H:%M:%S~"))
                with open(dest, "rb") as src, os.fdopen(os.open(backup, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as dst:
                    shutil.copyfileobj(src, dst)
                shutil.copystat(dest, backup)
                out["backup_file"] = backup
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        if os.path.dirname(os.path.abspath(tmp)) == os.path.dirname(os.path.abspath(dest)):
            os.rename(tmp, dest)
        else:
            shutil.move(tmp, dest)
        out["changed"] = True
finally:
    if os.path.exists(tmp):
        os.remove(tmp)
if checksum:
    actual = digest(dest, algorithm)
    if actual != checksum:
        os.remove(dest)
        fail("The checksum for %s did not match %s; it was %s." % (dest, checksum, actual))
done(msg=msg, status_code=status, md5sum=digest(dest, "md5"))
`;

export function getUrlScript(request: GetUrlRequest): string {
  return SCRIPT.replace('ARGS', JSON.stringify(Buffer.from(JSON.stringify(request)).toString('base64')));
}

export interface GetUrlOutput {
  changed: boolean;
  failed?: boolean;
  msg?: string;
  dest: string;
  url: string;
  [key: string]: unknown;
}
