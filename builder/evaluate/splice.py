"""A predicted function put in place of the reference one in the row's translation unit, after a screen.

The screen refuses, before any compiler runs, what a translation of one kernel never needs and a
reward hack would: preprocessor lines (``#include``, ``#define``), ``extern`` declarations, calls
that reach the operating system (``system(``, ``popen(``, ``fork(`` ...), inline assembly,
attributes (``__attribute__((constructor))`` runs code at load time), and any top-level
definition besides the one expected function. Everything else in the unit stays the reference's,
so no other symbol can change.
"""

from __future__ import annotations

import re

from builder.codegen.ir import ExtractionError, function_text

_STRINGS = re.compile(r'"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'')
_COMMENT = re.compile(r"//[^\n]*|/\*.*?\*/", re.DOTALL)
_DIRECTIVE = re.compile(r"^[ \t]*#[ \t]*(\w*)", re.MULTILINE)
_FORBIDDEN_CALL = re.compile(
    r"\b(system|popen|fork|vfork|execl|execlp|execle|execv|execve|execvp|dlopen|dlsym|syscall|mmap|mprotect|"
    r"fopen|open|remove|unlink|kill|exit|abort|setjmp|longjmp|malloc|free|new|delete)\s*\("
)
_KEYWORDS = (
    ("extern", re.compile(r"\bextern\b")),
    ("asm", re.compile(r"\b(asm|__asm__|__asm)\b")),
    ("__attribute__", re.compile(r"\b(__attribute__|__declspec)\b|\[\[")),
    ("thread_local", re.compile(r"\bthread_local\b")),
)
_CUDA_LINKAGE = re.compile(r'^\s*extern\s*""(?=\s*__global__)')
_NAME_BEFORE_PAREN = re.compile(r"([A-Za-z_]\w*)\s*\($")


def code_only(text: str) -> str:
    """``text`` with comments and string or character literals blanked (their braces do not count)."""
    text = _COMMENT.sub(lambda m: " " * len(m.group(0)), text)
    return _STRINGS.sub('""', text)


def screen(prediction: str, symbol: str, cuda: bool = False) -> tuple[str, str] | None:
    """``(reason, detail)`` if ``prediction`` must not be compiled as the definition of ``symbol``, else None.

    ``cuda``: the definition may open with ``extern "C" __global__``, as Warp writes CUDA kernels.
    """
    if not prediction.strip():
        return "empty prediction", ""
    code = code_only(prediction)
    if cuda:
        code = _CUDA_LINKAGE.sub(lambda m: " " * len(m.group(0)), code, count=1)
    directive = _DIRECTIVE.search(code)
    if directive:
        name = directive.group(1) or "#"
        return ("refused: #include" if name == "include" else "refused: preprocessor directive"), f"#{name}"
    for reason, pattern in _KEYWORDS:
        match = pattern.search(code)
        if match:
            return f"refused: {reason}", match.group(0)
    call = _FORBIDDEN_CALL.search(code)
    if call:
        return "refused: forbidden call", f"{call.group(1)}("
    return _definitions(code, symbol)


def _definitions(code: str, symbol: str) -> tuple[str, str] | None:
    """Exactly one top-level definition, a function named ``symbol``, or why not."""
    segments, depth, start, header = [], 0, 0, ""
    for i, char in enumerate(code):
        if char == "{":
            if depth == 0:
                header = code[start:i]
            depth += 1
        elif char == "}":
            depth -= 1
            if depth < 0:
                return "compile: unbalanced braces", "a '}' closes nothing"
            if depth == 0:
                segments.append(("function", header))
                start = i + 1
        elif char == ";" and depth == 0:
            segments.append(("declaration", code[start:i]))
            start = i + 1
    if depth:
        return "compile: unbalanced braces", f"{depth} '{{' never closed"
    if code[start:].strip():
        segments.append(("declaration", code[start:]))
    names = [_declared_name(kind, text) for kind, text in segments]
    if symbol not in names or segments[names.index(symbol)][0] != "function":
        return "refused: no definition of the expected function", f"{symbol} not defined"
    if len(segments) > 1:
        others = [n for n in names if n != symbol]
        return "refused: second symbol", others[0] if others else symbol
    return None


def _declared_name(kind: str, text: str) -> str:
    head = text.strip()
    if kind == "function":
        match = _NAME_BEFORE_PAREN.search(head[: head.find("(") + 1]) if "(" in head else None
        return match.group(1) if match else head.split()[-1] if head.split() else "<anonymous>"
    words = re.findall(r"[A-Za-z_]\w*", head)
    return words[-1] if words else head[:40]


def splice(unit: str, symbol: str, prediction: str) -> str:
    """``unit`` with the definition of ``symbol`` replaced by ``prediction``."""
    try:
        reference = function_text(unit, symbol)
    except ExtractionError as error:
        raise ValueError(f"the row's unit has no function {symbol!r}: {error}") from error
    at = unit.find(reference)
    ending = "\n" if reference.endswith("\n") else ""
    return unit[:at] + prediction.strip("\n") + ending + unit[at + len(reference) :]


def hollowed(unit: str, symbol: str) -> str:
    """``unit`` with the body of ``symbol`` emptied: the pass a task does not ask for costs no compile time.

    The symbol keeps its signature (a ``void`` function), so every entry point still links.
    """
    text = function_text(unit, symbol)
    opening = text.find("\n{\n")
    at = unit.find(text)
    return unit[:at] + text[: opening + 3] + "}" + unit[at + len(text) :]
