"""One error shape for every portal route, and the registry of stable codes.

Every refusal is ``{"errors": [{"code", "field", "message"}]}``: ``field`` a JSON path into
the request (absent when no single field is to blame), ``message`` the user's Chinese
sentence. Bad input is 422; the middleware turns the hub's errors into their status
and keeps anything unexpected from leaking a traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from aiohttp import web

from adapter.domain.errors import (
    Conflict,
    ContentTooLarge,
    FieldError,
    FieldErrors,
    Forbidden,
    HubError,
    InvalidValue,
    NotAuthenticated,
    NotFound,
    PartnerUnavailable,
    StoreUnavailable,
    TooManyRequests,
    registry,
)
from adapter.portal.json import dumps

log = logging.getLogger(__name__)


# What pydantic finds wrong with a request, one class per code.
class FieldRequired(InvalidValue):
    code = "E-FIELD-REQUIRED"
    message_zh = "必填项不能为空"


class FieldType(InvalidValue):
    code = "E-FIELD-TYPE"
    message_zh = "字段类型不正确"


class FieldTooShort(InvalidValue):
    code = "E-FIELD-TOO-SHORT"
    message_zh = "内容长度不足"


class FieldTooLong(InvalidValue):
    code = "E-FIELD-TOO-LONG"
    message_zh = "内容超过最大长度"


class FieldPattern(InvalidValue):
    code = "E-FIELD-PATTERN"
    message_zh = "格式不正确"


class FieldChoice(InvalidValue):
    """A value outside the allowed choices; a code-list field names its list."""

    code = "E-FIELD-CHOICE"
    message_zh = "请从下拉列表中选择{list_title}"


class FieldRange(InvalidValue):
    code = "E-FIELD-RANGE"
    message_zh = "数值超出允许范围"


class FieldUnknown(InvalidValue):
    code = "E-FIELD-UNKNOWN"
    message_zh = "不允许的字段"


class JsonMalformed(InvalidValue):
    code = "E-JSON-MALFORMED"
    message_zh = "请求内容不是有效的JSON"


class CursorInvalid(InvalidValue):
    code = "E-CURSOR-INVALID"
    message_zh = "分页参数无效"


class QueryInteger(InvalidValue):
    code = "E-QUERY-INTEGER"
    message_zh = "{name} 必须为1至{ceiling}之间的整数"


class QueryStatus(InvalidValue):
    code = "E-QUERY-STATUS"
    message_zh = "状态取值无效"


class QueryMessageType(InvalidValue):
    code = "E-QUERY-MESSAGE-TYPE"
    message_zh = "报文类型取值无效"


class QueryMoment(InvalidValue):
    """A moment without an offset is ambiguous: Beijing time or UTC?"""

    code = "E-QUERY-MOMENT"
    message_zh = "时间格式无效，须为带时区的ISO 8601时间"


class OperatorAuthRequired(NotAuthenticated):
    code = "E-OPERATOR-AUTH"
    message_zh = "需要运维人员凭证"


class DeadLetterUnknown(NotFound):
    code = "E-DEAD-LETTER-UNKNOWN"
    message_zh = "死信不存在或已重发"


# aiohttp's own refusals and the last resort, in the same shape.
class RouteNotFound(NotFound):
    code = "E-ROUTE-NOT-FOUND"
    message_zh = "请求的地址不存在"


class MethodNotAllowed(HubError):
    code = "E-METHOD-NOT-ALLOWED"
    message_zh = "不支持该请求方法"


class BodyTooLarge(HubError):
    code = "E-BODY-TOO-LARGE"
    message_zh = "请求内容过大"


class RequestControlCharacter(InvalidValue):
    """A NUL or another control character in a query parameter: no filter holds one."""

    code = "E-REQUEST-CONTROL-CHAR"
    message_zh = "请求地址或参数含有控制字符"


class PathControlCharacter(NotFound):
    """The same rule in the path: no id holds a control character, so nothing is there."""

    code = RequestControlCharacter.code
    message_zh = RequestControlCharacter.message_zh


class BadRequest(HubError):
    code = "E-HTTP"
    message_zh = "请求无效"


class Internal(HubError):
    code = "E-INTERNAL"
    message_zh = "系统繁忙，请稍后再试"


_PYDANTIC: dict[str, type[InvalidValue]] = {
    "missing": FieldRequired,
    "string_too_short": FieldTooShort,
    "too_short": FieldTooShort,
    "string_too_long": FieldTooLong,
    "too_long": FieldTooLong,
    "string_pattern_mismatch": FieldPattern,
    "literal_error": FieldChoice,
    "enum": FieldChoice,
    "extra_forbidden": FieldUnknown,
    "greater_than": FieldRange,
    "greater_than_equal": FieldRange,
    "less_than": FieldRange,
    "less_than_equal": FieldRange,
}


def codes() -> dict[str, str]:
    """Every stable code with its Chinese sentence, from the error classes (OpenAPI lists it)."""
    return registry()


# A form has a few dozen fields: past this many errors the rest are counted, not listed, so
# a body with 100 000 unknown keys costs one small answer.
MAX_LISTED_ERRORS = 20


def errors_body(errors: list[FieldError]) -> dict[str, Any]:
    body: dict[str, Any] = {"errors": [error.as_json() for error in errors[:MAX_LISTED_ERRORS]]}
    if len(errors) > MAX_LISTED_ERRORS:
        body["errors_not_listed"] = len(errors) - MAX_LISTED_ERRORS
    return body


def json_error(status: int, code: str, message: str, field: str | None = None) -> web.Response:
    item = {"code": code, "message": message}
    if field:
        item["field"] = field
    return web.json_response({"errors": [item]}, status=status,
                             dumps=dumps)


def from_pydantic(errors: Sequence[Mapping[str, Any]], *, prefix: str = "$") -> list[FieldError]:
    """Pydantic's errors as ours; a custom error's type is already one of our codes."""
    result = []
    for error in errors:
        kind = str(error["type"])
        path = prefix + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error["loc"])
        if kind.startswith("E-"):
            result.append(FieldError(kind, path, str(error["msg"])))
        else:
            result.append(FieldError.of(_PYDANTIC.get(kind, FieldType)(kind, list_title=""), path))
    return result


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
_HTTP_ERRORS: dict[int, type[HubError]] = {404: RouteNotFound, 405: MethodNotAllowed,
                                           413: BodyTooLarge}
_STATUS: tuple[tuple[type[HubError], int], ...] = (
    (NotAuthenticated, 401), (Forbidden, 403), (NotFound, 404), (Conflict, 409),
    (InvalidValue, 422), (FieldErrors, 422), (TooManyRequests, 429), (StoreUnavailable, 503),
    (PartnerUnavailable, 503),
    (BodyTooLarge, 413), (ContentTooLarge, 413),
)


def status_of(error: HubError) -> int:
    """The HTTP status a refusal gets at the portal's edge."""
    return next((status for kind, status in _STATUS if isinstance(error, kind)), 400)


def refusal(error: HubError) -> web.Response:
    if isinstance(error, FieldErrors):
        return web.json_response(errors_body(error.errors), status=422, dumps=dumps)
    return json_error(status_of(error), error.code, error.message_zh, error.path)


def _http_error(exc: web.HTTPException) -> web.Response:
    """aiohttp's own refusals (no route, wrong method) in the portal's error shape too."""
    kind = _HTTP_ERRORS.get(exc.status, BadRequest)
    response = json_error(exc.status, kind.code, kind.message_zh)
    if exc.status == 405 and "Allow" in exc.headers:
        response.headers["Allow"] = exc.headers["Allow"]
    return response


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400 or request.path.startswith("/insurer/") or exc.content_type == "application/json":
            raise
        return _http_error(exc)
    except HubError as exc:
        return refusal(exc)
    except Exception:
        log.exception("unexpected error on %s %s", request.method, request.path)
        return json_error(500, Internal.code, Internal.message_zh)
