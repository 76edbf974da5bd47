"""The timeline as a person reads it (查看解约流程, A-4): oldest first, one sentence a step.

The sentences come from where their facts live: a state's from the aggregate, a
document's from the message catalogue.
"""

from __future__ import annotations

from typing import Any

from adapter.domain.agreement import STEP_ZH
from adapter.domain.messages import BY_MESSAGE_TYPE
from adapter.domain.timeline import TimelineRecord

_STEPS = {status.value: sentence for status, sentence in STEP_ZH.items()}


def _state_sentence(outcome: str | None) -> str:
    return _STEPS.get(outcome or "", f"状态变更为{outcome}")


def _sentence(entry: TimelineRecord) -> str | None:
    kind = BY_MESSAGE_TYPE.get(entry.message_type or "")
    if entry.event == "state_changed":
        return _state_sentence(entry.outcome)
    if entry.event == "message_sent":
        return kind.sent_zh if kind and kind.sent_zh else "报文已发送"
    if entry.event == "message_received":
        return (kind.received_zh.get(entry.outcome or "") if kind else None) or "收到保险公司回执"
    if entry.event == "attempt":
        return "发送未成功，系统将自动重试" if entry.outcome == "retry" else "发送被拒绝，已转人工处理"
    if entry.event == "dead_letter":
        return "发送失败，已转人工处理"
    if entry.event == "replayed":
        return "运维人员已重新发送"
    if entry.event == "receipt_ignored":
        return f"收到迟到或重复的回执，协议状态保持{entry.outcome}"
    return None


def readable_steps(entries: list[TimelineRecord]) -> list[dict[str, Any]]:
    steps = []
    for entry in entries:
        sentence = _sentence(entry)
        if sentence:
            steps.append({"at": entry.at, "step": sentence, "event": entry.event,
                          "status": entry.outcome, "reason": entry.detail.get("reason"),
                          "by": entry.detail.get("by")})
    return steps


