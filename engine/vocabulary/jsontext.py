"""JSON text as the standard library writes it, for the rows written by the thousand."""

from __future__ import annotations

from json.encoder import c_make_encoder, encode_basestring_ascii  # type: ignore[attr-defined]
from typing import Any


def _unwritable(value: Any) -> Any:
    raise TypeError(f"Object of type {value.__class__.__name__} is not JSON serializable")


# json.dumps with its default arguments makes this encoder anew at every call; made once, it
# writes the same text for half the cost. No check for circular values: what it is given
# (facts, history parameters, notices) was read from JSON, a CSV or checked input.
_encode = (
    c_make_encoder(None, _unwritable, encode_basestring_ascii, None, ": ", ", ", False, False, True)
    if c_make_encoder is not None
    else None
)


def dumps(value: Any) -> str:
    """``json.dumps(value)``: the same text (a property test holds them equal).

    Raises:
        TypeError: for a value JSON cannot hold.
    """
    if _encode is None:  # a Python without the json module's C part
        import json

        return json.dumps(value)
    return "".join(_encode(value, 0))
