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
from adapter.portal.errors import JsonMalformed, from_pydantic

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


async def parse_body(request: web.Request, model: type[Model]) -> Model:
    try:
        data = await request.json(loads=json.loads)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise JsonMalformed("body is not JSON", path="$") from None
    return parse_data(data, model)


def parse_data(data: Any, model: type[Model], *, prefix: str = "$") -> Model:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise FieldErrors(from_pydantic(exc.errors(), prefix=prefix)) from None
