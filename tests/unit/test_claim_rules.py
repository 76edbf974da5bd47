"""The claim's rules without a database: Han characters counted, the report's staleness,
every missing piece at once, and reviews that never move a claim backwards."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from adapter.domain.claim import (
    ClaimReview,
    ClaimStatus,
    Ignored,
    ReviewResult,
    TooFewHanCharacters,
    han_count,
    require_han,
)
from tests.claims_harness import complete_claim, line

NOW = datetime(2026, 9, 1, tzinfo=UTC)


def needs(method: str) -> tuple[bool, bool]:
    return {"LC": (True, False), "CONFIRMED-LC": (True, True)}.get(method, (False, False))


def review(claim_no: str, serial: str, result: ReviewResult) -> ClaimReview:
    return ClaimReview(claim_no, serial, "91350100M000100Y43", result, NOW, "陈立群", "0592-5123456",
                       "请补充发票" if result is ReviewResult.RETURNED else None)


def test_only_han_characters_count() -> None:
    assert han_count("买方拖欠货款 unpaid 123，。") == 6
    with pytest.raises(TooFewHanCharacters) as refused:
        require_han("买方拖欠货款 unpaid", "索赔原因描述", "$.explanation.reason")
    assert "当前6个" in refused.value.message_zh and "只计汉字" in refused.value.message_zh


def test_the_report_is_stale_as_soon_as_a_line_changes() -> None:
    claim = complete_claim("SP1")
    assert claim.report_state == "fresh"
    claim.put_line(replace(claim.lines[0], invoice_no="INV-CHANGED"), NOW)
    assert claim.report_state == "stale"


def test_every_missing_piece_is_named_at_once() -> None:
    claim = complete_claim("SP1")
    claim.issuing_bank, claim.confirming_bank = None, None
    claim.put_line(line("20260801000000000002", payment_method="CONFIRMED-LC"), NOW)
    missing = claim.missing_pieces(attachments=0, declaration_accepted=False, bank_needs=needs,
                                   payment_name=lambda code: code)
    assert {(e.code, e.field) for e in missing} == {
        ("E-CLAIM-BANK-REQUIRED", "$.issuing_bank"), ("E-CLAIM-BANK-REQUIRED", "$.confirming_bank"),
        ("E-CLAIM-REPORT-STALE", "$.shipment_report"),
        ("E-CLAIM-ATTACHMENTS-MISSING", "$.attachments"),
        ("E-CLAIM-DECLARATION-REQUIRED", "$.declaration_accepted")}


def test_a_returned_claim_is_resubmitted_under_a_new_serial_and_late_reviews_change_nothing() -> None:
    claim = complete_claim("SP1")
    claim.submit(at=NOW, by="林晓梅")
    first = claim.business_serial
    assert first == "SP1-S01"
    claim.apply(review("SP1", first, ReviewResult.RETURNED))
    assert claim.status is ClaimStatus.RETURNED
    claim.submit(at=NOW, by="林晓梅")
    assert (claim.claim_no, claim.business_serial) == ("SP1", "SP1-S02")
    late = claim.apply(review("SP1", first, ReviewResult.APPROVED))
    assert isinstance(late, Ignored) and claim.status is ClaimStatus.SUBMITTED
    claim.apply(review("SP1", "SP1-S02", ReviewResult.APPROVED))
    assert claim.status is ClaimStatus.APPROVED
    again = claim.apply(review("SP1", "SP1-S02", ReviewResult.RETURNED))
    assert isinstance(again, Ignored) and claim.status is ClaimStatus.APPROVED
