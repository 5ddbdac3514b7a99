"""The API's request parser: strict JSON, numbers with a fraction as ``Decimal``, bounded nesting.

Whatever a client sends, parsing ends in the data or in a ``ParseError`` (400 in the API's error
format), never in a 500: ``NaN``/``Infinity`` are not JSON, a body nested deeper than Python's
parser can follow (``"[" * 5000``) raises ``RecursionError`` inside ``json``, and one nested
deeper than any request of ours needs is refused before a view walks it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import IO, Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from django_momo.json_input import loads_bounded


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


class DecimalJSONParser(JSONParser):
    """JSON whose numbers with a fraction or exponent become ``Decimal`` (never a float).

    An amount sent as such a number is refused by the amount field, which asks for a string.
    """

    def parse(
        self, stream: IO[Any], media_type: str | None = None, parser_context: Any = None
    ) -> Any:
        encoding = (parser_context or {}).get("encoding", "utf-8")
        try:
            return loads_bounded(
                stream.read().decode(encoding),
                parse_float=Decimal,
                parse_constant=_refuse_constant,
            )
        except ValueError as exc:  # UnicodeDecodeError, JSONDecodeError and TooDeep included
            raise ParseError(f"JSON parse error - {exc}") from None
