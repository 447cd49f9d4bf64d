"""Publishing a release folder to a Hugging Face Hub dataset repo, in one commit.

A push creates the repo (and the branch) when missing, then sends one commit holding every file of
the release: the card (README.md), the parquet files of each config and the plots. Files the repo
holds under the config folders or ``plots/`` that the release does not are deleted in that same
commit, so a re-push never leaves stale shards behind; nothing else in the repo is touched.
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from huggingface_hub import (
    CommitOperationAdd,
    CommitOperationDelete,
    DatasetCard,
    HfApi,
)
from huggingface_hub.errors import HfHubHTTPError, HFValidationError
from huggingface_hub.utils import validate_repo_id

from builder.errors import PushError
from builder.release.card import PLANNING_KEY
from builder.release.layout import CARD, PLOTS_DIR, parquet_files
from builder.schema import CONFIGS

# The folders a release owns in the repo: the only places a push deletes from.
OWNED_DIRS = (*CONFIGS, PLOTS_DIR)


@dataclass(frozen=True)
class Upload:
    """One file of the release: where it goes in the repo, where it is here, its size in bytes."""

    path_in_repo: str
    local: Path
    size: int


@dataclass(frozen=True)
class PushResult:
    """What a push sent (or, in a dry run, would send)."""

    repo_id: str
    revision: str | None
    private: bool
    uploads: tuple[Upload, ...]
    deletions: tuple[str, ...]  # stale files deleted; always empty in a dry run (the repo is not read)
    commit_message: str
    url: str
    commit_url: str | None  # None in a dry run
    dry_run: bool
    validation: str = "not run"  # "N of N checks passed", or why it did not run

    @property
    def total_bytes(self) -> int:
        return sum(u.size for u in self.uploads)

    def lines(self) -> list[str]:
        """The report the CLI prints: the plan in a dry run, what was done otherwise."""
        files = [f"  add  {u.path_in_repo}  {format_size(u.size)}" for u in self.uploads]
        files += [f"  delete  {path}" for path in self.deletions]
        total = f"total: {len(self.uploads)} files, {format_size(self.total_bytes)}"
        if not self.dry_run:
            return [
                f"validate: {self.validation}",
                f"pushed {len(self.uploads)} files ({format_size(self.total_bytes)}) and deleted "
                f"{len(self.deletions)} stale file(s) in one commit to dataset {self.repo_id}",
                *files,
                f"dataset: {self.url}",
                f"commit:  {self.commit_url}",
            ]
        visibility = "private" if self.private else "public"
        branch = self.revision or "main"
        return [
            "dry run: nothing is sent to the Hub",
            f"validate: {self.validation}",
            f"repo:    dataset {self.repo_id}  {self.url}",
            f"create:  dataset repo {self.repo_id}, {visibility}, if it does not exist",
            f"branch:  {branch}" + ("" if branch == "main" else ", created from main if it does not exist"),
            f"commit 1 of 1 on {branch}: {self.commit_message!r}",
            *files,
            f"  delete  files under {', '.join(d + '/' for d in OWNED_DIRS)} that the repo holds and this release "
            "does not"
            " (listed at push time)",
            total,
        ]


def format_size(size: int) -> str:
    """Decimal units, one decimal: ``1.2 MB``."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size} B"


def check_repo_id(repo_id: str) -> str:
    """``repo_id`` if it is ``OWNER/NAME`` as the Hub allows; a ``PushError`` otherwise."""
    if repo_id.count("/") != 1:  # validate_repo_id also accepts a bare NAME; a push names the owner
        raise PushError(f"--repo-id {repo_id!r}: must be OWNER/NAME, e.g. me/warp-ir-pairs")
    try:
        validate_repo_id(repo_id)
    except HFValidationError as error:
        reason = str(error).splitlines()[0]
        raise PushError(
            f"--repo-id {repo_id!r}: must be OWNER/NAME of letters, digits, '-', '_', '.' ({reason})"
        ) from None
    return repo_id


def plan_upload(folder: str | os.PathLike) -> list[Upload]:
    """Every file of the release in ``folder``: the card, each config's parquet files, the plots."""
    root = Path(folder)
    if not root.is_dir():
        raise PushError(
            f"release folder {str(root)!r} does not exist or is not a directory (give one written by `warp-ir-pairs "
            "build`)"
        )
    if not (root / CARD).is_file():
        raise PushError(
            f"{str(root)!r} is not a release: no {CARD} dataset card (write one with `warp-ir-pairs build`)"
        )
    tables = [p for config in CONFIGS for paths in parquet_files(root, config).values() for p in paths]
    if not tables:
        raise PushError(
            f"{str(root)!r} is not a release: no parquet files in any of {', '.join(d + '/' for d in CONFIGS)}"
        )
    files = [root / CARD, *tables, *sorted((root / PLOTS_DIR).glob("*.png"))]
    return [Upload(p.relative_to(root).as_posix(), p, p.stat().st_size) for p in files]


def commit_message(folder: str | os.PathLike, uploads: list[Upload]) -> str:
    """Names the release: kernels and seed from the card's YAML (when there), configs from the files."""
    configs = [c for c in CONFIGS if any(u.path_in_repo.startswith(f"{c}/") for u in uploads)]
    try:
        figures = DatasetCard.load(Path(folder) / CARD).data.to_dict().get(PLANNING_KEY)
    except Exception:  # noqa: BLE001 - the message is cosmetic; the card itself is uploaded as it is
        figures = None
    figures = figures if isinstance(figures, dict) else {}
    what = [f"{figures['num_examples']} kernels"] if "num_examples" in figures else []
    what += [f"seed {figures['seed']}"] if "seed" in figures else []
    return f"warp-ir-pairs release: {', '.join([*what, 'configs ' + ', '.join(configs)])}"


def dataset_url(endpoint: str, repo_id: str, revision: str | None = None) -> str:
    """The dataset's page on ``endpoint``, on ``revision``'s tree when one is given."""
    url = f"{endpoint.rstrip('/')}/datasets/{repo_id}"
    return f"{url}/tree/{quote(revision, safe='')}" if revision else url


def default_api(token: str | None = None) -> HfApi:
    """The client the CLI uses: ``token`` or, when None, HF_TOKEN / the saved login, as the library does."""
    # huggingface_hub reads HF_ENDPOINT once, at import; reading it here too lets a caller that set it
    # later in the same process (a test, a notebook) be honoured. Unset, the library's default stands.
    endpoint = os.environ.get("HF_ENDPOINT", "").rstrip("/") or None
    return HfApi(endpoint=endpoint, token=token)


def push_release(
    folder: str | os.PathLike,
    repo_id: str,
    *,
    private: bool = False,
    revision: str | None = None,
    token: str | None = None,
    dry_run: bool = False,
    api: HfApi | None = None,
    validate: bool = True,
) -> PushResult:
    """Push the release in ``folder`` to the dataset repo ``repo_id`` in one commit.

    The release must first pass every check of ``builder.release.checks`` (unless ``validate`` is
    False): a broken release is never published. ``api`` defaults to ``default_api(token)``; with
    ``dry_run`` nothing is sent anywhere and the result lists what would be. Bad input, a failed
    check and Hub errors raise ``PushError`` (one line).
    """
    check_repo_id(repo_id)
    if revision is not None and not revision.strip():
        raise PushError(f"--revision {revision!r}: must name a branch, e.g. main or v1")
    uploads = plan_upload(folder)
    validation = check_release(folder) if validate else "skipped (--no-validate)"
    message = commit_message(folder, uploads)
    api = api if api is not None else default_api(token)
    url = dataset_url(api.endpoint, repo_id, revision)
    result = dict(
        repo_id=repo_id,
        revision=revision,
        private=private,
        uploads=tuple(uploads),
        commit_message=message,
        url=url,
        validation=validation,
    )
    if dry_run:
        return PushResult(**result, deletions=(), commit_url=None, dry_run=True)
    try:
        api.create_repo(repo_id, repo_type="dataset", private=private, exist_ok=True)
        if revision is not None and revision != "main":
            api.create_branch(repo_id, repo_type="dataset", branch=revision, exist_ok=True)
        new = {u.path_in_repo for u in uploads}
        held = api.list_repo_files(repo_id, repo_type="dataset", revision=revision)
        stale = tuple(sorted(p for p in held if p.startswith(tuple(d + "/" for d in OWNED_DIRS)) and p not in new))
        operations = [CommitOperationAdd(u.path_in_repo, str(u.local)) for u in uploads]
        operations += [CommitOperationDelete(path) for path in stale]
        commit = api.create_commit(repo_id, operations, commit_message=message, repo_type="dataset", revision=revision)
    except (HfHubHTTPError, OSError, ValueError, RuntimeError, *_transport_errors()) as error:
        raise PushError(_describe(error, repo_id, api.endpoint)) from error
    return PushResult(**result, deletions=stale, commit_url=commit.commit_url, dry_run=False)


def check_release(folder: str | os.PathLike) -> str:
    """``N of N checks passed`` when every ``validate`` check holds; a ``PushError`` naming the failures otherwise."""
    from builder.release.checks import validate_release

    results = validate_release(folder)
    failed = [r for r in results if not r.passed]
    if failed:
        detail = "; ".join(r.line() for r in failed)
        detail = detail if len(detail) <= 400 else detail[:397] + "..."
        raise PushError(
            f"{str(folder)!r} fails {len(failed)} of {len(results)} release checks ({detail}); "
            "nothing was pushed (`warp-ir-pairs validate DIR` shows every check; --no-validate pushes anyway)"
        )
    return f"{len(results)} of {len(results)} checks passed"


def _describe(error: BaseException, repo_id: str, endpoint: str) -> str:
    """One line: the HTTP status and the Hub's message when the Hub answered, the failure otherwise."""
    cause: BaseException | None = error
    while cause is not None and not isinstance(cause, HfHubHTTPError):  # LFS uploads wrap the HTTP error
        cause = cause.__cause__
    if isinstance(cause, HfHubHTTPError) and cause.response is not None:
        response = cause.response
        detail = (cause.server_message or response.reason_phrase).rstrip(".")
        request = f"{response.request.method} {response.request.url}"
        text = f"the Hub answered {response.status_code} {response.reason_phrase} to {request}: {detail}"
        if response.status_code in (401, 403):
            text += "; give a token with write access: --token, HF_TOKEN or `hf auth login`"
    else:
        text = f"{type(error).__name__}: {error} (endpoint {endpoint})"
    return " ".join(f"pushing to dataset {repo_id!r} failed: {text}".split())


def _transport_errors() -> tuple[type[Exception], ...]:
    """Connection errors of the HTTP client huggingface_hub uses; they are not ``OSError``s."""
    errors: list[type[Exception]] = []
    for module in ("httpx2", "httpx"):  # huggingface_hub 2.x uses httpx2, 1.x httpx (0.x requests: OSError)
        try:
            errors.append(importlib.import_module(module).TransportError)
        except (ImportError, AttributeError):
            pass
    return tuple(errors)
