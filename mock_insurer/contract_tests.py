"""The insurer's own consumer tests of the hub's inbound REST API (Pact, V4).

The insurer is the CONSUMER here: it pushes its documents (``catalogue.PUSHED_TYPES``:
the agreement stamp, the termination result ...) to ``POST /insurer/v1/documents/{slug}``
and relies on the hub's acknowledgement. Each interaction below is one push the insurer
makes, built with :mod:`mock_insurer.documents` exactly as the push CLI builds it, and
sent by :func:`mock_insurer.push.push_rest` to the Pact mock server. The pact file that
run writes is what the hub, the PROVIDER, is verified against, with provider states that
create what each push needs (an agreement awaiting the stamp, one being terminated ...).

Like the rest of this package it shares no code with ``adapter/``: its XML matchers are
the insurer's own, written per element name.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lxml import etree

from mock_insurer.ack import AckError, DocumentRef, build_ack, xml_datetime
from mock_insurer.catalogue import COMMON_NS, HUB_PARTY, INSURER_PARTY, PUSHED_TYPES
from mock_insurer.documents import (
    agreement_stamp,
    application_receipt,
    claim_review,
    inquiry_reply,
    pending_policy,
    risk_article,
    termination_result,
)
from mock_insurer.push import DEFAULT_PASSWORD, DEFAULT_USER, basic_auth, push_rest
from mock_insurer.xmlsafe import serialise

# The Pact core reports usage over the network unless told not to: stay offline.
os.environ["PACT_DO_NOT_TRACK"] = "true"

CONSUMER = "sinosure"
PROVIDER = "sw-credit-hub-rest-api"
PACT_FILE = f"{CONSUMER}-{PROVIDER}.json"

# Provider states: what the hub must hold before a push makes sense. Parameters name it.
AWAITING_STAMP = "an agreement is awaiting the insurer's stamp"
BEING_TERMINATED = "an agreement is being terminated"
NO_SUCH_AGREEMENT = "no agreement has this number"
STAMP_ALREADY_ACCEPTED = "the hub has already accepted a stamp with this message id"
SIGNED_AWAITING_OFFER = "an enterprise with a signed agreement awaits a pending policy"
APPLICATION_SUBMITTED = "an application for a pending policy has been submitted"
INQUIRY_SUBMITTED = "an inquiry has been submitted"
CLAIM_SUBMITTED = "a claim has been submitted"
ARTICLE_NOT_HELD = "the hub holds no version of this risk article"
STATES = (AWAITING_STAMP, BEING_TERMINATED, NO_SUCH_AGREEMENT, STAMP_ALREADY_ACCEPTED,
          SIGNED_AWAITING_OFFER, APPLICATION_SUBMITTED, INQUIRY_SUBMITTED, CLAIM_SUBMITTED,
          ARTICLE_NOT_HELD)

# One enterprise per agreement (the hub allows one live agreement per enterprise); valid
# GB 32100 codes, check digit included.
USCC = {
    "SA-PACT-0001": "913501000000900181",
    "SA-PACT-0002": "91350100000090026U",
    "SA-PACT-0003": "91350100000090034N",
    "SA-PACT-0404": "91350100000094043H",
    "PP-PACT-0001": "91350100000900412N",
    "PP-PACT-0002": "91350100000900420H",
    "202400000000090001": "91350100000900412N",
    "SP20240903PACT000001": "91350100000900420H",
}
SENT_AT = datetime(2024, 6, 3, 2, 16, 2, tzinfo=UTC)
DECIDED_AT = datetime(2024, 9, 3, 6, 0, 0, tzinfo=UTC)

IDENTIFIER = r"^[A-Za-z0-9][A-Za-z0-9._:\-]{0,63}$"
DATETIME = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$"
BASE64 = r"^[A-Za-z0-9+/=\s]*$"
ANY_TEXT = {"match": "type"}

# What may vary in what the insurer sends (ids, times, free text); everything else (the
# message type, the parties, the agreement a state names, the result) is exact.
SENT_RULES: dict[str, dict[str, Any]] = {
    "MessageId": {"match": "regex", "regex": IDENTIFIER},
    "CorrelationId": {"match": "regex", "regex": IDENTIFIER},
    "BusinessSerial": {"match": "regex", "regex": IDENTIFIER},
    "SchemaVersion": {"match": "regex", "regex": r"^1\.[0-9]+$"},
    "SentAt": {"match": "regex", "regex": DATETIME},
    "StampedAt": {"match": "regex", "regex": DATETIME},
    "DecidedAt": {"match": "regex", "regex": DATETIME},
    "RepliedAt": {"match": "regex", "regex": DATETIME},
    "SubmissionSerial": {"match": "regex", "regex": IDENTIFIER},
    "OfferedAt": {"match": "regex", "regex": DATETIME},
    "IssuedAt": {"match": "regex", "regex": DATETIME},
    "EPolicy": {"match": "regex", "regex": BASE64},
    "InsurerSealSerial": {"match": "regex", "regex": IDENTIFIER},
    "InsurerSealCertificate": {"match": "regex", "regex": BASE64},
    "RefusalReason": ANY_TEXT,
    "Reason": ANY_TEXT,
    "Reply": ANY_TEXT,
    "Handler": ANY_TEXT,
    "HandlerContact": ANY_TEXT,
}
# What the hub may choose in its acknowledgement; the status, the echoed references and
# an error's code and path are what the insurer acts on, so they are exact.
ACK_RULES: dict[str, dict[str, Any]] = {
    "AckId": {"match": "regex", "regex": IDENTIFIER},
    "ReceivedAt": {"match": "regex", "regex": DATETIME},
    "OriginalAckId": {"match": "regex", "regex": IDENTIFIER},
    "Reason": ANY_TEXT,
}
ACK_AT = datetime(2024, 6, 3, 2, 16, 3, tzinfo=UTC)


@dataclass(frozen=True)
class Push:
    """One push the insurer makes, and the answer it relies on."""

    description: str
    slug: str
    document: bytes
    states: tuple[tuple[str, dict[str, str]], ...]
    http_status: int
    ack_status: str
    errors: tuple[AckError, ...] = ()
    original_ack_id: str | None = None

    @property
    def ref(self) -> DocumentRef:
        return DocumentRef.of(etree.fromstring(self.document))

    def expected_ack(self) -> bytes:
        return serialise(build_ack(self.ack_status, self.ref, received_at=ACK_AT,
                                   ack_id="ACK-SWCREDIT-0001", original_ack_id=self.original_ack_id,
                                   errors=self.errors, sender=HUB_PARTY), declaration=False)


def _stamp(agreement_no: str, message_id: str, **kwargs: Any) -> bytes:
    return agreement_stamp(agreement_no, USCC[agreement_no], message_id=message_id,
                           business_serial=f"AS-{agreement_no}", stamped_at=SENT_AT,
                           sent_at=SENT_AT, **kwargs)


def _termination(agreement_no: str, message_id: str, **kwargs: Any) -> bytes:
    built = termination_result(agreement_no, USCC[agreement_no], message_id=message_id,
                               business_serial=f"TR-{agreement_no}", decided_at=DECIDED_AT, **kwargs)
    return _sent_at(built, DECIDED_AT)


def _sent_at(document: bytes, moment: datetime) -> bytes:
    """The builder stamps SentAt with the clock; the pact's example must not change per run."""
    root = etree.fromstring(document)
    for element in root.iter(f"{{{COMMON_NS}}}SentAt"):
        element.text = xml_datetime(moment)
    return serialise(root)


def _agreement(agreement_no: str, **more: str) -> dict[str, str]:
    """Provider state parameters naming an agreement and its enterprise."""
    return {"agreement_no": agreement_no, "uscc": USCC[agreement_no], **more}


def _offer(offer_no: str, message_id: str) -> bytes:
    return pending_policy(offer_no, USCC[offer_no], "厦门海沧小微外贸有限公司",
                          coverage_start=DECIDED_AT.date(), offered_at=SENT_AT,
                          message_id=message_id, sent_at=SENT_AT)


def _receipt(offer_no: str, message_id: str) -> bytes:
    return application_receipt(offer_no, f"TB-{offer_no}", USCC[offer_no],
                               enterprise_name="厦门海沧小微外贸有限公司", decided_at=DECIDED_AT,
                               policy_no=f"SCH-{offer_no}", message_id=message_id,
                               sent_at=DECIDED_AT)


def _review(claim_no: str, message_id: str) -> bytes:
    return claim_review(claim_no, f"{claim_no}-S01", USCC[claim_no], decided_at=DECIDED_AT,
                        message_id=message_id, sent_at=DECIDED_AT)


def _article(article_id: str, message_id: str) -> bytes:
    return risk_article(article_id, "越南电子行业买方拖欠风险预警", category="INDUSTRY",
                        countries=("VNM",), industries=("C",), summary="近期越南电子行业买方拖欠增多。",
                        published_at=SENT_AT, message_id=message_id, sent_at=SENT_AT)


def _reply(serial_no: str, message_id: str) -> bytes:
    return inquiry_reply(serial_no, USCC[serial_no], replied_at=DECIDED_AT, message_id=message_id,
                         sent_at=DECIDED_AT)


ACCEPTED_PUSHES: dict[str, Callable[[], Push]] = {
    "agreement-stamp": lambda: Push(
        "the insurer's stamp on an agreement awaiting it", "agreement-stamp",
        _stamp("SA-PACT-0001", "SINOSURE-PACT-0001", seal_serial="SINOSURE-FJ-SEAL-2024-0031",
               seal_certificate="MIIBCjoQdQUqj/3HK68FE+xBBs/NNxQVi7lyRH0yZF2H5Yky"),
        ((AWAITING_STAMP, _agreement("SA-PACT-0001")),), 200, "ACCEPTED"),
    "termination-result": lambda: Push(
        "the insurer's confirmation of a termination", "termination-result",
        _termination("SA-PACT-0003", "SINOSURE-PACT-0003", reason="经核实无未结案件，同意解约"),
        ((BEING_TERMINATED, _agreement("SA-PACT-0003")),), 200, "ACCEPTED"),
    "pending-policy": lambda: Push(
        "a pending policy for an enterprise with a signed agreement", "pending-policy",
        _offer("PP-PACT-0001", "SINOSURE-PACT-0011"),
        ((SIGNED_AWAITING_OFFER, {"uscc": USCC["PP-PACT-0001"]}),), 200, "ACCEPTED"),
    "application-receipt": lambda: Push(
        "the insurer's acceptance of a submitted application", "application-receipt",
        _receipt("PP-PACT-0002", "SINOSURE-PACT-0012"),
        ((APPLICATION_SUBMITTED, {"offer_no": "PP-PACT-0002", "application_no": "TB-PP-PACT-0002",
                                  "uscc": USCC["PP-PACT-0002"]}),), 200, "ACCEPTED"),
    "inquiry-reply": lambda: Push(
        "the insurer's reply to a submitted inquiry", "inquiry-reply",
        _reply("202400000000090001", "SINOSURE-PACT-0013"),
        ((INQUIRY_SUBMITTED, {"serial_no": "202400000000090001",
                              "uscc": USCC["202400000000090001"]}),), 200, "ACCEPTED"),
    "claim-review": lambda: Push(
        "the insurer's review of a submitted claim", "claim-review",
        _review("SP20240903PACT000001", "SINOSURE-PACT-0014"),
        ((CLAIM_SUBMITTED, {"claim_no": "SP20240903PACT000001",
                            "business_serial": "SP20240903PACT000001-S01",
                            "uscc": USCC["SP20240903PACT000001"]}),), 200, "ACCEPTED"),
    # Every exporter reads risk articles: the hub needs nothing before the first version.
    "risk-article": lambda: Push(
        "a risk article the insurer publishes", "risk-article",
        _article("RA-PACT-0001", "SINOSURE-PACT-0015"),
        ((ARTICLE_NOT_HELD, {"article_id": "RA-PACT-0001"}),), 200, "ACCEPTED"),
}
"""One accepted push per document type the insurer pushes (``catalogue.PUSHED_TYPES``)."""


def pushes() -> list[Push]:
    """Every interaction of the insurer's pact with the hub's REST API."""
    missing = [t.slug for t in PUSHED_TYPES if t.slug not in ACCEPTED_PUSHES]
    if missing:
        raise LookupError(f"no contract interaction for pushed document types {missing}")
    return [
        *(build() for build in ACCEPTED_PUSHES.values()),
        Push("a stamp the hub has already accepted, pushed again", "agreement-stamp",
             _stamp("SA-PACT-0002", "SINOSURE-PACT-0002"),
             ((AWAITING_STAMP, _agreement("SA-PACT-0002")),
              (STAMP_ALREADY_ACCEPTED, _agreement("SA-PACT-0002", message_id="SINOSURE-PACT-0002"))),
             200, "DUPLICATE", original_ack_id="ACK-SWCREDIT-0000"),
        Push("a stamp for an agreement the hub does not know", "agreement-stamp",
             _stamp("SA-PACT-0404", "SINOSURE-PACT-0404"),
             ((NO_SUCH_AGREEMENT, {"agreement_no": "SA-PACT-0404"}),), 422, "REJECTED",
             errors=(AckError("E-AGREEMENT-UNKNOWN", "协议不存在: no agreement SA-PACT-0404",
                              "/AgreementStamp/Body/AgreementNo"),)),
    ]


def _path(element: etree._Element) -> str:
    steps = [element, *element.iterancestors()]
    return "$" + "".join(
        f"['{etree.QName(s).namespace}:{etree.QName(s).localname}']" if etree.QName(s).namespace
        else f"['{etree.QName(s).localname}']" for s in reversed(steps))


def xml_rules(document: bytes, by_name: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Namespace-qualified Pact matching rules for the leaves named in ``by_name``."""
    rules = {}
    for element in etree.fromstring(document).iter():
        if isinstance(element.tag, str) and len(element) == 0:
            matcher = by_name.get(etree.QName(element).localname)
            if matcher is not None:
                rules[_path(element) + "['#text']"] = {"combine": "AND", "matchers": [matcher]}
    return {"body": dict(sorted(rules.items()))}


def _text(document: bytes) -> str:
    """The document as one line, no declaration: the example stored in the pact file."""
    parser = etree.XMLParser(remove_blank_text=True, resolve_entities=False, no_network=True)
    text: str = etree.tostring(etree.fromstring(document, parser), encoding="unicode")
    return text


def build_pact() -> Any:
    from pact import Pact, match

    pact = Pact(CONSUMER, PROVIDER).with_specification("V4")
    credential = basic_auth(DEFAULT_USER, DEFAULT_PASSWORD)
    for push in pushes():
        interaction = pact.upon_receiving(push.description)
        for state, parameters in push.states:
            interaction.given(state, dict[str, object](parameters))
        (interaction
         .with_request("POST", f"/insurer/v1/documents/{push.slug}")
         .with_header("Authorization", match.regex(credential, regex=r"^Basic [A-Za-z0-9+/]+=*$"))
         .with_body(_text(push.document), content_type="application/xml")
         .with_matching_rules(xml_rules(push.document, SENT_RULES), "Request")
         .will_respond_with(push.http_status)
         .with_body(_text(push.expected_ack()), content_type="application/xml")
         .with_matching_rules(xml_rules(push.expected_ack(), ACK_RULES), "Response"))
    return pact


async def run(out_dir: Path) -> tuple[Path, list[str]]:
    """Push every document to a Pact mock server of the hub; write the pact file.

    Returns the pact file and the problems found: requests the mock server did not
    expect, and answers :func:`push_rest` did not read as the push expects.
    """
    pact = build_pact()
    problems: list[str] = []
    with pact.serve(addr="127.0.0.1", raises=False, verbose=False) as server:
        for push in pushes():
            result = await push_rest(str(server.url), push.document)
            got = (result.http_status, result.ack_status, result.error_codes)
            wanted = (push.http_status, push.ack_status, [e.code for e in push.errors])
            if got != wanted:
                problems.append(f"{push.description}: got {got}, expected {wanted} ({result.error})")
    problems += [str(m) for m in server.mismatches]
    pact.write_file(out_dir, overwrite=True)
    return out_dir / PACT_FILE, problems


__all__ = ["CONSUMER", "INSURER_PARTY", "PACT_FILE", "PROVIDER", "STATES", "Push", "build_pact",
           "pushes", "run"]
