"""SMS verification codes for the insurance application (I-4 获取验证码 / 提交验证码信息).

A code is 6 digits, valid 5 minutes, bound to one application and one mobile number, and
stored only as a keyed hash of all three, so the database never holds a usable code and
a code sent for one application or number proves nothing for another. One resend per 60
seconds per application; five wrong tries and the code is dead; a code that succeeded
is spent. Sending is also limited per enterprise, whatever the application.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from adapter.domain.errors import InvalidValue, TooManyRequests

CODE_DIGITS = 6
VALID_FOR = timedelta(minutes=5)
RESEND_AFTER = timedelta(seconds=60)
MAX_TRIES = 5


class SmsCodeMissing(InvalidValue):
    code = "E-SMS-CODE-MISSING"
    message_zh = "请先获取短信验证码"


class SmsCodeWrong(InvalidValue):
    code = "E-SMS-CODE-WRONG"
    message_zh = "验证码错误，还可尝试{left}次"


class SmsCodeExpired(InvalidValue):
    code = "E-SMS-CODE-EXPIRED"
    message_zh = "验证码已过期，请重新获取"


class SmsCodeDead(InvalidValue):
    code = "E-SMS-CODE-DEAD"
    message_zh = "验证码错误次数过多，已失效，请重新获取"


class SmsCodeUsed(InvalidValue):
    code = "E-SMS-CODE-USED"
    message_zh = "验证码已使用，请重新获取"


class SmsMobileMismatch(InvalidValue):
    code = "E-SMS-MOBILE-MISMATCH"
    message_zh = "手机号码与接收验证码的号码不一致，请重新获取验证码"


class SmsResendTooSoon(TooManyRequests):
    code = "E-SMS-RESEND-TOO-SOON"
    message_zh = "验证码已发送，请{seconds}秒后再重新获取"


class SmsQuotaExceeded(TooManyRequests):
    code = "E-SMS-QUOTA-EXCEEDED"
    message_zh = "获取验证码过于频繁，请一小时后再试"


def code_hash(key: bytes, subject: str, mobile: str, code: str) -> str:
    """HMAC-SHA256 over application, mobile and code: a 6-digit code alone is guessed in a
    million tries, so the hash needs a key the database does not hold."""
    message = f"{subject}\x1f{mobile}\x1f{code}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def is_well_formed(code: str) -> bool:
    return len(code) == CODE_DIGITS and code.isascii() and code.isdigit()


@dataclass(slots=True)
class VerificationCode:
    """One code sent for one application to one mobile number."""

    subject: str
    uscc: str
    mobile: str
    code_hash: str
    issued_at: datetime
    attempts: int = 0
    used_at: datetime | None = None
    id: int | None = None

    @property
    def expires_at(self) -> datetime:
        return self.issued_at + VALID_FOR

    @property
    def dead(self) -> bool:
        return self.attempts >= MAX_TRIES

    def check(self, *, key: bytes, mobile: str, code: str, now: datetime) -> InvalidValue | None:
        """None when the code proves the mobile; otherwise the refusal. A wrong try counts,
        so the caller saves this code even when it refuses."""
        path = "$.sms_code"
        if self.used_at is not None:
            return SmsCodeUsed("code already used", path=path)
        if self.dead:
            return SmsCodeDead("too many wrong tries", path=path)
        if now >= self.expires_at:
            return SmsCodeExpired(f"code expired at {self.expires_at.isoformat()}", path=path)
        if mobile != self.mobile:
            return SmsMobileMismatch("code was sent to another mobile", path="$.contact_mobile")
        given = code_hash(key, self.subject, mobile, code) if is_well_formed(code) else ""
        if not hmac.compare_digest(given, self.code_hash):
            self.attempts += 1
            if self.dead:
                return SmsCodeDead("fifth wrong try", path=path)
            return SmsCodeWrong(f"wrong code, try {self.attempts}", path=path,
                                left=MAX_TRIES - self.attempts)
        self.used_at = now
        return None


def resend_refusal(latest: VerificationCode | None, now: datetime) -> SmsResendTooSoon | None:
    """One code per application per 60 seconds."""
    if latest is None or now - latest.issued_at >= RESEND_AFTER:
        return None
    wait = RESEND_AFTER - (now - latest.issued_at)
    seconds = max(1, int(wait.total_seconds() + 0.999))
    return SmsResendTooSoon(f"resend in {seconds}s", seconds=seconds)


def quota_refusal(sent_last_hour: int, per_hour: int) -> SmsQuotaExceeded | None:
    if sent_last_hour < per_hour:
        return None
    return SmsQuotaExceeded(f"{sent_last_hour} codes sent in the last hour")


def message_text(code: str) -> str:
    minutes = int(VALID_FOR.total_seconds() // 60)
    return f"【单一窗口】您的投保验证码为{code}，{minutes}分钟内有效，请勿泄露。"
