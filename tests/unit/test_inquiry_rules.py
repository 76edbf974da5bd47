"""The inquiry's own rules (§3.2): 我有其他需求 needs its text, one reply is kept, a reply for
another enterprise is refused naming the field."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from adapter.domain.inquiry import (
    Inquiry,
    InquiryContent,
    InquiryReply,
    InquiryStatus,
    InquiryUsccMismatch,
    OtherNeedsRequired,
    require_other_needs,
)
from adapter.domain.insurance import Ignored
from tests.insurance_harness import inquiry_form

AT = datetime(2026, 5, 8, 1, 30, tzinfo=UTC)


def reply(text: str, uscc: str = "91350100M000100Y43") -> InquiryReply:
    return InquiryReply("202600000000000001", uscc, AT, text, "陈信保")


@pytest.mark.parametrize("other_needs", [None, "", "   "])
def test_other_needs_must_say_what_is_needed(other_needs: str | None) -> None:
    with pytest.raises(OtherNeedsRequired) as refused:
        require_other_needs(InquiryContent.OTHER, other_needs)
    assert (refused.value.path, refused.value.message_zh) == (
        "$.other_needs", "询保内容为“我有其他需求”时，请填写其他需求")


def test_the_other_choices_need_no_other_needs() -> None:
    for content in (InquiryContent.INSURE, InquiryContent.BUYER_CREDIT):
        require_other_needs(content, None)
    require_other_needs(InquiryContent.OTHER, "想了解保费")


def test_the_first_reply_is_kept_and_a_second_changes_nothing() -> None:
    inquiry = Inquiry.submitted(inquiry_form("202600000000000001"))
    assert inquiry.answer(reply("第一次")) is InquiryStatus.ANSWERED
    second = inquiry.answer(reply("第二次"))
    assert isinstance(second, Ignored) and "重复" in second.reason
    assert (inquiry.status, inquiry.reply and inquiry.reply.reply) == (InquiryStatus.ANSWERED, "第一次")


def test_a_reply_for_another_enterprise_is_refused_at_the_uscc() -> None:
    inquiry = Inquiry.submitted(inquiry_form("202600000000000001"))
    with pytest.raises(InquiryUsccMismatch) as refused:
        inquiry.check_reply(reply("答复", uscc="91350200MA2Y0Q1X9G"))
    assert refused.value.path == "/InquiryReply/Body/Uscc"
    assert inquiry.status is InquiryStatus.SUBMITTED
