"""Scoring a model's predictions on a release: exact / normalized match, compile, execute, pass@k.

``evaluate(release, config=..., split=..., task=..., predictions=...)`` (``builder.evaluate.run``)
is the entry point; ``warp-ir-pairs evaluate`` is the same on the command line.
"""
