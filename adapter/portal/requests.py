"""JSON requests become typed commands once, at the edge (pydantic models are the schema).

Required fields, lengths and choices come from the model, not from ``if``s in handlers;
every failing field is reported in one 422.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, TypeVar

from aiohttp import web
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError
from pydantic_core import PydanticCustomError

from adapter.domain.errors import FieldErrors, InvalidValue
from adapter.domain.text import clean_text
from adapter.portal.errors import BodyTooLarge, JsonMalformed, from_pydantic

Model = TypeVar("Model", bound=BaseModel)


class Command(BaseModel):
    """Base of every portal request body: unknown fields are an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


def rule(check: Any) -> AfterValidator:
    """Wrap a domain parser so its coded error becomes a field error with the same code."""
    def validate(value: Any) -> Any:
        try:
            return check(value)
        except InvalidValue as exc:
            raise PydanticCustomError(exc.code, exc.message_zh) from exc
    return AfterValidator(validate)


# The pattern tells API clients (and schemathesis) what clean_text refuses.
Text = Annotated[str, rule(clean_text),
                 Field(json_schema_extra={"pattern": "^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f]*$"})]


# A portal request is a small form; the 2 MiB allowed for partners' documents is not for it.
# The app sets its own figure from ``limits.portal_max_body_bytes``.
PORTAL_BODY_LIMIT = web.AppKey("portal_body_limit", int)
DEFAULT_BODY_LIMIT = 64 * 1024
MAX_DEPTH = 32          # no portal form nests deeper than a few levels
MAX_NUMBER_CHARS = 40   # enough for any amount or count a form holds


async def parse_body(request: web.Request, model: type[Model]) -> Model:
    """The body as ``model``: within the portal's size limit, JSON of bounded depth and
    number size, every failing field in one 422; anything else a coded 400 or 413."""
    raw = await _read_small(request, request.app.get(PORTAL_BODY_LIMIT, DEFAULT_BODY_LIMIT))
    try:
        data = json.loads(raw, parse_int=_number(int), parse_float=_number(float),
                          parse_constant=_no_constant)
    except (ValueError, RecursionError):  # JSONDecodeError and UnicodeDecodeError among them
        raise JsonMalformed("body is not JSON of bounded depth and number size", path="$") from None
    if _deeper_than(data, MAX_DEPTH):
        raise JsonMalformed(f"nested deeper than {MAX_DEPTH}", path="$")
    return parse_data(data, model)


async def _read_small(request: web.Request, limit: int) -> bytes:
    if request.content_length is not None and request.content_length > limit:
        raise BodyTooLarge(f"{request.content_length} bytes, at most {limit}", path="$")
    chunks, size = [], 0
    async for chunk in request.content.iter_chunked(16 * 1024):
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(f"more than {limit} bytes", path="$")
        chunks.append(chunk)
    return b"".join(chunks)


def _number(kind: type[int | float]) -> Any:
    def parse(text: str) -> int | float:
        if len(text) > MAX_NUMBER_CHARS:
            raise ValueError("number too long")
        return kind(text)
    return parse


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _deeper_than(value: Any, limit: int) -> bool:
    pending: list[tuple[Any, int]] = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict | list):
            if depth > limit:
                return True
            children = item.values() if isinstance(item, dict) else item
            pending.extend((child, depth + 1) for child in children)
    return False


def parse_data(data: Any, model: type[Model], *, prefix: str = "$") -> Model:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise FieldErrors(from_pydantic(exc.errors(), prefix=prefix)) from None
