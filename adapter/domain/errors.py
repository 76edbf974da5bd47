"""The hub's error tree: one base, a branch per kind, one class per stable code.

Each class carries its code and its Chinese sentence once; callers catch at the level
they care about (any document rejection, any delivery failure, any refused field).
Users read ``message_zh``; logs read ``detail``. Which HTTP status or SOAP fault an
error becomes is decided at the channel that answers, never here.

A sentence may name the case (``{status}``): the class holds the template, the raised
error the filled-in sentence. :func:`registry` lists every code with its template,
built from the classes themselves.
"""

from __future__ import annotations

from string import Formatter


class HubError(Exception):
    """Base of every error the hub raises on purpose."""

    code: str = "E-HUB"
    message_zh: str = "系统处理失败"

    def __init__(self, detail: str = "", *, path: str | None = None, **context: object) -> None:
        template = type(self).message_zh
        self.message_zh = template.format(**context) if _fields(template) else template
        super().__init__(detail or self.message_zh)
        self.detail = detail
        self.path = path


def _fields(template: str) -> bool:
    return any(name for _, name, _, _ in Formatter().parse(template))


def registry() -> dict[str, str]:
    """Every code a class declares, with its sentence; a code declared twice is a bug."""
    found: dict[str, str] = {}
    pending: list[type[HubError]] = [HubError]
    while pending:
        kind = pending.pop()
        pending.extend(kind.__subclasses__())
        if "code" not in vars(kind):
            continue
        if kind.code in found and found[kind.code] != kind.message_zh:
            raise AssertionError(f"{kind.code} is declared twice")
        found[kind.code] = kind.message_zh
    return dict(sorted(found.items()))


# --- documents from partners ---------------------------------------------------------------


class DocumentRejected(HubError):
    """An inbound document cannot be accepted; the partner gets a REJECTED acknowledgement."""

    code = "E-DOC-REJECTED"
    message_zh = "报文被拒绝"


class DocumentTooLarge(DocumentRejected):
    code = "E-XML-TOO-LARGE"
    message_zh = "报文超过大小限制"


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


class WrongEndpoint(SchemaViolation):
    code = "E-DOC-WRONG-ENDPOINT"
    message_zh = "报文类型与接收地址不一致"


class EnvelopeMessageType(SchemaViolation):
    code = "E-ENVELOPE-MESSAGE-TYPE"
    message_zh = "报文类型与报文内容不一致"


class EnvelopeSender(SchemaViolation):
    code = "E-ENVELOPE-SENDER"
    message_zh = "发送方与认证身份不一致"


class EnvelopeReceiver(SchemaViolation):
    code = "E-ENVELOPE-RECEIVER"
    message_zh = "接收方不是本系统"


class BusinessRuleViolation(DocumentRejected):
    """Valid XML whose content cannot apply (unknown agreement, wrong enterprise …)."""

    code = "E-BUSINESS-RULE"
    message_zh = "报文内容不符合业务规则"


class UnsupportedMediaType(DocumentRejected):
    code = "E-HTTP-CONTENT-TYPE"
    message_zh = "报文的Content-Type必须为XML"


class UndecodableBody(DocumentRejected):
    """A Content-Encoding the body does not match (``gzip`` on plain bytes)."""

    code = "E-HTTP-ENCODING"
    message_zh = "报文的Content-Encoding与内容不符，无法解码"


class IncompleteBody(DocumentRejected):
    """The connection ended before the declared length arrived: kept as far as it came."""

    code = "E-HTTP-INCOMPLETE"
    message_zh = "报文未完整接收，连接已中断"


class SoapActionMismatch(DocumentRejected):
    code = "E-SOAP-ACTION"
    message_zh = "SOAPAction与报文的操作不一致"


class SoapMustUnderstand(DocumentRejected):
    """A SOAP header the sender marked mustUnderstand that the hub does not process."""

    code = "E-SOAP-MUST-UNDERSTAND"
    message_zh = "无法处理标记为mustUnderstand的SOAP报文头"


class HubUnavailable(DocumentRejected):
    """The hub could not store the document in time (its database is down or stalled).

    Nothing was stored and nothing applied: the partner sends the same document again
    later, and a copy that did get through meanwhile is answered DUPLICATE.
    """

    code = "E-HUB-UNAVAILABLE"
    message_zh = "交换平台暂时无法受理报文，报文未保存，请稍后重发"
    retryable = True


# --- requests from people --------------------------------------------------------------------


class InvalidValue(HubError):
    """One value breaks a rule (a check digit, a pattern, a range); ``path`` names the field."""

    code = "E-FIELD-INVALID"
    message_zh = "输入内容不符合规范"


class FieldError:
    """``field`` is a JSON path into the request, ``message`` the user's Chinese sentence."""

    __slots__ = ("code", "field", "message")

    def __init__(self, code: str, field: str, message: str) -> None:
        self.code = code
        self.field = field
        self.message = message

    @classmethod
    def of(cls, error: HubError, field: str | None = None) -> FieldError:
        return cls(error.code, field or error.path or "$", error.message_zh)

    def as_json(self) -> dict[str, str]:
        return {"code": self.code, "field": self.field, "message": self.message}


class FieldErrors(HubError):
    """Several fields of one request are wrong: all of them are answered at once."""

    code = "E-FIELDS-INVALID"
    message_zh = "请求中有字段填写有误"

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.code}" for e in errors))
        self.errors = errors


class TextControlCharacter(InvalidValue):
    code = "E-TEXT-CONTROL-CHARACTER"
    message_zh = "内容包含不可见控制字符或无效字符"


class NotAuthenticated(HubError):
    code = "E-AUTH-REQUIRED"
    message_zh = "身份认证失败，请重新登录"


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


class InvalidStateTransition(Conflict):
    code = "E-STATE-TRANSITION"
    message_zh = "当前状态不允许该操作"


class TooManyRequests(HubError):
    """Asked again too soon or too often (a verification code's cooldown, a sending quota)."""

    code = "E-TOO-MANY-REQUESTS"
    message_zh = "操作过于频繁，请稍后再试"


class AuthenticationThrottled(TooManyRequests):
    """Too many failed authentications from one client on one channel: every attempt waits,
    the right credential too, so guessing costs time instead of nothing."""

    code = "E-AUTH-THROTTLED"
    message_zh = "认证失败次数过多，请稍后再试"


class WritesThrottled(TooManyRequests):
    """One enterprise user submitting faster than any person fills in a form."""

    code = "E-WRITES-THROTTLED"
    message_zh = "提交过于频繁，请稍后再试"


class TooManyConnections(HubError):
    """The hub holds as many connections as it may; a new one is answered and closed."""

    code = "E-TOO-MANY-CONNECTIONS"
    message_zh = "当前连接数已达上限，请稍后再试"


class BodyTimeout(HubError):
    """A request body that did not arrive in time (trickled, or shorter than declared)."""

    code = "E-BODY-TIMEOUT"
    message_zh = "请求内容未在规定时间内发送完毕"


class ContentTooLarge(HubError):
    """An upload past its limit (one file, or a claim's whole budget): read no further,
    answered 413 with the field that ran over."""

    code = "E-CONTENT-TOO-LARGE"
    message_zh = "上传内容超过大小限制"


# --- the hub's own store ---------------------------------------------------------------------


class StoreUnavailable(HubError):
    """The database refused, dropped or did not answer within its timeout.

    Raised by the unit of work in place of the driver's many exceptions, so every layer
    can answer 503 without knowing which database it runs on.
    """

    code = "E-STORE-UNAVAILABLE"
    message_zh = "数据库暂时不可用，请稍后重试"


class PartnerUnavailable(HubError):
    """A partner the hub asks while a person waits (a synchronous query) did not answer in time.

    Answered 503 at once: the person may try again; nothing was stored or queued.
    """

    code = "E-PARTNER-UNAVAILABLE"
    message_zh = "对方系统暂时不可用，请稍后重试"


# --- sending to partners ---------------------------------------------------------------------


class DeliveryFailed(HubError):
    """Sending a document to a partner failed; ``retryable`` tells the retry policy what to do."""

    code = "E-DELIVERY"
    message_zh = "报文发送失败"
    retryable: bool = True

    def __init__(self, detail: str) -> None:
        super().__init__(detail)


class DeliveryConnection(DeliveryFailed):
    code = "E-DELIVERY-CONNECTION"
    message_zh = "无法连接对方系统"


class DeliveryMalformedAnswer(DeliveryFailed):
    code = "E-DELIVERY-MALFORMED-ANSWER"
    message_zh = "对方系统的应答无法识别"


class DeliveryServerFault(DeliveryFailed):
    code = "E-DELIVERY-SOAP-SERVER"
    message_zh = "对方系统暂时无法处理（SOAP Server故障）"


class DeliveryClientFault(DeliveryFailed):
    code = "E-DELIVERY-SOAP-CLIENT"
    message_zh = "对方系统拒绝接收（SOAP Client故障）"
    retryable = False


class DeliveryRejected(DeliveryFailed):
    code = "E-DELIVERY-REJECTED"
    message_zh = "对方系统拒收报文"
    retryable = False


class DeliveryInternal(DeliveryFailed):
    code = "E-DELIVERY-INTERNAL"
    message_zh = "报文无法生成或发送"
    retryable = False


class DeliveryExpired(DeliveryFailed):
    """Still undelivered after the longest a message may wait (``breaker.max_message_age``):
    an operator decides, not another retry."""

    code = "E-DELIVERY-EXPIRED"
    message_zh = "报文超过最长等待时间仍未送达"
    retryable = False


class DeliveryHttpStatus(DeliveryFailed):
    """One code per HTTP status the partner answered (``E-DELIVERY-HTTP-503``): 5xx and 429
    may pass, other statuses will not."""

    code = "E-DELIVERY-HTTP-<status>"
    message_zh = "对方系统返回HTTP错误"

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.code = f"E-DELIVERY-HTTP-{status}"
        self.retryable = status >= 500 or status == 429
