"""The SMS verification code's rules (I-4), each on a controlled clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from adapter.domain.sms import (
    MAX_TRIES,
    SmsCodeDead,
    SmsCodeExpired,
    SmsCodeUsed,
    SmsCodeWrong,
    SmsMobileMismatch,
    SmsQuotaExceeded,
    SmsResendTooSoon,
    VerificationCode,
    code_hash,
    quota_refusal,
    resend_refusal,
)

KEY = b"test-key"
T0 = datetime(2026, 7, 1, 2, 0, tzinfo=UTC)
MOBILE = "13859012345"


def issued(code: str = "123456", at: datetime = T0) -> VerificationCode:
    return VerificationCode("PP-1", "91350100M000100Y43", MOBILE, code_hash(KEY, "PP-1", MOBILE, code), at)


def test_the_right_code_within_five_minutes_proves_the_mobile_once() -> None:
    code = issued()
    assert code.check(key=KEY, mobile=MOBILE, code="123456", now=T0 + timedelta(minutes=4, seconds=59)) is None
    assert code.used_at == T0 + timedelta(minutes=4, seconds=59)


def test_a_code_expires_after_five_minutes() -> None:
    refusal = issued().check(key=KEY, mobile=MOBILE, code="123456", now=T0 + timedelta(minutes=5))
    assert isinstance(refusal, SmsCodeExpired)
    assert (refusal.code, refusal.path, refusal.message_zh) == (
        "E-SMS-CODE-EXPIRED", "$.sms_code", "验证码已过期，请重新获取")


def test_a_wrong_code_counts_and_says_how_many_tries_are_left() -> None:
    code = issued()
    refusal = code.check(key=KEY, mobile=MOBILE, code="654321", now=T0)
    assert isinstance(refusal, SmsCodeWrong)
    assert refusal.message_zh == "验证码错误，还可尝试4次"
    assert code.attempts == 1


def test_the_fifth_wrong_try_kills_the_code_even_for_the_right_one_after() -> None:
    code = issued()
    refusals = [code.check(key=KEY, mobile=MOBILE, code="000000", now=T0) for _ in range(MAX_TRIES)]
    assert [type(r) for r in refusals] == [SmsCodeWrong] * 4 + [SmsCodeDead]
    after = code.check(key=KEY, mobile=MOBILE, code="123456", now=T0)
    assert isinstance(after, SmsCodeDead)
    assert after.code == "E-SMS-CODE-DEAD"


def test_a_code_that_succeeded_cannot_be_used_again() -> None:
    code = issued()
    assert code.check(key=KEY, mobile=MOBILE, code="123456", now=T0) is None
    again = code.check(key=KEY, mobile=MOBILE, code="123456", now=T0 + timedelta(seconds=5))
    assert isinstance(again, SmsCodeUsed)
    assert again.message_zh == "验证码已使用，请重新获取"


def test_a_code_is_bound_to_the_mobile_it_was_sent_to() -> None:
    refusal = issued().check(key=KEY, mobile="13900000000", code="123456", now=T0)
    assert isinstance(refusal, SmsMobileMismatch)
    assert refusal.path == "$.contact_mobile"


def test_a_code_is_bound_to_its_application() -> None:
    other = VerificationCode("PP-2", "91350100M000100Y43", MOBILE,
                             code_hash(KEY, "PP-1", MOBILE, "123456"), T0)
    assert isinstance(other.check(key=KEY, mobile=MOBILE, code="123456", now=T0), SmsCodeWrong)


def test_only_a_keyed_hash_is_kept_never_the_code() -> None:
    code = issued("987654")
    assert "987654" not in code.code_hash and len(code.code_hash) == 64
    assert code.code_hash != code_hash(b"another-key", "PP-1", MOBILE, "987654")


def test_a_malformed_code_is_a_wrong_try() -> None:
    code = issued()
    assert isinstance(code.check(key=KEY, mobile=MOBILE, code="12345", now=T0), SmsCodeWrong)
    assert isinstance(code.check(key=KEY, mobile=MOBILE, code="１２３４５６", now=T0), SmsCodeWrong)
    assert code.attempts == 2


def test_one_resend_per_sixty_seconds_per_application() -> None:
    latest = issued()
    too_soon = resend_refusal(latest, T0 + timedelta(seconds=59, milliseconds=500))
    assert isinstance(too_soon, SmsResendTooSoon)
    assert too_soon.message_zh == "验证码已发送，请1秒后再重新获取"
    assert resend_refusal(latest, T0 + timedelta(seconds=60)) is None
    assert resend_refusal(None, T0) is None


def test_sending_is_limited_per_enterprise() -> None:
    assert quota_refusal(9, 10) is None
    refusal = quota_refusal(10, 10)
    assert isinstance(refusal, SmsQuotaExceeded)
    assert refusal.code == "E-SMS-QUOTA-EXCEEDED"
