/**
 * ansible.builtin.find runs ON THE HOST in python3 (which every host Ansible manages has): its
 * patterns, excludes and contains are Python regexes and fnmatch globs, matched here by Python
 * itself so they mean exactly what they mean in Ansible. The arguments travel as base64 JSON inside
 * the script (on stdin), never as shell text.
 */
export interface FindRequest {
  paths: string[];
  patterns: string[];
  excludes: string[];
  contains?: string;
  read_whole_file: boolean;
  file_type: 'any' | 'directory' | 'file' | 'link';
  /** Seconds; negative: younger than. */
  age?: number;
  age_stamp: 'atime' | 'ctime' | 'mtime';
  /** Bytes; negative: smaller than. */
  size?: number;
  recurse: boolean;
  hidden: boolean;
  follow: boolean;
  get_checksum: boolean;
  use_regex: boolean;
  depth?: number;
}

const SCRIPT = `
import base64, fnmatch, grp, hashlib, json, os, pwd, re, stat, sys, time
a = json.loads(base64.b64decode(ARGS))

def matches(name, pats):
    return any(re.match(p, name) if a["use_regex"] else fnmatch.fnmatch(name, p) for p in pats)

def wanted(name):
    return matches(name, a["patterns"]) and not (a["excludes"] and matches(name, a["excludes"]))

def young_or_old(st):
    age = a.get("age")
    if age is None:
        return True
    elapsed = now - getattr(st, "st_" + a["age_stamp"])
    return elapsed >= age if age >= 0 else elapsed <= -age

def big_or_small(st):
    size = a.get("size")
    if size is None:
        return True
    return st.st_size >= size if size >= 0 else st.st_size <= -size

def contains(path):
    if a.get("contains") is None:
        return True
    prog = re.compile(a["contains"])
    try:
        with open(path) as f:
            if a["read_whole_file"]:
                return bool(prog.search(f.read()))
            return any(prog.match(line) for line in f)
    except Exception:
        return False

def name_of(lookup, id):
    try:
        return lookup(id)[0]
    except Exception:
        return ""

def info(path, st):
    m = st.st_mode
    r = {"path": path, "mode": "%04o" % stat.S_IMODE(m), "isdir": stat.S_ISDIR(m), "ischr": stat.S_ISCHR(m), "isblk": stat.S_ISBLK(m),
         "isreg": stat.S_ISREG(m), "isfifo": stat.S_ISFIFO(m), "islnk": stat.S_ISLNK(m), "issock": stat.S_ISSOCK(m),
         "uid": st.st_uid, "gid": st.st_gid, "size": st.st_size, "inode": st.st_ino, "dev": st.st_dev, "nlink": st.st_nlink,
         "atime": st.st_atime, "mtime": st.st_mtime, "ctime": st.st_ctime,
         "gr_name": name_of(grp.getgrgid, st.st_gid), "pw_name": name_of(pwd.getpwuid, st.st_uid)}
    for who, bits in (("usr", (stat.S_IRUSR, stat.S_IWUSR, stat.S_IXUSR)), ("grp", (stat.S_IRGRP, stat.S_IWGRP, stat.S_IXGRP)), ("oth", (stat.S_IROTH, stat.S_IWOTH, stat.S_IXOTH))):
        for letter, bit in zip("rwx", bits):
            r[letter + who] = bool(m & bit)
    r["isuid"] = bool(m & stat.S_ISUID)
    r["isgid"] = bool(m & stat.S_ISGID)
    if stat.S_ISREG(m) and a["get_checksum"]:
        with open(path, "rb") as f:
            r["checksum"] = hashlib.sha1(f.read()).hexdigest()
    return r

def raise_error(e):
    raise e

now = time.time()
files, skipped, examined = [], {}, 0
for top in a["paths"]:
    top = os.path.expanduser(os.path.expandvars(top))
    try:
        if not os.path.isdir(top):
            raise Exception("'%s' is not a directory" % top)
        for root, dirs, names in os.walk(top, onerror=raise_error, followlinks=a["follow"]):
            examined += len(names) + len(dirs)
            for name in names + dirs:
                path = os.path.normpath(os.path.join(root, name))
                if a.get("depth"):
                    if path.count(os.sep) - (top.rstrip(os.sep) + os.sep).count(os.sep) + 1 > a["depth"]:
                        del dirs[:]
                        continue
                if name.startswith(".") and not a["hidden"]:
                    continue
                try:
                    st = os.lstat(path)
                except OSError as e:
                    skipped[path] = str(e)
                    continue
                kind = a["file_type"]
                if not (wanted(name) and young_or_old(st)):
                    continue
                if kind == "any" and (not stat.S_ISREG(st.st_mode) or big_or_small(st)):
                    files.append(info(path, st))
                elif kind == "directory" and stat.S_ISDIR(st.st_mode):
                    files.append(info(path, st))
                elif kind == "file" and stat.S_ISREG(st.st_mode) and big_or_small(st) and contains(path):
                    files.append(info(path, st))
                elif kind == "link" and stat.S_ISLNK(st.st_mode):
                    files.append(info(path, st))
            if not a["recurse"]:
                break
    except Exception as e:
        skipped[top] = str(e)
json.dump({"files": files, "skipped_paths": skipped, "examined": examined}, sys.stdout)
`;

export function findScript(request: FindRequest): string {
  return SCRIPT.replace('ARGS', JSON.stringify(Buffer.from(JSON.stringify(request)).toString('base64')));
}

export interface FindOutput {
  files: Record<string, unknown>[];
  skipped_paths: Record<string, string>;
  examined: number;
}
