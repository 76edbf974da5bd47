"""The catalogue of documents the hub exchanges: one entry per message type.

An entry says everything about a type that is not XML or I/O: its feature id, its
direction, the stem that names its schema, mapping module and golden fixtures
(``xsd/<stem>.xsd``, ``adapter/mappings/<stem>.py``, ``tests/fixtures/<stem>/``), the
REST slug and SOAP operation it travels under, the object whose timeline it joins, and
the sentences a person reads about it in a process view. The layers build their tables
from this one list, and a test walks it to find any type missing a piece.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum


class Direction(str, Enum):
    INBOUND = "inbound"     # insurer → hub
    OUTBOUND = "outbound"   # hub → insurer


INSURER_ZH = "中国出口信用保险公司"


@dataclass(frozen=True, slots=True)
class MessageKind:
    message_type: str
    feature: str
    direction: Direction
    stem: str
    slug: str
    soap_operation: str
    subject: str
    sent_zh: str = ""
    received_zh: Mapping[str, str] = field(default_factory=dict)

    @property
    def xsd(self) -> str:
        return f"{self.stem}.xsd"

    @property
    def soap_action(self) -> str:
        side = "hub" if self.direction is Direction.INBOUND else "insurer"
        return f"urn:swcredit:{side}:{self.soap_operation}"


AGREEMENT_STAMP = MessageKind(
    "AGREEMENT_STAMP", "X-IN-2", Direction.INBOUND, "agreement_stamp", "agreement-stamp",
    "ReceiveAgreementStamp", "agreement",
    received_zh={"STAMPED": f"{INSURER_ZH}已加盖电子签章", "REFUSED": f"{INSURER_ZH}拒绝签章"})
TERMINATION_RESULT = MessageKind(
    "TERMINATION_RESULT", "X-IN-3", Direction.INBOUND, "termination_result", "termination-result",
    "ReceiveTerminationResult", "agreement",
    received_zh={"TERMINATED": f"{INSURER_ZH}同意解约", "REFUSED": f"{INSURER_ZH}不同意解约"})
SIGNED_AGREEMENT = MessageKind(
    "SIGNED_AGREEMENT", "X-OUT-1", Direction.OUTBOUND, "signed_agreement", "signed-agreement",
    "SubmitSignedAgreement", "agreement", sent_zh=f"服务协议已发送至{INSURER_ZH}")
TERMINATION_REQUEST = MessageKind(
    "TERMINATION_REQUEST", "X-OUT-2", Direction.OUTBOUND, "termination_request",
    "termination-request", "SubmitTerminationRequest", "agreement",
    sent_zh=f"解约申请已发送至{INSURER_ZH}")
DATA_AUTHORIZATION = MessageKind(
    "DATA_AUTHORIZATION", "X-OUT-3", Direction.OUTBOUND, "data_authorization",
    "data-authorization", "SubmitDataAuthorization", "data_authorization",
    sent_zh=f"企业数据授权已发送至{INSURER_ZH}")
PENDING_POLICY = MessageKind(
    "PENDING_POLICY", "X-IN-1", Direction.INBOUND, "pending_policy", "pending-policy",
    "ReceivePendingPolicy", "insurance_application",
    received_zh={"OFFER": f"收到{INSURER_ZH}发送的待确认保单",
                 "WITHDRAW": f"{INSURER_ZH}撤回待确认保单"})
APPLICATION_RECEIPT = MessageKind(
    "APPLICATION_RECEIPT", "X-IN-4", Direction.INBOUND, "application_receipt",
    "application-receipt", "ReceiveApplicationReceipt", "insurance_application",
    received_zh={"EFFECTIVE": f"{INSURER_ZH}审核通过，保单生效",
                 "RETURNED": f"{INSURER_ZH}退回投保申请"})
INSURANCE_APPLICATION = MessageKind(
    "INSURANCE_APPLICATION", "X-OUT-4", Direction.OUTBOUND, "insurance_application",
    "insurance-application", "SubmitInsuranceApplication", "insurance_application",
    sent_zh=f"投保申请已发送至{INSURER_ZH}")
RECEIPT_ACKNOWLEDGEMENT = MessageKind(
    "RECEIPT_ACKNOWLEDGEMENT", "X-OUT-5", Direction.OUTBOUND, "receipt_acknowledgement",
    "receipt-acknowledgement", "SubmitReceiptAcknowledgement", "insurance_application",
    sent_zh=f"收悉确认已送达{INSURER_ZH}")
INSURANCE_INQUIRY = MessageKind(
    "INSURANCE_INQUIRY", "X-OUT-6", Direction.OUTBOUND, "insurance_inquiry", "insurance-inquiry",
    "SubmitInsuranceInquiry", "insurance_inquiry", sent_zh=f"询保申请已发送至{INSURER_ZH}")
INQUIRY_REPLY = MessageKind(
    "INQUIRY_REPLY", "X-IN-7", Direction.INBOUND, "inquiry_reply", "inquiry-reply",
    "ReceiveInquiryReply", "insurance_inquiry",
    received_zh={"REPLIED": f"收到{INSURER_ZH}的询保反馈"})

CLAIM_APPLICATION = MessageKind(
    "CLAIM_APPLICATION", "X-OUT-7", Direction.OUTBOUND, "claim_application", "claim-application",
    "SubmitClaimApplication", "claim", sent_zh=f"索赔申请已发送至{INSURER_ZH}")
CLAIM_REVIEW = MessageKind(
    "CLAIM_REVIEW", "X-IN-5", Direction.INBOUND, "claim_review", "claim-review",
    "ReceiveClaimReview", "claim",
    received_zh={"APPROVED": f"{INSURER_ZH}审核通过索赔申请",
                 "RETURNED": f"{INSURER_ZH}退回索赔申请"})
BUYER_REGISTRATION = MessageKind(
    "BUYER_REGISTRATION", "X-OUT-8", Direction.OUTBOUND, "buyer_registration", "buyer-registration",
    "SubmitBuyerRegistration", "claim_buyer", sent_zh=f"新建买方信息已发送至{INSURER_ZH}")
RISK_ARTICLE = MessageKind(
    "RISK_ARTICLE", "X-IN-6", Direction.INBOUND, "risk_article", "risk-article",
    "ReceiveRiskArticle", "risk_article",
    received_zh={"PUBLISH": f"收到{INSURER_ZH}推送的风险资讯文章",
                 "WITHDRAW": f"{INSURER_ZH}撤回风险资讯文章"})

CATALOGUE: tuple[MessageKind, ...] = (
    AGREEMENT_STAMP, TERMINATION_RESULT, SIGNED_AGREEMENT, TERMINATION_REQUEST, DATA_AUTHORIZATION,
    PENDING_POLICY, APPLICATION_RECEIPT, INSURANCE_APPLICATION, RECEIPT_ACKNOWLEDGEMENT,
    INSURANCE_INQUIRY, INQUIRY_REPLY,
    RISK_ARTICLE,
    CLAIM_APPLICATION, CLAIM_REVIEW,
    BUYER_REGISTRATION,
)
BY_MESSAGE_TYPE: Mapping[str, MessageKind] = {kind.message_type: kind for kind in CATALOGUE}
INBOUND: tuple[MessageKind, ...] = tuple(k for k in CATALOGUE if k.direction is Direction.INBOUND)
OUTBOUND: tuple[MessageKind, ...] = tuple(k for k in CATALOGUE if k.direction is Direction.OUTBOUND)


def kind_of(message_type: str) -> MessageKind:
    return BY_MESSAGE_TYPE[message_type]
