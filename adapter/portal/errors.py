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

from adapter.errors import (
    Conflict,
    FieldError,
    FieldErrors,
    Forbidden,
    HubError,
    InvalidStateTransition,
    InvalidValue,
    NotAuthenticated,
    NotFound,
)
from adapter.portal.json import dumps

log = logging.getLogger(__name__)

# Stable codes the portal answers, with the user's message. The OpenAPI document lists them.
CODES: dict[str, str] = {
    "E-FIELD-REQUIRED": "必填项不能为空",
    "E-FIELD-TYPE": "字段类型不正确",
    "E-FIELD-TOO-SHORT": "内容长度不足",
    "E-FIELD-TOO-LONG": "内容超过最大长度",
    "E-FIELD-PATTERN": "格式不正确",
    "E-FIELD-CHOICE": "请从下拉列表中选择",
    "E-FIELD-RANGE": "数值超出允许范围",
    "E-FIELD-UNKNOWN": "不允许的字段",
    "E-FIELD-INVALID": "输入内容不符合规范",
    "E-JSON-MALFORMED": "请求内容不是有效的JSON",
    "E-TEXT-CONTROL-CHARACTER": "内容包含不可见控制字符或无效字符",
    "E-AUTH-REQUIRED": "身份认证失败，请重新登录",
    "E-FORBIDDEN": "无权执行该操作",
    "E-NOT-FOUND": "对象不存在",
    "E-INTERNAL": "系统繁忙，请稍后再试",
    "E-HTTP": "请求无效",
    "E-METHOD-NOT-ALLOWED": "不支持该请求方法",
    "E-BODY-TOO-LARGE": "请求内容过大",
    "E-CURSOR-INVALID": "分页参数无效",
    "E-QUERY-INTEGER": "分页参数必须为正整数",
    "E-QUERY-STATUS": "状态取值无效",
    "E-OPERATOR-AUTH": "需要运维人员凭证",
    "E-DEAD-LETTER-UNKNOWN": "死信不存在或已重发",
    # 签约管理 (§二)
    "E-LEGAL-PERSON-CARD-REQUIRED": "必须插入电子口岸法人卡，才能签署或解除服务协议",
    "E-SEAL-UNKNOWN": "所选签章不存在，请重新选择",
    "E-SEAL-TYPE": "签署服务协议须使用类型为“公司”的签章",
    "E-SEAL-EXPIRED": "签章已过期，请制作新的签章",
    "E-AGREEMENT-EXISTS": "当前企业已签署服务协议，请勿重复签署",
    "E-AGREEMENT-NOT-FOUND": "协议不存在",
    "E-AGREEMENT-STATE": "协议当前状态不能执行该操作",
    "E-TERMINATION-CONFIRMATION": "请确认是否解约：点击“坚持解约”后方可提交解约申请",
    "E-AUTHORIZATION-NEEDS-AGREEMENT": "请先签署服务协议，再办理企业数据授权",
    "E-AUTHORIZATION-DUPLICATE": "请勿重复授权",
    "E-AUTHORIZATION-REQUIRED": "企业尚未办理数据授权，请先签署《企业数据授权》",
    "E-PERIOD-TOO-LONG": "查询时间范围不能超过三年",
}

_PYDANTIC_CODES = {
    "missing": "E-FIELD-REQUIRED",
    "string_too_short": "E-FIELD-TOO-SHORT",
    "too_short": "E-FIELD-TOO-SHORT",
    "string_too_long": "E-FIELD-TOO-LONG",
    "too_long": "E-FIELD-TOO-LONG",
    "string_pattern_mismatch": "E-FIELD-PATTERN",
    "literal_error": "E-FIELD-CHOICE",
    "enum": "E-FIELD-CHOICE",
    "extra_forbidden": "E-FIELD-UNKNOWN",
    "greater_than": "E-FIELD-RANGE",
    "greater_than_equal": "E-FIELD-RANGE",
    "less_than": "E-FIELD-RANGE",
    "less_than_equal": "E-FIELD-RANGE",
}


def register(code: str, message_zh: str) -> str:
    """Workflows add their own codes here, so the registry stays the one list of them."""
    CODES.setdefault(code, message_zh)
    return code


def errors_body(errors: list[FieldError]) -> dict[str, Any]:
    return {"errors": [error.as_json() for error in errors]}


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
        code = kind if kind.startswith("E-") else _PYDANTIC_CODES.get(kind, "E-FIELD-TYPE")
        path = prefix + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error["loc"])
        message = str(error["msg"]) if kind.startswith("E-") else CODES[code]
        result.append(FieldError(code, path, message))
    return result


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
_HTTP_CODES = {404: ("E-NOT-FOUND", "请求的地址不存在"), 405: ("E-METHOD-NOT-ALLOWED", "不支持该请求方法"),
               413: ("E-BODY-TOO-LARGE", "请求内容过大")}


def _http_error(exc: web.HTTPException) -> web.Response:
    """aiohttp's own refusals (no route, wrong method) in the portal's error shape too."""
    code, message = _HTTP_CODES.get(exc.status, ("E-HTTP", "请求无效"))
    response = json_error(exc.status, code, message)
    if exc.status == 405 and "Allow" in exc.headers:
        response.headers["Allow"] = exc.headers["Allow"]
    return response

_STATUS: tuple[tuple[type[HubError], int], ...] = (
    (NotAuthenticated, 401), (Forbidden, 403), (NotFound, 404),
    (Conflict, 409), (InvalidStateTransition, 409), (InvalidValue, 422),
)


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400 or request.path.startswith("/insurer/") or exc.content_type == "application/json":
            raise
        return _http_error(exc)
    except FieldErrors as exc:
        return web.json_response(errors_body(exc.errors), status=422,
                                 dumps=dumps)
    except HubError as exc:
        status = next((s for kind, s in _STATUS if isinstance(exc, kind)), 400)
        return json_error(status, exc.code, exc.message_zh, exc.path)
    except Exception:
        log.exception("unexpected error on %s %s", request.method, request.path)
        return json_error(500, "E-INTERNAL", CODES["E-INTERNAL"])
