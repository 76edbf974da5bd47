"""The timeline as a person reads it (查看解约流程, A-4): oldest first, one sentence a step."""

from __future__ import annotations

from typing import Any

_SENT = {"SIGNED_AGREEMENT": "服务协议已发送至中国出口信用保险公司",
         "TERMINATION_REQUEST": "解约申请已发送至中国出口信用保险公司",
         "DATA_AUTHORIZATION": "企业数据授权已发送至中国出口信用保险公司"}
_RECEIVED = {("AGREEMENT_STAMP", "STAMPED"): "中国出口信用保险公司已加盖电子签章",
             ("AGREEMENT_STAMP", "REFUSED"): "中国出口信用保险公司拒绝签章",
             ("TERMINATION_RESULT", "TERMINATED"): "中国出口信用保险公司同意解约",
             ("TERMINATION_RESULT", "REFUSED"): "中国出口信用保险公司不同意解约"}
_STATE = {"保险公司签约中": "企业签署服务协议，等待保险公司签章",
          "签约成功": "签约成功", "签约失败": "签约失败",
          "解约中": "企业坚持解约，解约申请已提交", "解约成功": "解约成功", "解约失败": "解约失败"}


def _sentence(entry: dict[str, Any]) -> str | None:
    event, outcome, kind = entry["event"], entry["outcome"], entry["message_type"]
    if event == "state_changed":
        return _STATE.get(outcome or "", f"状态变更为{outcome}")
    if event == "message_sent":
        return _SENT.get(kind or "", "报文已发送")
    if event == "message_received":
        return _RECEIVED.get((kind or "", outcome or ""), "收到保险公司回执")
    if event == "attempt":
        return "发送未成功，系统将自动重试" if outcome == "retry" else "发送被拒绝，已转人工处理"
    if event == "dead_letter":
        return "发送失败，已转人工处理"
    if event == "replayed":
        return "运维人员已重新发送"
    if event == "receipt_ignored":
        return f"收到迟到或重复的回执，协议状态保持{outcome}"
    return None


def readable_steps(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    steps = []
    for entry in entries:
        sentence = _sentence(entry)
        if sentence:
            detail = entry.get("detail") or {}
            steps.append({"at": entry["at"], "step": sentence, "event": entry["event"],
                          "status": entry["outcome"], "reason": detail.get("reason"),
                          "by": detail.get("by")})
    return steps
