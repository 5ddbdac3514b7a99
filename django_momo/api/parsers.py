"""The API's request parser: strict JSON, numbers with a fraction as ``Decimal``, bounded nesting.

Whatever a client sends, parsing ends in the data or in a ``ParseError`` (400 in the API's error
format), never in a 500: ``NaN``/``Infinity`` are not JSON, a body nested deeper than Python's
parser can follow (``"[" * 5000``) raises ``RecursionError`` inside ``json``, and one nested
deeper than any request of ours needs is refused before a view walks it.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import IO, Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

# Our request bodies are flat objects; anything this deep is not one of them.
MAX_DEPTH = 32


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def depth_of(data: Any) -> int:
    """How deeply ``data``'s lists and objects nest (0 for a scalar), without recursion."""
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
        if deepest > MAX_DEPTH:
            return deepest
        stack.extend((child, depth + 1) for child in children)
    return deepest


class DecimalJSONParser(JSONParser):
    """JSON whose numbers with a fraction or exponent become ``Decimal`` (never a float).

    An amount sent as such a number is refused by the amount field, which asks for a string.
    """

    def parse(
        self, stream: IO[Any], media_type: str | None = None, parser_context: Any = None
    ) -> Any:
        encoding = (parser_context or {}).get("encoding", "utf-8")
        try:
            data = json.loads(
                stream.read().decode(encoding),
                parse_float=Decimal,
                parse_constant=_refuse_constant,
            )
        except RecursionError:
            raise ParseError(f"JSON parse error - nested deeper than {MAX_DEPTH} levels") from None
        except ValueError as exc:  # UnicodeDecodeError and JSONDecodeError included
            raise ParseError(f"JSON parse error - {exc}") from None
        if depth_of(data) > MAX_DEPTH:
            raise ParseError(f"JSON parse error - nested deeper than {MAX_DEPTH} levels")
        return data
