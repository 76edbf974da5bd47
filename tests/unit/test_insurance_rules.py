"""The application's state table and five-step bar (§三 3.1), without any I/O."""

from __future__ import annotations

import pytest

from adapter.domain.insurance import (
    OPEN,
    STEPS,
    TRANSITIONS,
    ApplicationEvent,
    ApplicationStateRefused,
    ApplicationStatus,
    next_status,
)


def test_status_words_are_the_manuals() -> None:
    assert {s.value for s in ApplicationStatus} >= {"待确认", "生效", "退回"}
    assert STEPS == ("查看待确认保单", "提交投保申请", "查看保单受理结果", "收悉确认", "完成")


def test_states_never_go_back_and_closed_offers_take_nothing() -> None:
    closed = set(ApplicationStatus) - OPEN
    assert not any(before in closed for before, _ in TRANSITIONS)
    for status in closed:
        for event in ApplicationEvent:
            with pytest.raises(ApplicationStateRefused):
                next_status(status, event)


def test_only_a_pending_offer_can_be_applied_for_withdrawn_or_superseded() -> None:
    pending_only = {ApplicationEvent.SUBMITTED, ApplicationEvent.WITHDRAWN, ApplicationEvent.SUPERSEDED}
    for event in pending_only:
        assert {b for b, e in TRANSITIONS if e is event} == {ApplicationStatus.PENDING}
    assert next_status(ApplicationStatus.SUBMITTED, ApplicationEvent.ACCEPTED) is ApplicationStatus.EFFECTIVE
    assert next_status(ApplicationStatus.SUBMITTED, ApplicationEvent.RETURNED) is ApplicationStatus.RETURNED
