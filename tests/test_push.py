"""``warp-ir-pairs push``: a real release through huggingface_hub's real HTTP client.

The Hub cannot be reached from CI, so the client talks to ``tests/hub_standin.py``, a stand-in for
the Hub's HTTP API on loopback that keeps every repo, branch, commit and LFS object it receives.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import NUM_EXAMPLES, SEED
from hub_standin import GITATTRIBUTES, HubStandIn
from huggingface_hub import HfApi, constants

from builder.cli import main
from builder.release.hub import format_size, push_release

ROOT = Path(__file__).resolve().parent.parent
MESSAGE = f"warp-ir-pairs release: {NUM_EXAMPLES} kernels, seed {SEED}, configs cpu, cuda, paired"


@pytest.fixture(scope="module")
def built(release) -> Path:
    """The session's real release (conftest): 460 kernels, all configs and splits, plots."""
    assert sorted(p.name for p in (release / "plots").glob("*.png")), "the release has no plots to push"
    return release


@pytest.fixture(autouse=True)
def hub_client_env(monkeypatch, tmp_path):
    """No token but the one a test gives, and huggingface_hub on its LFS upload route.

    hf_xet is installed, and with it huggingface_hub 2.4 decides on the client side alone
    (``is_xet_available()``, whatever the LFS batch answer offers) to upload through Xet's CAS
    service, which the stand-in does not implement; ``HF_HUB_DISABLE_XET`` is the library's own
    switch to the LFS route (the library reads it at import, so the constant is set here).
    """
    monkeypatch.setattr(constants, "HF_HUB_DISABLE_XET", True)
    monkeypatch.setattr(constants, "HF_TOKEN_PATH", str(tmp_path / "no-saved-login" / "token"))
    for name in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_OIDC_RESOURCE", "HF_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def hub():
    with HubStandIn() as standin:
        yield standin


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def release_files(root: Path) -> dict[str, str]:
    """Every file under the release folder -> sha256, read from disk."""
    return {p.relative_to(root).as_posix(): sha256(p.read_bytes()) for p in root.rglob("*") if p.is_file()}


def stored(hub: HubStandIn, branch: str = "main") -> dict[str, str]:
    return {path: sha256(content) for path, content in hub.repo("me/wirp").branches[branch].items()}


def test_dry_run_lists_one_commit_and_sends_nothing(built, hub, monkeypatch, capsys):
    monkeypatch.setenv("HF_ENDPOINT", hub.url)  # anything sent would reach the stand-in
    assert main(["push", str(built), "--repo-id", "me/wirp", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert hub.requests == []
    files = release_files(built)
    assert {"README.md", "cpu/train-00000-of-00001.parquet", "paired/test-00000-of-00001.parquet"} <= set(files)
    assert (
        {p for p in files if p.startswith("plots/")}
        == {f"plots/{p.name}" for p in (built / "plots").glob("*.png")}
        != set()
    )
    listed = re.findall(r"^  add  (\S+)  (\S+ \S+)$", out, re.M)
    assert dict(listed) == {p: format_size((built / p).stat().st_size) for p in files}
    assert len(re.findall(r"^commit ", out, re.M)) == 1
    assert f"commit 1 of 1 on main: {MESSAGE!r}" in out
    assert "validate: 13 of 13 checks passed" in out
    assert f"repo:    dataset me/wirp  {hub.url}/datasets/me/wirp" in out
    assert "create:  dataset repo me/wirp, public, if it does not exist" in out
    total = sum((built / p).stat().st_size for p in files)
    assert f"total: {len(files)} files, {format_size(total)}" in out


def test_push_uploads_every_file_in_one_commit_through_lfs(built, hub, monkeypatch, capsys):
    monkeypatch.setenv("HF_ENDPOINT", hub.url)
    planned = [
        u.path_in_repo for u in push_release(built, "me/wirp", dry_run=True, api=HfApi(endpoint=hub.url)).uploads
    ]
    assert hub.requests == []
    assert main(["push", str(built), "--repo-id", "me/wirp", "--private", "--token", "secret"]) == 0
    repo = hub.repo("me/wirp")
    assert (repo.repo_type, repo.private) == ("dataset", True)
    assert [c.summary for c in repo.commits] == ["initial commit", MESSAGE]
    commit = repo.commits[1]
    files = release_files(built)
    assert sorted(commit.added) == sorted(planned) == sorted(files)
    assert stored(hub) == {**files, ".gitattributes": sha256(GITATTRIBUTES)}  # byte for byte
    lfs = {p for p in files if p.endswith((".parquet", ".png"))}
    assert commit.added == {p: "lfs" if p in lfs else "regular" for p in files}
    assert commit.added["README.md"] == commit.added["checksums.sha256"] == "regular" and len(lfs) == len(files) - 2
    assert set(hub.lfs) == {files[p] for p in lfs}
    assert sorted(path for method, path in hub.requests if method == "PUT") == sorted(
        f"/lfs-objects/{files[p]}" for p in lfs
    )
    assert set(hub.tokens) == {"secret"}
    out = capsys.readouterr().out
    assert f"dataset: {hub.url}/datasets/me/wirp\n" in out
    assert f"commit:  {hub.url}/datasets/me/wirp/commit/{commit.oid}\n" in out
    assert f"pushed {len(files)} files" in out and "deleted 0 stale file(s)" in out


def test_revision_creates_the_branch_and_commits_there(built, hub):
    result = push_release(built, "me/wirp", revision="v1", api=HfApi(endpoint=hub.url, token="t"))
    repo = hub.repo("me/wirp")
    assert not repo.private
    assert ("POST", "/api/datasets/me/wirp/branch/v1") in hub.requests
    assert set(repo.branches) == {"main", "v1"}
    assert repo.branches["main"] == {".gitattributes": GITATTRIBUTES}
    assert [(c.branch, c.summary) for c in repo.commits] == [("main", "initial commit"), ("v1", MESSAGE)]
    assert stored(hub, "v1") == {**release_files(built), ".gitattributes": sha256(GITATTRIBUTES)}
    assert result.url == f"{hub.url}/datasets/me/wirp/tree/v1"
    assert result.commit_url == f"{hub.url}/datasets/me/wirp/commit/{repo.commits[1].oid}"
    # A second push to the existing branch: create_branch's 409 is taken as "exists".
    push_release(built, "me/wirp", revision="v1", api=HfApi(endpoint=hub.url, token="t"))
    assert [c.branch for c in repo.commits] == ["main", "v1", "v1"]


def test_repush_with_fewer_files_deletes_stale_shards_in_the_same_commit(built, hub, tmp_path):
    api = HfApi(endpoint=hub.url, token="t")
    push_release(built, "me/wirp", api=api)
    api.upload_file(path_or_fileobj=b"kept\n", path_in_repo="notes.md", repo_id="me/wirp", repo_type="dataset")
    smaller = tmp_path / "rel"  # as `build --configs cpu,paired` lays it out
    shutil.copytree(built, smaller)
    shutil.rmtree(smaller / "cuda")
    commits = len(hub.repo("me/wirp").commits)
    # The card still lists cuda (validate would refuse it): only the file layout matters here.
    result = push_release(smaller, "me/wirp", api=api, validate=False)
    repo = hub.repo("me/wirp")
    assert len(repo.commits) == commits + 1
    commit = repo.commits[-1]
    stale = sorted(p for p in release_files(built) if p.startswith("cuda/"))
    assert len(stale) == 3 and sorted(commit.deleted) == list(result.deletions) == stale
    assert sorted(commit.added) == sorted(release_files(smaller))
    assert commit.summary == f"warp-ir-pairs release: {NUM_EXAMPLES} kernels, seed {SEED}, configs cpu, paired"
    assert stored(hub) == {
        **release_files(smaller),
        ".gitattributes": sha256(GITATTRIBUTES),
        "notes.md": sha256(b"kept\n"),
    }
    assert [f"  delete  {p}" for p in stale] == [line for line in result.lines() if line.startswith("  delete")]


def test_a_release_that_fails_validation_is_not_pushed_unless_asked(built, hub, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("HF_ENDPOINT", hub.url)
    edited = tmp_path / "rel"
    shutil.copytree(built, edited)
    (edited / "checksums.sha256").unlink()  # as an older release: only the count table fails
    card = edited / "README.md"
    card.write_text(card.read_text().replace("| arithmetic | 14 | 3 | 3 | 20 |", "| arithmetic | 15 | 3 | 3 | 21 |", 1))
    for extra in ([], ["--dry-run"]):
        assert main(["push", str(edited), "--repo-id", "me/wirp", "--token", "t", *extra]) == 1
        error = capsys.readouterr().err.strip()
        assert "\n" not in error and "fails 1 of 13 release checks (FAIL counts: " in error
        assert "arithmetic/train: 15 in the card, 14 in the data" in error and "--no-validate pushes anyway" in error
    assert hub.requests == []
    assert main(["push", str(edited), "--repo-id", "me/wirp", "--token", "t", "--no-validate"]) == 0
    assert "validate: skipped (--no-validate)" in capsys.readouterr().out
    assert stored(hub)["README.md"] == sha256(card.read_bytes())


def _closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


@pytest.mark.parametrize(
    "case, expected",
    [
        ("no-slash", ["--repo-id 'no-slash'", "OWNER/NAME"]),
        ("a/b/c", ["--repo-id 'a/b/c'", "OWNER/NAME"]),
        ("missing", ["missing'", "does not exist"]),
        ("no-card", ["no-card'", "not a release", "no README.md"]),
        ("no-parquet", ["no-parquet'", "not a release", "no parquet files", "cpu/, cuda/, paired/"]),
        (
            "no-token",
            ["'me/wirp'", "401 Unauthorized", "POST", "/api/repos/create", "Invalid username or password", "--token"],
        ),
        ("unreachable", ["'me/wirp'", "ConnectError", "refused"]),
        ("credentials", ["'me/wirp'", "ConnectError", "(endpoint http://***@127.0.0.1:"]),
    ],
)
def test_bad_input_exits_1_with_one_line_and_stores_nothing(built, hub, tmp_path, monkeypatch, capsys, case, expected):
    folder, repo_id, token = built, "me/wirp", ["--token", "t"]
    monkeypatch.setenv("HF_ENDPOINT", hub.url)
    if case in ("no-slash", "a/b/c"):
        repo_id = case
    elif case == "missing":
        folder = tmp_path / "missing"
    elif case == "no-card":
        folder = tmp_path / "no-card"
        shutil.copytree(built / "cpu", folder / "cpu")
    elif case == "no-parquet":
        folder = tmp_path / "no-parquet"
        folder.mkdir()
        shutil.copy(built / "README.md", folder / "README.md")
    elif case == "no-token":
        token = []  # no HF_TOKEN, no saved login (hub_client_env): no authorization header
    elif case == "credentials":  # user:password in HF_ENDPOINT is never echoed
        monkeypatch.setenv("HF_ENDPOINT", _closed_port_url().replace("http://", "http://alice:s3cret@"))
    else:
        monkeypatch.setenv("HF_ENDPOINT", _closed_port_url())
    assert main(["push", str(folder), "--repo-id", repo_id, *token]) == 1
    captured = capsys.readouterr()
    error = captured.err.strip()
    assert captured.out == "" and "\n" not in error and error.startswith("warp-ir-pairs: error: ")
    assert "s3cret" not in error and "alice" not in error
    for text in expected:
        assert text in error
    assert hub.repos == {} and hub.lfs == {}
    if case == "no-token":
        assert hub.requests[0] == ("POST", "/api/repos/create") and hub.tokens == []
    else:
        assert hub.requests == []


def test_cli_process_takes_endpoint_and_token_from_the_environment(built, hub, tmp_path):
    """A fresh ``warp-ir-pairs`` process: HF_ENDPOINT and HF_TOKEN as huggingface_hub reads them."""
    env = {**os.environ, "HF_ENDPOINT": hub.url, "HF_HUB_DISABLE_XET": "1", "HF_HOME": str(tmp_path / "hf-home")}
    for name in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_TOKEN_PATH", "HF_OIDC_RESOURCE"):
        env.pop(name, None)
    command = [sys.executable, "-m", "builder.cli", "push", str(built), "--repo-id", "me/wirp"]
    refused = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert refused.returncode == 1 and hub.repos == {}
    assert "401 Unauthorized" in refused.stderr and "'me/wirp'" in refused.stderr
    done = subprocess.run(
        command, cwd=ROOT, env={**env, "HF_TOKEN": "from-env"}, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert set(hub.tokens) == {"from-env"}
    assert stored(hub) == {**release_files(built), ".gitattributes": sha256(GITATTRIBUTES)}
    assert f"dataset: {hub.url}/datasets/me/wirp\n" in done.stdout
