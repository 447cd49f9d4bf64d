"""A real kernel's source made self-contained: the kernel plus every module constant,
``wp.constant``, type alias, ``@wp.struct`` and ``@wp.func`` it uses, each rendered as Python
that runs on its own (with ``wp`` bound to Warp), so that ``python_source`` alone regenerates
the kernel's IR.

Names a kernel reads are found in its syntax tree and resolved the way Warp resolves them
(closure, then the module's globals). Values are rendered from what they are at extraction time:
a number as a literal, a Warp vector constant as ``wp.constant(wp.vec3f(...))``, a type as the
Warp expression that builds it, a helper by its own source (recursively). Attribute chains through
other modules or plain classes (``GeoType.SPHERE``) become small stub classes holding the values
used. Anything else (a Python function inside ``wp.static``, a list, an object) raises
``NotSelfContained`` with a reason to count by.
"""

from __future__ import annotations

import ast
import builtins
import enum
import functools
import inspect
import sys
import textwrap
import types as pytypes
import typing

from builder.errors import NotSelfContained
from builder.real.free_names import free_names

# Decorators kept on a helper or kernel (the rest, e.g. ``@staticmethod``, are not Warp's).
_WARP_DECORATORS = {"kernel", "func", "struct", "func_native"}


def kernel_source(kernel, target) -> str:
    """``python_source`` of ``target`` (``kernel`` itself, or one overload of the generic ``kernel``)."""
    sources = _Sources()
    text = sources.function_text(kernel.func, "kernel")
    if target is not kernel:
        arguments = ", ".join(f"{name!r}: {sources.type_text(t)}" for name, t in target.adj.arg_types.items())
        text += f"\n\nwp.overload({kernel.func.__name__}, {{{arguments}}})\n"
    stubs = sources.stub_texts()  # may define more helpers
    functions = [t for name, t in sources.defs.items() if name in sources.functions]
    others = [t for name, t in sources.defs.items() if name not in sources.functions]
    parts = [*sources.imports, *stubs["value"], *others, *stubs["struct"], *functions, *stubs["func"], text]
    return "\n\n".join(p.strip("\n") for p in parts if p.strip()) + "\n"


class _Sources:
    def __init__(self) -> None:
        import warp
        import warp._src.codegen as codegen
        import warp._src.context as context
        import warp._src.types as wtypes

        self.warp, self.context, self.codegen, self.wtypes = warp, context, codegen, wtypes
        self.imports: dict[str, None] = {}
        self.defs: dict[str, str] = {}  # name -> its source, dependencies first
        self.bound: dict[str, object] = {}  # name -> the value it stands for
        self.visiting: set[int] = set()
        self.stubs: dict[str, tuple[object, set]] = {}  # name -> (module or class, attribute chains read)
        self.holds: set[str] = set()  # while rendering a stub: "func" / "struct" when it holds one
        self.functions: set[str] = set()  # names in ``defs`` that are helper functions
        self.warp_names = {
            id(v): f"wp.{k}"
            for k, v in vars(warp).items()
            if not k.startswith("_") and not isinstance(v, pytypes.ModuleType)
        }

    # -- functions and structs -------------------------------------------------------------------
    def function_text(self, func, kind: str) -> str:
        """The source of ``func`` with Warp's decorator; its dependencies are added on the way."""
        try:
            source = _dedented_source(func)
        except (OSError, TypeError) as error:
            raise NotSelfContained("no source", f"{getattr(func, '__qualname__', func)}: {error}") from None
        tree = ast.parse(source)
        node = tree.body[0]
        if not isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            raise NotSelfContained("no source", f"{func!r} is not defined by a def or class statement")
        scope = _closure(func)
        globals_ = getattr(func, "__globals__", None) or vars(sys.modules.get(func.__module__, builtins))
        decorators = []
        for decorator in node.decorator_list:
            if _decorator_name(decorator) not in _WARP_DECORATORS:
                continue  # not Warp's (``@staticmethod``, a test marker)
            if isinstance(decorator, ast.Call):  # a named module would outlive the row's extraction
                unique = any(k.arg == "module_options" for k in decorator.keywords)  # Warp requires it there
                decorator.keywords = [k for k in decorator.keywords if k.arg != "module"]
                decorator.keywords += [ast.keyword("module", ast.Constant("unique"))] if unique else []
            try:
                self._resolve(decorator, scope, globals_, node.name, strict=True)
            except NotSelfContained:
                continue  # options built from values that cannot be written out: the plain decorator instead
            decorators.append("@" + ast.unparse(decorator))
        body = source.splitlines()[node.lineno - 1 :]
        node.decorator_list = []
        before = set(self.bound)
        for annotation, value in _annotations(node, func):
            self._bind_annotation(annotation, value, scope, globals_)
        annotated = set(self.bound) - before
        self._resolve(node, {**scope, **{n: self.bound[n] for n in annotated}}, globals_, node.name)
        return "\n".join([*(decorators or [f"@wp.{kind}"]), *body]) + "\n"

    def _bind_annotation(self, node: ast.expr, value, scope: dict, globals_: dict) -> None:
        """Names of an annotation that neither the closure nor the globals bind to its value (an enclosing
        function's locals, read when the ``def`` ran): defined from the evaluated annotation, the name in
        ``wp.array(dtype=vec2)`` by the array's dtype."""
        if value is None or isinstance(value, str):
            return
        if isinstance(node, ast.Name) and node.id not in scope and globals_.get(node.id, builtins) is not value:
            if not hasattr(builtins, node.id) or node.id in globals_:
                self.add(node.id, value, {()})
        elif isinstance(node, ast.Call):
            for keyword in node.keywords:
                if keyword.arg == "dtype":
                    self._bind_annotation(keyword.value, getattr(value, "dtype", None), scope, globals_)
        elif isinstance(node, ast.Subscript):
            self._bind_annotation(node.slice, getattr(value, "dtype", None), scope, globals_)

    def _resolve(self, node: ast.AST, scope: dict, globals_: dict, where: str, strict: bool = False) -> None:
        """Define every free name of ``node`` as the closure or the module globals bind it.

        A name bound nowhere is left for Warp to report (a kernel it cannot generate), unless ``strict``.
        """
        for name, paths in free_names(node).items():
            if name in scope:
                self.add(name, scope[name], paths)
            elif name in globals_:
                self.add(name, globals_[name], paths)
            elif strict and not hasattr(builtins, name):
                raise NotSelfContained("unresolved name", f"{name!r} in {where}")

    def add_function(self, name: str, function) -> None:
        if name in self.defs or id(function) in self.visiting:
            return
        self.visiting.add(id(function))
        overloads = list(getattr(function, "user_overloads", {}).values()) or [function]
        texts = [self.function_text(f.func, "func") for f in overloads if getattr(f, "func", None) is not None]
        if not texts:
            raise NotSelfContained("native function", f"{name} has no Python source")
        own = function.func.__name__
        self._bind(own, function)
        self.defs[own] = "\n\n".join(texts)
        self.functions.add(own)
        if name != own:
            self._define(name, function, f"{name} = {own}")
            self.functions.add(name)

    def add_struct(self, struct) -> str:
        name = struct.cls.__name__
        if name not in self.defs and id(struct) not in self.visiting:
            self.visiting.add(id(struct))
            self._bind(name, struct)
            self.defs[name] = self.function_text(struct.cls, "struct")
        return name

    # -- names -----------------------------------------------------------------------------------
    def add(self, name: str, value, paths: set[tuple[str, ...]]) -> None:
        """Make ``name`` mean ``value`` in the source (``paths``: attribute chains read through it)."""
        warp = self.warp
        if value is warp:
            if name != "wp":
                self.imports[f"import warp as {name}"] = None
        elif isinstance(value, pytypes.ModuleType):
            root = value.__name__.partition(".")[0]
            if root in ("warp", "numpy") or root in sys.stdlib_module_names:
                line = f"import {value.__name__}" if name == value.__name__ else f"import {value.__name__} as {name}"
                self.imports[line] = None
            else:
                self._stub(name, value, paths)
        elif getattr(value, "__module__", None) == "typing" and getattr(typing, name, None) is value:
            self.imports[f"from typing import {name}"] = None
        elif isinstance(value, self.context.Function):
            if id(value) in self.warp_names:
                self._define(name, value, f"{name} = {self.warp_names[id(value)]}")
            elif value.is_builtin():
                raise NotSelfContained("builtin alias", f"{name} is Warp builtin {value.key}")
            else:
                self.add_function(name, value)
        elif isinstance(value, self.codegen.Struct):
            own = self.add_struct(value)
            if own != name:
                self._define(name, value, f"{name} = {own}")
        elif isinstance(value, self.context.Kernel):
            return  # a kernel named in a kernel (wp.static launch tables): not code it runs
        elif self._is_type(value):
            text = self.type_text(value)
            if text != name:
                self._define(name, value, f"{name} = {text}")
        elif (
            isinstance(value, type)
            and value.__module__ == "numpy"
            and getattr(numpy_module(), value.__name__, None) is value
        ):
            self.imports["import numpy"] = None  # a numpy scalar type, which Warp maps to its own
            self._define(name, value, f"{name} = numpy.{value.__name__}")
        elif isinstance(value, type) and not paths:
            raise NotSelfContained("uses a class", f"{name} = {value!r}")
        elif isinstance(value, type):
            self._stub(name, value, paths)
        else:
            self._define(name, value, f"{name} = {self.constant_text(name, value)}")

    def _stub(self, name: str, value, paths: set[tuple[str, ...]]) -> None:
        """``class name:`` holding the attributes read through a module or plain class (written after the defs)."""
        if not paths or any(not p for p in paths):
            raise NotSelfContained("uses a module or class as a value", f"{name} = {value!r}")
        self._bind(name, value)
        self.stubs.setdefault(name, (value, set()))[1].update(paths)

    def stub_texts(self) -> dict[str, list[str]]:
        """The stub classes, each with every attribute any function read through it, by what they
        hold: ``value`` (only values), ``struct`` (structs too) or ``func`` (helpers too); each kind is
        written after what it holds and before what may read it at definition time."""
        while True:  # a helper a stub holds may read through stubs too
            before = {name: len(paths) for name, (_, paths) in self.stubs.items()}
            texts: dict[str, list[str]] = {"value": [], "struct": [], "func": []}
            for name, (value, paths) in list(self.stubs.items()):
                self.holds = set()
                text = "\n".join(self._stub_lines(name, value, paths, ""))
                texts["func" if "func" in self.holds else "struct" if self.holds else "value"].append(text)
            if before == {name: len(paths) for name, (_, paths) in self.stubs.items()}:
                return texts

    def _stub_lines(self, name: str, value, paths: set[tuple[str, ...]], indent: str) -> list[str]:
        lines = [f"{indent}class {name}:"]
        for attribute in sorted({p[0] for p in paths}):
            if not hasattr(value, attribute):
                raise NotSelfContained("unresolved name", f"{name}.{attribute}")
            inner = getattr(value, attribute)
            rest = {p[1:] for p in paths if p[0] == attribute and len(p) > 1}
            if rest and (
                isinstance(inner, pytypes.ModuleType)
                or (isinstance(inner, type) and not self._is_type(inner) and not _is_enum_value(inner))
            ):
                lines += self._stub_lines(attribute, inner, rest, indent + "    ")
            else:
                lines.append(f"{indent}    {attribute} = {self.value_text(attribute, inner)}")
        return lines

    def value_text(self, name: str, value) -> str:
        """An expression for a leaf value of a stub (its helper or struct is defined at top level)."""
        if isinstance(value, self.context.Function) and id(value) not in self.warp_names and not value.is_builtin():
            self.add_function(value.func.__name__, value)
            self.holds.add("func")
            return value.func.__name__
        if isinstance(value, self.context.Function) and id(value) in self.warp_names:
            return self.warp_names[id(value)]
        if isinstance(value, self.codegen.Struct):
            self.holds.add("struct")
            return self.add_struct(value)
        if self._is_type(value):
            return self.type_text(value)
        return self.constant_text(name, value)

    def _bind(self, name: str, value) -> None:
        if name in self.bound and self.bound[name] is not value:
            raise NotSelfContained("name clash", f"{name!r} names two different things the kernel uses")
        self.bound[name] = value

    def _define(self, name: str, value, text: str) -> None:
        self._bind(name, value)
        self.defs.setdefault(name, text)

    # -- values and types ------------------------------------------------------------------------
    def constant_text(self, name: str, value) -> str:
        """A literal, or ``wp.constant(...)`` of a Warp scalar, vector or matrix value."""
        if isinstance(value, (bool, str)) or (isinstance(value, (int, float)) and not isinstance(value, enum.Enum)):
            return repr(value)
        if isinstance(value, enum.Enum) and isinstance(value.value, (int, float)):
            return repr(value.value)
        kind = type(value)
        if kind in self.wtypes.scalar_types:
            return f"wp.constant({self.type_text(kind)}({_plain(value.value)!r}))"
        if self._is_type(kind) and hasattr(kind, "_shape_"):
            flat = (
                [value[i][j] for i in range(kind._shape_[0]) for j in range(kind._shape_[1])]
                if len(kind._shape_) == 2
                else list(value)
            )
            return f"wp.constant({self.type_text(kind)}({', '.join(repr(_plain(x)) for x in flat)}))"
        if type(value).__module__ == "numpy" and hasattr(value, "item") and getattr(value, "ndim", 1) == 0:
            return repr(value.item())
        if isinstance(value, (dict, list, tuple)) and _literal(value):
            return repr(value)
        raise NotSelfContained(f"uses a {type(value).__name__}", f"{name} = {_short(value)}")

    def _is_type(self, value) -> bool:
        wtypes = self.wtypes
        return (
            isinstance(value, type)
            and (value in wtypes.scalar_types or value in (bool, int, float) or hasattr(value, "_wp_generic_type_str_"))
            or wtypes.is_array(value)
        )

    def type_text(self, t) -> str:
        """A Warp type as Python source, e.g. ``wp.array(dtype=wp.vec3f, ndim=1)``."""
        wtypes = self.wtypes
        if id(t) in self.warp_names:
            return self.warp_names[id(t)]
        if t is typing.Any:
            self.imports["import typing"] = None
            return "typing.Any"
        if t in (bool, int, float):
            return t.__name__
        if isinstance(t, self.codegen.Struct):
            return self.add_struct(t)
        if wtypes.is_array(t):
            kind = type(t).__name__.lstrip("_").removesuffix("Annotation").lower()  # _ArrayAnnotation, indexedarray ...
            return f"wp.{kind}(dtype={self.type_text(t.dtype)}, ndim={t.ndim})"
        generic = getattr(t, "_wp_generic_type_str_", None)
        scalar = getattr(t, "_wp_scalar_type_", None)
        if generic == "vec_t":
            return f"wp.types.vector(length={t._length_}, dtype={self.type_text(scalar)})"
        if generic == "mat_t":
            return f"wp.types.matrix(shape={tuple(t._shape_)}, dtype={self.type_text(scalar)})"
        if generic == "quat_t":
            return f"wp.types.quaternion(dtype={self.type_text(scalar)})"
        if generic == "transform_t":
            return f"wp.types.transformation(dtype={self.type_text(scalar)})"
        raise NotSelfContained("type", _short(t))


def numpy_module():
    return sys.modules.get("numpy")


@functools.lru_cache(maxsize=4096)
def _dedented_source(func) -> str:
    """``inspect.getsource``, dedented; kept, since the helpers of a package's kernels repeat."""
    return textwrap.dedent(inspect.getsource(func))


def _decorator_name(node: ast.expr) -> str:
    target = node.func if isinstance(node, ast.Call) else node
    return target.attr if isinstance(target, ast.Attribute) else target.id if isinstance(target, ast.Name) else ""


def _annotations(node: ast.AST, func) -> list[tuple[ast.expr, object]]:
    """``(annotation expression, its evaluated value)`` of a function's arguments and return, or a struct's fields."""
    values = getattr(func, "__annotations__", None) or {}
    if isinstance(node, ast.ClassDef):
        fields = [s for s in node.body if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name)]
        return [(f.annotation, values.get(f.target.id)) for f in fields]
    arguments = [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]
    found = [(a.annotation, values.get(a.arg)) for a in arguments if a.annotation is not None]
    return found + ([(node.returns, values.get("return"))] if node.returns is not None else [])


def _closure(func) -> dict[str, object]:
    code, cells = getattr(func, "__code__", None), getattr(func, "__closure__", None)
    if code is None or not cells:
        return {}
    values = {}
    for name, cell in zip(code.co_freevars, cells, strict=False):
        try:
            values[name] = cell.cell_contents
        except ValueError:  # an empty cell
            continue
    return values


def _plain(x):
    """A Python number for a numpy scalar (whose repr, ``np.float32(...)``, names numpy)."""
    if not isinstance(x, (bool, int, float)):
        x = getattr(x, "value", x)  # a Warp scalar (``wp.float64(...)``) holds its number in ``value``
    return x.item() if hasattr(x, "item") else x


def _literal(value) -> bool:
    """``repr(value)`` reads back as an equal value (a container of literals)."""
    try:
        return ast.literal_eval(repr(value)) == value
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return False


def _is_enum_value(value) -> bool:
    return isinstance(value, enum.Enum)


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
