"""The tripartite agreement's lifecycle (§二 2.1): which event moves which state, and nothing else."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapter.domain.agreement import (
    TRANSITIONS,
    AgreementEvent,
    AgreementStamp,
    AgreementStatus,
    StampResult,
    next_status,
)
from adapter.domain.errors import DocumentRejected, InvalidStateTransition

S, E = AgreementStatus, AgreementEvent

# The manual's lifecycle, written out by its own status words.
LIFECYCLE = {
    ("保险公司签约中", "stamped"): "签约成功",
    ("保险公司签约中", "stamp_refused"): "签约失败",
    ("签约成功", "termination_requested"): "解约中",
    ("解约失败", "termination_requested"): "解约中",
    ("解约中", "termination_confirmed"): "解约成功",
    ("解约中", "termination_refused"): "解约失败",
}
ALL_PAIRS = list(itertools.product(AgreementStatus, AgreementEvent))
DISALLOWED = [(state, event) for state, event in ALL_PAIRS if (state, event) not in TRANSITIONS]
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def test_status_words_are_the_manuals() -> None:
    assert [s.value for s in AgreementStatus] == [
        "保险公司签约中", "签约成功", "签约失败", "解约中", "解约成功", "解约失败"]


def test_transition_table_is_exactly_the_manuals_lifecycle() -> None:
    table = {(state.value, event.value): to.value for (state, event), to in TRANSITIONS.items()}
    assert table == LIFECYCLE


@pytest.mark.parametrize(("state", "event"), list(TRANSITIONS),
                         ids=[f"{s.value}-{e.value}" for s, e in TRANSITIONS])
def test_allowed_move_lands_in_the_listed_state(state: AgreementStatus, event: AgreementEvent) -> None:
    assert next_status(state, event) is TRANSITIONS[(state, event)]
    assert next_status(state, event).value == LIFECYCLE[(state.value, event.value)]


@pytest.mark.parametrize(("state", "event"), DISALLOWED,
                         ids=[f"{s.value}-{e.value}" for s, e in DISALLOWED])
def test_disallowed_move_is_refused_with_a_code_and_a_chinese_message(
        state: AgreementStatus, event: AgreementEvent) -> None:
    with pytest.raises(InvalidStateTransition) as refused:
        next_status(state, event)
    error = refused.value
    assert error.code == "E-AGREEMENT-STATE"
    assert CHINESE.search(error.message_zh)
    assert state.value in error.message_zh  # the user reads which state the agreement is in
    assert state.value in error.detail and event.value in error.detail


def test_every_pair_is_either_a_move_or_a_refusal() -> None:
    assert len(TRANSITIONS) + len(DISALLOWED) == len(ALL_PAIRS) == 30


@pytest.mark.parametrize("event", list(AgreementEvent), ids=lambda e: e.value)
def test_nothing_moves_an_agreement_out_of_terminated(event: AgreementEvent) -> None:
    with pytest.raises(InvalidStateTransition) as refused:
        next_status(S.TERMINATED, event)
    assert refused.value.message_zh == "协议当前状态为解约成功，不能执行该操作"


def test_terminated_and_refused_signing_are_the_only_dead_ends() -> None:
    can_move = {state for state, _ in TRANSITIONS}
    assert set(AgreementStatus) - can_move == {S.TERMINATED, S.SIGNING_REFUSED}


def test_no_move_returns_to_signing() -> None:
    assert S.SIGNING not in TRANSITIONS.values()


def test_every_state_is_reachable_from_signing() -> None:
    reached, frontier = {S.SIGNING}, [S.SIGNING]
    while frontier:
        state = frontier.pop()
        for (source, _), target in TRANSITIONS.items():
            if source is state and target not in reached:
                reached.add(target)
                frontier.append(target)
    assert reached == set(AgreementStatus)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(AgreementEvent), max_size=30))
def test_any_sequence_of_events_follows_the_table_and_never_leaves_terminated(
        events: list[AgreementEvent]) -> None:
    state = S.SIGNING
    for event in events:
        before = state
        try:
            state = next_status(state, event)
        except InvalidStateTransition:
            assert (before, event) not in TRANSITIONS
        else:
            assert (before, event) in TRANSITIONS
            assert before is not S.TERMINATED


def test_refused_move_is_not_a_document_rejection() -> None:
    """A late stamp is recorded and ignored, not answered REJECTED: the error is of another kind."""
    with pytest.raises(InvalidStateTransition) as refused:
        next_status(S.SIGNED, E.STAMPED)
    assert not isinstance(refused.value, DocumentRejected)


@pytest.mark.parametrize(("result", "event"), [(StampResult.STAMPED, E.STAMPED),
                                               (StampResult.REFUSED, E.STAMP_REFUSED)])
def test_stamp_receipt_result_is_the_matching_event(result: StampResult, event: AgreementEvent) -> None:
    stamp = AgreementStamp("SA-2024-000187", "91350100M000100Y43", result, datetime.now(UTC))
    assert stamp.event is event
