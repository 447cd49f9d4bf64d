"""A stand-in for the Hub's HTTP API on loopback, for the push tests.

The Hub cannot be reached from CI, so this boundary alone is replaced: huggingface_hub's real
client (``HfApi(endpoint=hub.url)``) sends its real requests to a ``ThreadingHTTPServer`` on
127.0.0.1, which answers with the shapes huggingface_hub 2.4 reads and keeps what it receives.
Only the endpoints a push calls exist:

  POST /api/repos/create                           create_repo  {name, organization, type, visibility}; 409 if it exists
  GET  /api/{type}s/{owner}/{name}                 repo_info (create_repo(exist_ok=True) asks it after a 401/403)
  POST /api/{type}s/{owner}/{name}/branch/{b}      create_branch {startingPoint?}; 409 if it exists
  GET  /api/{type}s/{owner}/{name}/tree/{rev}      list_repo_files (?recursive=True): files and folders
  POST /api/validate-yaml                          create_commit's README.md check: the YAML header must parse
  POST /api/{type}s/{owner}/{name}/preupload/{rev} upload mode per file: "lfs" for *.parquet / *.png, else "regular"
  POST /{datasets/}{owner}/{name}.git/info/lfs/objects/batch   LFS batch: "basic" transfer, a PUT href here
  PUT  /lfs-objects/{oid}?sig=...                  the LFS object (no auth header, like a signed S3 URL); sha256 == oid
  POST /api/{type}s/{owner}/{name}/commit/{rev}    NDJSON commit: header, file (base64), lfsFile (oid, size),
                                                   deletedFile

Every API request needs ``authorization: Bearer <token>``; without it the answer is 401. Like
the Hub, a new repo starts with an "initial commit" holding ``.gitattributes``. The preupload
answer carries no remote ``oid``, so the client re-sends unchanged files (the real Hub lets it skip them).
Xet is not stood in: the client must be on the LFS route (``HF_HUB_DISABLE_XET``), otherwise it
asks for a xet token and gets a 404 naming the path.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

import yaml

LFS_SUFFIXES = (".parquet", ".png")
GITATTRIBUTES = b"*.parquet filter=lfs diff=lfs merge=lfs -text\n*.png filter=lfs diff=lfs merge=lfs -text\n"


@dataclass
class Commit:
    oid: str
    branch: str
    summary: str
    added: dict[str, str]  # path -> "lfs" or "regular": how the commit referenced it
    deleted: list[str]


@dataclass
class Repo:
    repo_type: str
    private: bool
    branches: dict[str, dict[str, bytes]]  # branch -> path -> content
    commits: list[Commit] = field(default_factory=list)


class HubStandIn:
    """The server's state; ``url`` is the endpoint to give ``HfApi``. Use as a context manager."""

    def __init__(self) -> None:
        self.repos: dict[str, Repo] = {}  # "dataset:owner/name" -> Repo
        self.lfs: dict[str, bytes] = {}  # sha256 -> content, as PUT
        self.requests: list[tuple[str, str]] = []  # (method, path) in arrival order
        self.tokens: list[str] = []  # bearer tokens seen
        self.signature = secrets.token_hex(8)  # the "signed URL" secret of LFS PUTs
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.daemon_threads = True
        self.server.hub = self  # type: ignore[attr-defined]
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> HubStandIn:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def repo(self, repo_id: str, repo_type: str = "dataset") -> Repo:
        return self.repos[f"{repo_type}:{repo_id}"]


class _Answer(Exception):
    def __init__(self, status: int, body: object, headers: dict[str, str] | None = None) -> None:
        super().__init__(status)
        self.status, self.body, self.headers = status, body, headers or {}


def _error(status: int, message: str, code: str | None = None) -> _Answer:
    return _Answer(status, {"error": message}, {"X-Error-Code": code} if code else {})


def _git_blob_oid(content: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(content) + content).hexdigest()


REPO = r"/api/(?P<type>model|dataset|space)s/(?P<repo>[^/]+/[^/]+)"
ROUTES = [  # (method, path pattern, handler name)
    ("POST", r"/api/repos/create", "create_repo"),
    ("POST", r"/api/validate-yaml", "validate_yaml"),
    ("GET", REPO, "repo_info"),
    ("POST", REPO + r"/branch/(?P<rev>[^/]+)", "create_branch"),
    ("GET", REPO + r"/tree/(?P<rev>[^/]+)", "tree"),
    ("POST", REPO + r"/preupload/(?P<rev>[^/]+)", "preupload"),
    ("POST", REPO + r"/commit/(?P<rev>[^/]+)", "commit"),
    ("POST", r"/(?:(?P<type>dataset|space)s/)?(?P<repo>[^/]+/[^/]+)\.git/info/lfs/objects/batch", "lfs_batch"),
    ("PUT", r"/lfs-objects/(?P<oid>[0-9a-f]{64})", "lfs_put"),
]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the client expects; every answer has a Content-Length

    def log_message(self, *args: object) -> None:  # quiet test output
        pass

    def _body(self) -> bytes:  # huggingface_hub sends a Content-Length with every body, files included
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _serve(self) -> None:
        hub: HubStandIn = self.server.hub  # type: ignore[attr-defined]
        method = self.command
        url = urlsplit(self.path)
        self.body, self.query = self._body(), parse_qs(url.query)
        with hub.lock:
            hub.requests.append((method, url.path))
        try:
            found = [
                (name, m) for verb, pattern, name in ROUTES if verb == method and (m := re.fullmatch(pattern, url.path))
            ]
            if not found:
                raise _error(404, f"stand-in: no route for {method} {url.path}")
            name, match = found[0]
            if name != "lfs_put":  # the upload href is pre-signed, like the Hub's S3 URLs
                auth = self.headers.get("authorization", "")
                if not auth.startswith("Bearer ") or not auth[7:].strip():
                    raise _error(401, "Invalid username or password.")
                with hub.lock:
                    hub.tokens.append(auth[7:])
            args = {k: unquote(v) for k, v in match.groupdict().items() if v is not None}
            with hub.lock:
                status, body, headers = 200, getattr(self, f"_{name}")(hub, **args), {}
        except _Answer as answer:
            status, body, headers = answer.status, answer.body, answer.headers
        data = json.dumps(body).encode()
        self.send_response(status)
        for key, value in {"Content-Type": "application/json", **headers}.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = _serve

    def _json(self) -> dict:
        return json.loads(self.body or b"{}")

    def _repo(self, hub: HubStandIn, type: str, repo: str, rev: str | None = None) -> Repo:
        found = hub.repos.get(f"{type or 'model'}:{repo}")
        if found is None:
            raise _error(404, f"Repository not found: {repo}", "RepoNotFound")
        if rev is not None and rev not in found.branches:
            raise _error(404, f"Invalid rev id: {rev}", "RevisionNotFound")
        return found

    def _create_repo(self, hub: HubStandIn) -> dict:
        payload = self._json()
        repo_type, repo_id = payload.get("type", "model"), f"{payload['organization']}/{payload['name']}"
        url = f"{hub.url}/{'' if repo_type == 'model' else repo_type + 's/'}{repo_id}"
        if f"{repo_type}:{repo_id}" in hub.repos:  # the Hub's 409 carries the url too; create_repo(exist_ok) reads it
            raise _Answer(409, {"error": f"You already created this {repo_type} repo", "url": url})
        repo = Repo(repo_type, payload.get("visibility") == "private", {"main": {".gitattributes": GITATTRIBUTES}})
        hub.repos[f"{repo_type}:{repo_id}"] = repo
        repo.commits.append(Commit(secrets.token_hex(20), "main", "initial commit", {".gitattributes": "regular"}, []))
        return {"url": url, "name": repo_id}

    def _validate_yaml(self, hub: HubStandIn) -> dict:
        content = self._json()["content"]
        header = re.match(r"---\n(.*?)\n---\n", content, re.S)
        try:
            yaml.safe_load(header.group(1) if header else "")
        except yaml.YAMLError as error:
            raise _Answer(400, {"errors": [{"message": f"invalid YAML: {error}"}]}) from None
        return {"errors": [], "warnings": []}

    def _repo_info(self, hub: HubStandIn, type: str, repo: str) -> dict:
        found = self._repo(hub, type, repo)
        return {"id": repo, "private": found.private, "sha": found.commits[-1].oid}

    def _create_branch(self, hub: HubStandIn, type: str, repo: str, rev: str) -> dict:
        found = self._repo(hub, type, repo)
        if rev in found.branches:
            raise _error(409, f"Reference already exists: refs/heads/{rev}")
        found.branches[rev] = dict(found.branches[self._json().get("startingPoint", "main")])
        return {}

    def _tree(self, hub: HubStandIn, type: str, repo: str, rev: str) -> list:
        files = self._repo(hub, type, repo, rev).branches[rev]
        folders = sorted({path.rsplit("/", 1)[0] for path in files if "/" in path})
        entries = [
            {"type": "directory", "path": f, "oid": hashlib.sha1(f.encode()).hexdigest(), "size": 0} for f in folders
        ]
        for path, content in sorted(files.items()):
            entry = {"type": "file", "path": path, "oid": _git_blob_oid(content), "size": len(content)}
            if path.endswith(LFS_SUFFIXES):
                entry["lfs"] = {"oid": hashlib.sha256(content).hexdigest(), "size": len(content), "pointerSize": 134}
            entries.append(entry)
        return entries

    def _preupload(self, hub: HubStandIn, type: str, repo: str, rev: str) -> dict:
        self._repo(hub, type, repo, rev)
        modes = [(f["path"], "lfs" if f["path"].endswith(LFS_SUFFIXES) else "regular") for f in self._json()["files"]]
        return {"files": [{"path": path, "uploadMode": mode, "shouldIgnore": False} for path, mode in modes]}

    def _lfs_batch(self, hub: HubStandIn, repo: str, type: str = "model") -> dict:
        self._repo(hub, type, repo)
        payload = self._json()
        if payload.get("operation") != "upload" or "basic" not in payload.get("transfers", []):
            raise _error(400, "stand-in: only the basic upload transfer is implemented")
        objects = []
        for obj in payload["objects"]:
            href = f"{hub.url}/lfs-objects/{obj['oid']}?sig={hub.signature}"
            actions = {} if obj["oid"] in hub.lfs else {"actions": {"upload": {"href": href}}}  # present: no upload
            objects.append({"oid": obj["oid"], "size": obj["size"], "authenticated": True, **actions})
        return {"transfer": "basic", "objects": objects}

    def _lfs_put(self, hub: HubStandIn, oid: str) -> dict:
        if self.query.get("sig") != [hub.signature]:
            raise _error(403, "stand-in: bad upload signature")
        if hashlib.sha256(self.body).hexdigest() != oid:
            raise _error(400, f"stand-in: content does not hash to {oid}")
        hub.lfs[oid] = self.body
        return {}

    def _commit(self, hub: HubStandIn, type: str, repo: str, rev: str) -> dict:
        found = self._repo(hub, type, repo, rev)
        files, added, deleted, summary = dict(found.branches[rev]), {}, [], ""
        for line in self.body.splitlines():
            item = json.loads(line)
            key, value = item["key"], item["value"]
            if key == "header":
                summary = value["summary"]
            elif key == "file":
                files[value["path"]], added[value["path"]] = base64.b64decode(value["content"]), "regular"
            elif key == "lfsFile":
                content = hub.lfs.get(value["oid"])
                if content is None or len(content) != value.get("size", len(content)):
                    raise _error(422, f"stand-in: LFS object {value['oid']} of {value['path']} was not uploaded")
                files[value["path"]], added[value["path"]] = content, "lfs"
            elif key == "deletedFile":
                if files.pop(value["path"], None) is None:
                    raise _error(404, f"stand-in: cannot delete {value['path']}: no such file", "EntryNotFound")
                deleted.append(value["path"])
            else:
                raise _error(400, f"stand-in: commit operation {key!r} is not implemented")
        commit = Commit(secrets.token_hex(20), rev, summary, added, deleted)
        found.branches[rev] = files
        found.commits.append(commit)
        prefix = "" if found.repo_type == "model" else f"{found.repo_type}s/"
        return {
            "commitUrl": f"{hub.url}/{prefix}{repo}/commit/{commit.oid}",
            "commitOid": commit.oid,
            "pullRequestUrl": None,
        }
