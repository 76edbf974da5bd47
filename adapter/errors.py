"""The hub's error tree: one base, one subclass per kind, each with a stable code.

Callers catch at the level they care about (any document rejection, any delivery
failure); users read ``message_zh``; logs read ``detail``.
"""

from __future__ import annotations


class HubError(Exception):
    """Base of every error the hub raises on purpose."""

    code = "E-HUB"
    message_zh = "系统处理失败"

    def __init__(self, detail: str = "", *, code: str | None = None, path: str | None = None,
                 message_zh: str | None = None) -> None:
        super().__init__(detail or self.message_zh)
        self.detail = detail
        if code:
            self.code = code
        if message_zh:
            self.message_zh = message_zh
        self.path = path


class DocumentRejected(HubError):
    """An inbound document cannot be accepted; the partner gets a REJECTED acknowledgement."""

    code = "E-DOC-REJECTED"
    message_zh = "报文被拒绝"
    http_status = 400


class DocumentTooLarge(DocumentRejected):
    code = "E-XML-TOO-LARGE"
    message_zh = "报文超过大小限制"
    http_status = 413


class MalformedDocument(DocumentRejected):
    code = "E-XML-MALFORMED"
    message_zh = "报文不是格式正确的XML"


class ForbiddenXmlConstruct(DocumentRejected):
    """DTDs, entities and processing tricks are refused outright (XXE, billion laughs)."""

    code = "E-XML-DTD-FORBIDDEN"
    message_zh = "报文不得包含DTD或实体声明"


class DocumentTooDeep(DocumentRejected):
    code = "E-XML-TOO-DEEP"
    message_zh = "报文嵌套层级过深"


class UnknownDocumentType(DocumentRejected):
    code = "E-DOC-UNKNOWN-TYPE"
    message_zh = "未知的报文类型"


class SchemaViolation(DocumentRejected):
    code = "E-XSD-INVALID"
    message_zh = "报文不符合XSD规范"


class BusinessRuleViolation(DocumentRejected):
    """Valid XML whose content cannot apply (unknown agreement, wrong enterprise …)."""

    code = "E-BUSINESS-RULE"
    message_zh = "报文内容不符合业务规则"
    http_status = 422


class InvalidValue(HubError):
    """One value breaks a rule (a check digit, a pattern, a range); the portal names the field."""

    code = "E-FIELD-INVALID"
    message_zh = "输入内容不符合规范"


class FieldErrors(HubError):
    """Several fields of one request are wrong: the portal answers all of them at once (HTTP 422)."""

    code = "E-FIELDS-INVALID"
    message_zh = "请求中有字段填写有误"

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.code}" for e in errors))
        self.errors = errors


class FieldError:
    """``field`` is a JSON path into the request, ``message`` the user's Chinese sentence."""

    __slots__ = ("code", "field", "message")

    def __init__(self, code: str, field: str, message: str) -> None:
        self.code = code
        self.field = field
        self.message = message

    def as_json(self) -> dict[str, str]:
        return {"code": self.code, "field": self.field, "message": self.message}


class NotAuthenticated(HubError):
    code = "E-AUTH-REQUIRED"
    message_zh = "身份认证失败"


class NotFound(HubError):
    code = "E-NOT-FOUND"
    message_zh = "对象不存在"


class Forbidden(HubError):
    code = "E-FORBIDDEN"
    message_zh = "无权执行该操作"


class Conflict(HubError):
    """The request is well formed but the object's state refuses it (e.g. 请勿重复授权)."""

    code = "E-CONFLICT"
    message_zh = "当前状态不允许该操作"


class InvalidStateTransition(HubError):
    code = "E-STATE-TRANSITION"
    message_zh = "当前状态不允许该操作"


class DeliveryFailed(HubError):
    """Sending a document to a partner failed; ``retryable`` tells the retry policy what to do."""

    code = "E-DELIVERY"
    message_zh = "报文发送失败"

    def __init__(self, detail: str, *, retryable: bool, code: str | None = None) -> None:
        super().__init__(detail, code=code)
        self.retryable = retryable
