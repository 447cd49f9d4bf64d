"""Every exception of ``builder``, declared together, and ``one_line``: an error as one line of text.

Each class says what failed and carries the short fields a report counts (``reason``) or shows
(``detail``). Every class pickles with its fields, so an error raised in a worker process (the
``datasets`` pool, datatrove's tasks) arrives in the main process as the same class and message.
"""

from __future__ import annotations

from collections import Counter


class OptionError(ValueError):
    """A build option has a value that is not allowed; the message names the value and what is allowed.

    ``allowed``, when given, is the rule alone (``must be an integer >= 1``), for a caller that
    names the value its own way (the CLI names the argument as typed).
    """

    def __init__(self, message: str, *, allowed: str = "") -> None:
        super().__init__(message)
        self.allowed = allowed

    def __reduce__(self):
        return _rebuild, (type(self), str(self), self.allowed)


class PlanError(OptionError):
    """The plan asked for cannot be made: a bad argument, or a category that runs dry within its draws."""


def _rebuild(kind: type, message: str, allowed: str) -> OptionError:
    return kind(message, allowed=allowed)


class ReleaseError(Exception):
    """The release cannot be built as asked; the message names the value and what is allowed."""


class PushError(Exception):
    """The push cannot be done as asked; the message is one line naming the value at fault."""


class _Reasoned(Exception):
    """An error with a short, countable ``reason`` and the tool's own words in ``detail``."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail

    def __reduce__(self):
        return type(self), (self.reason, self.detail)


class ExtractionError(_Reasoned):
    """Warp could not generate code for a kernel; ``reason`` is a short, countable label."""


class CompileError(_Reasoned):
    """A unit did not compile; ``reason`` is short and countable, ``detail`` the compiler's words."""


class ShardFailed(RuntimeError):
    """Kernels of a shard failed code generation; the message counts them by reason."""

    def __init__(self, failures: Counter, examples: list[str]) -> None:
        counts = ", ".join(f"{reason}: {n}" for reason, n in failures.most_common())
        first = "; ".join(examples[:3])
        super().__init__(f"{sum(failures.values())} kernel(s) failed code generation ({counts}); first: {first}")
        self.failures = failures
        self.examples = examples

    def __reduce__(self):
        # Rebuilt from its fields: a worker process sends it back pickled.
        return type(self), (self.failures, self.examples)


# Errors whose message is already the one line a user should read: a build that fails with one
# of them reports that message alone (``known_failure``).
REPORTED = (ShardFailed, PlanError)


def known_failure(error: BaseException | None) -> str | None:
    """The message of the ``REPORTED`` error behind ``error`` (itself, or along its causes), if there is one.

    In one process the error is on the chain. From a ``datasets`` worker process it is not:
    ``datasets`` wraps it in a ``DatasetGenerationError`` raised from it, and the process pool
    pickles that wrapper alone, with the traceback as text for its cause. So that text is read
    too: the ``builder.errors.<Name>: <message>`` line that Python prints for the error.
    """
    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, REPORTED):
            return str(error)
        for line in str(error).splitlines():
            for kind in REPORTED:
                prefix = f"{kind.__module__}.{kind.__qualname__}: "
                if line.startswith(prefix):
                    return line[len(prefix) :]
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return None


def one_line(error: BaseException, *, typed: bool = True, cause: bool = False, limit: int | None = None) -> str:
    """``error`` as one line: the last non-blank line of its message, where Warp, compilers and
    tracebacks put what went wrong (the type's name when the message is empty).

    ``typed`` puts ``Type: `` first; ``limit`` cuts the message line to that many characters;
    ``cause`` adds the root cause in parentheses when the error was raised from another
    (``datasets`` wraps what went wrong).
    """
    lines = [line for line in str(error).strip().splitlines() if line.strip()]
    text = lines[-1] if lines else type(error).__name__
    if limit is not None:
        text = text[:limit]
    line = f"{type(error).__name__}: {text}" if typed else text
    root = error.__cause__
    while cause and root is not None and root.__cause__ is not None:
        root = root.__cause__
    if cause and root is not None:
        line += f" ({one_line(root, typed=typed, limit=limit)})"
    return line
