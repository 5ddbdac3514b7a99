"""JSON from outside (API requests, provider callbacks), parsed with bounded nesting.

A body nested deeper than Python's parser can follow (``"[" * 5000``) raises ``RecursionError``
inside ``json``; how deep that is depends on the Python version (3.12 follows 1,000 levels that
3.11 cannot). Neither our requests nor the providers' notifications nest more than a few levels,
so anything deeper than ``MAX_DEPTH`` is refused the same way on every version.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

# Our request bodies and the providers' callbacks are flat objects; nothing real is this deep.
MAX_DEPTH = 32


class TooDeep(ValueError):
    """The JSON nests deeper than ``MAX_DEPTH`` (or than the parser can follow)."""


def depth_of(data: Any, limit: int = MAX_DEPTH) -> int:
    """How deeply ``data``'s lists and objects nest (0 for a scalar), without recursion.

    Stops counting once past ``limit``.
    """
    deepest = 0
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children: Any = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        deepest = max(deepest, depth + 1)
        if deepest > limit:
            return deepest
        stack.extend((child, depth + 1) for child in children)
    return deepest


def loads_bounded(
    text: str | bytes,
    *,
    parse_float: Callable[[str], Any] | None = None,
    parse_constant: Callable[[str], Any] | None = None,
    max_depth: int = MAX_DEPTH,
) -> Any:
    """``json.loads`` that raises ``TooDeep`` (a ``ValueError``) for deeply nested input."""
    try:
        data = json.loads(text, parse_float=parse_float, parse_constant=parse_constant)
    except RecursionError:
        raise TooDeep(f"nested deeper than {max_depth} levels") from None
    if depth_of(data, max_depth) > max_depth:
        raise TooDeep(f"nested deeper than {max_depth} levels")
    return data
