"""Command line: run the mock insurer, push documents to the hub, steer its faults.

    python -m mock_insurer serve [--host 127.0.0.1] [--port 8090] [--admin-port 8091]
    python -m mock_insurer push agreement-stamp --hub http://127.0.0.1:8080 --channel rest \
        --agreement-no AG-1 --uscc 91350100M000100Y43 [--refuse REASON]
    python -m mock_insurer push inquiry-reply --serial-no 202600000000000001 \
        --uscc 91350100M000100Y43 [--reply TEXT]
    python -m mock_insurer push claim-review --claim-no SP2026… --submission-serial SP2026…-S01 \
        --uscc 91350200MA2Y0Q1X9G [--return REASON]
    python -m mock_insurer push risk-article --article-id RA-1 --title 美国芯片出口管制预警 \
        [--version 2] [--withdraw REASON] [--country USA] [--industry C] [--attachment FILE]
    python -m mock_insurer fault http500 --count 2 [--admin http://127.0.0.1:8091]
    python -m mock_insurer received [--serial BS-1]
    python -m mock_insurer reset
"""

from __future__ import annotations

import argparse
import asyncio
import json
import mimetypes
import sys
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiohttp
import requests
from lxml import etree

from mock_insurer.documents import (
    CLAIM_MANAGER,
    CLAIM_MANAGER_CONTACT,
    INQUIRY_ANSWER,
    INQUIRY_HANDLER,
    agreement_stamp,
    application_receipt,
    claim_review,
    inquiry_reply,
    pending_policy,
    risk_article,
    termination_result,
)
from mock_insurer.faults import FaultMode
from mock_insurer.push import DEFAULT_PASSWORD, DEFAULT_USER, PushResult, push
from mock_insurer.runtime import serve_forever
from mock_insurer.settings import Settings, default_repo_root

DEFAULT_ADMIN = "http://127.0.0.1:8091"


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    command: Callable[[argparse.Namespace], int] = args.run
    return command(args)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m mock_insurer", description="The mock export credit insurer."
    )
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the insurer's business and admin ports")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8090)
    serve.add_argument("--admin-port", type=int, default=8091)
    serve.add_argument("--user", default="hub", help="HTTP Basic user the hub must send")
    serve.add_argument("--password", default="hub-secret")
    serve.add_argument("--repo-root", type=Path, default=default_repo_root())
    serve.add_argument("--public-url", help="base URL to write into the served WSDL")
    serve.add_argument("--hub", help="the hub's base URL: play the insurer's side against it")
    serve.add_argument("--hub-channel", choices=("rest", "soap"), default="rest")
    serve.add_argument("--stamp-on-signature", action="store_true",
                       help="stamp every signed agreement received (then offer the policy)")
    serve.add_argument("--decision-delay", type=float, default=2.0,
                       help="seconds before stamping or deciding an application")
    serve.add_argument("--return-email", default=r"^return",
                       help="return (退回) applications whose contact e-mail matches this")
    serve.set_defaults(run=_serve)

    push_cmd = commands.add_parser("push", help="push a document to the hub")
    documents = push_cmd.add_subparsers(dest="document", required=True)
    stamp = documents.add_parser("agreement-stamp", help="X-IN-2: stamp (or refuse) an agreement")
    _add_push_options(stamp)
    stamp.add_argument("--agreement-no", required=True)
    stamp.add_argument("--uscc", required=True)
    stamp.add_argument("--refuse", metavar="REASON", help="refuse instead of stamping")
    stamp.set_defaults(run=_push_agreement_stamp)
    ending = documents.add_parser("termination-result",
                                  help="X-IN-3: confirm (or refuse) a termination")
    _add_push_options(ending)
    ending.add_argument("--agreement-no", required=True)
    ending.add_argument("--uscc", required=True)
    ending.add_argument("--refuse", metavar="REASON", help="refuse the termination")
    ending.set_defaults(run=_push_termination_result)
    offer = documents.add_parser("pending-policy", help="X-IN-1: offer (or withdraw) a policy")
    _add_push_options(offer)
    offer.add_argument("--offer-no", required=True)
    offer.add_argument("--uscc", required=True)
    offer.add_argument("--name", required=True, help="the enterprise's name")
    offer.add_argument("--supersedes", help="the open offer this one replaces")
    offer.add_argument("--withdraw", metavar="REASON", help="withdraw the offer instead")
    offer.set_defaults(run=_push_pending_policy)
    decision = documents.add_parser("application-receipt",
                                    help="X-IN-4: accept (生效) or return (退回) an application")
    _add_push_options(decision)
    decision.add_argument("--offer-no", required=True)
    decision.add_argument("--application-no", required=True)
    decision.add_argument("--uscc", required=True)
    decision.add_argument("--name", default="", help="the enterprise's name, for the e-policy")
    decision.add_argument("--return", dest="return_reason", metavar="REASON",
                          help="return the application with this reason")
    decision.set_defaults(run=_push_application_receipt)
    answer = documents.add_parser("inquiry-reply", help="X-IN-7: answer an inquiry (询保反馈)")
    _add_push_options(answer)
    answer.add_argument("--serial-no", required=True, help="the inquiry's 询保申请流水号")
    answer.add_argument("--uscc", required=True)
    answer.add_argument("--reply", default=INQUIRY_ANSWER, help="the answer's text")
    answer.add_argument("--handler", default=INQUIRY_HANDLER, help="who follows it up")
    answer.set_defaults(run=_push_inquiry_reply)
    review = documents.add_parser("claim-review",
                                  help="X-IN-5: approve (审核通过) or return (退回) a claim")
    _add_push_options(review)
    review.add_argument("--claim-no", required=True)
    review.add_argument("--submission-serial", required=True,
                        help="the business serial the claim was submitted under (…-S01)")
    review.add_argument("--uscc", required=True)
    review.add_argument("--return", dest="return_reason", metavar="REASON",
                        help="return the claim with this reason")
    review.add_argument("--manager", default=CLAIM_MANAGER, help="the account manager's name")
    review.add_argument("--manager-contact", default=CLAIM_MANAGER_CONTACT)
    review.set_defaults(run=_push_claim_review)
    _add_risk_article(documents)

    fault = commands.add_parser("fault", help="set (or show) the business port's fault")
    fault.add_argument("mode", nargs="?", choices=[mode.value for mode in FaultMode])
    fault.add_argument("--count", type=int, help="business requests affected, then it clears")
    fault.add_argument("--seconds", type=float, help="refuse: how long; slow: delay")
    fault.add_argument("--admin", default=DEFAULT_ADMIN)
    fault.set_defaults(run=_fault)

    received = commands.add_parser("received", help="list what the insurer has received")
    received.add_argument("--serial", help="one business serial, with the raw document")
    received.add_argument("--admin", default=DEFAULT_ADMIN)
    received.set_defaults(run=_received)

    reset = commands.add_parser("reset", help="forget everything received, clear the fault")
    reset.add_argument("--admin", default=DEFAULT_ADMIN)
    reset.set_defaults(run=_reset)
    return parser


def _add_push_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--hub", default="http://127.0.0.1:8080", help="the hub's base URL")
    parser.add_argument("--channel", choices=("rest", "soap"), default="rest")
    parser.add_argument("--soap-version", choices=("1.1", "1.2"), default="1.1")
    parser.add_argument("--message-id")
    parser.add_argument("--business-serial")
    parser.add_argument("--correlation-id")
    parser.add_argument("--user", default=DEFAULT_USER)
    parser.add_argument("--password", default=DEFAULT_PASSWORD)
    parser.add_argument("--timeout", type=float, default=10.0)


def _serve(args: argparse.Namespace) -> int:
    settings = Settings(
        host=args.host,
        port=args.port,
        admin_port=args.admin_port,
        user=args.user,
        password=args.password,
        repo_root=args.repo_root,
        public_base_url=args.public_url,
        hub_url=args.hub,
        hub_channel=args.hub_channel,
        stamp_on_signature=args.stamp_on_signature,
        decision_delay_seconds=args.decision_delay,
        return_email_pattern=args.return_email,
    )
    try:
        asyncio.run(serve_forever(settings))
    except OSError as exc:
        print(f"cannot listen: {exc}", file=sys.stderr)
        return 2
    return 0


def _push_pending_policy(args: argparse.Namespace) -> int:
    document = pending_policy(
        args.offer_no, args.uscc, args.name, action="WITHDRAW" if args.withdraw else "OFFER",
        supersedes=args.supersedes, reason=args.withdraw, message_id=args.message_id,
        business_serial=args.business_serial,
    )
    return _push(args, document)


def _push_application_receipt(args: argparse.Namespace) -> int:
    document = application_receipt(
        args.offer_no, args.application_no, args.uscc, enterprise_name=args.name,
        result="RETURNED" if args.return_reason else "EFFECTIVE", return_reason=args.return_reason,
        message_id=args.message_id, business_serial=args.business_serial,
        correlation_id=args.correlation_id,
    )
    return _push(args, document)


def _push_inquiry_reply(args: argparse.Namespace) -> int:
    document = inquiry_reply(
        args.serial_no, args.uscc, reply=args.reply, handler=args.handler,
        message_id=args.message_id, business_serial=args.business_serial,
        correlation_id=args.correlation_id,
    )
    return _push(args, document)


def _push_claim_review(args: argparse.Namespace) -> int:
    document = claim_review(
        args.claim_no, args.submission_serial, args.uscc,
        result="RETURNED" if args.return_reason else "APPROVED", return_reason=args.return_reason,
        manager=args.manager, manager_contact=args.manager_contact, message_id=args.message_id,
        business_serial=args.business_serial, correlation_id=args.correlation_id,
    )
    return _push(args, document)


def _push_termination_result(args: argparse.Namespace) -> int:
    document = termination_result(
        args.agreement_no, args.uscc, "REFUSED" if args.refuse else "TERMINATED", args.refuse,
        message_id=args.message_id, business_serial=args.business_serial,
        correlation_id=args.correlation_id,
    )
    return _push(args, document)


def _push_agreement_stamp(args: argparse.Namespace) -> int:
    document = agreement_stamp(
        args.agreement_no,
        args.uscc,
        "REFUSED" if args.refuse else "STAMPED",
        args.refuse,
        message_id=args.message_id,
        business_serial=args.business_serial,
        correlation_id=args.correlation_id,
    )
    return _push(args, document)


def _add_risk_article(documents: Any) -> None:
    article = documents.add_parser(
        "risk-article", help="X-IN-6: publish, correct (a higher --version) or withdraw an article")
    _add_push_options(article)
    article.add_argument("--article-id", required=True)
    article.add_argument("--title", required=True)
    article.add_argument("--category", default="COUNTRY",
                         choices=("COUNTRY", "INDUSTRY", "BELT-AND-ROAD", "TRADE-NEWS"))
    article.add_argument("--version", type=int, default=1, help="raise it to correct the article")
    article.add_argument("--withdraw", metavar="REASON", help="withdraw the article")
    article.add_argument("--country", action="append", default=[], help="ISO alpha-3, repeatable")
    article.add_argument("--industry", action="append", default=[],
                         help="GB/T 4754 门类 A … T, repeatable")
    article.add_argument("--summary")
    article.add_argument("--body", help="the body's HTML (default: a short notice)")
    article.add_argument("--attachment", action="append", default=[], type=Path,
                         help="a file to attach (media type from its extension), repeatable")
    article.set_defaults(run=_push_risk_article)


def _push_risk_article(args: argparse.Namespace) -> int:
    files = [(path.name, mimetypes.guess_type(path.name)[0] or "application/octet-stream",
              path.read_bytes()) for path in args.attachment]
    document = risk_article(
        args.article_id, args.title, category=args.category, version=args.version,
        withdraw=args.withdraw is not None, withdraw_reason=args.withdraw,
        countries=args.country, industries=args.industry, summary=args.summary,
        **({"body": args.body} if args.body else {}), attachments=files,
        message_id=args.message_id, business_serial=args.business_serial,
        correlation_id=args.correlation_id,
    )
    return _push(args, document)


def _push(args: argparse.Namespace, document: bytes) -> int:
    try:
        result = asyncio.run(
            push(
                args.hub,
                document,
                channel=args.channel,
                soap_version=args.soap_version,
                user=args.user,
                password=args.password,
                timeout=args.timeout,
            )
        )
    except (aiohttp.ClientError, requests.RequestException, TimeoutError) as exc:
        print(f"could not deliver: {exc!r}", file=sys.stderr)
        return 2
    _print_result(result)
    return 0 if result.delivered else 1


def _print_result(result: PushResult) -> None:
    summary = (
        f"{result.channel}: HTTP {result.http_status}, {result.ack_status or 'no acknowledgement'}"
    )
    if result.fault_code:
        summary += f", fault {result.fault_code}"
    print(summary, file=sys.stderr)
    if result.error:
        print(result.error, file=sys.stderr)
    if result.ack_xml is not None:
        pretty = etree.tostring(
            etree.fromstring(result.ack_xml), pretty_print=True, encoding="unicode"
        )
        print(pretty, end="")


def _fault(args: argparse.Namespace) -> int:
    if args.mode is None:
        return _admin_call(args.admin, "GET", "/admin/fault")
    body = {"mode": args.mode, "count": args.count, "seconds": args.seconds}
    return _admin_call(args.admin, "PUT", "/admin/fault", body)


def _received(args: argparse.Namespace) -> int:
    path = "/admin/received" + (f"/{quote(args.serial, safe='')}" if args.serial else "")
    return _admin_call(args.admin, "GET", path)


def _reset(args: argparse.Namespace) -> int:
    return _admin_call(args.admin, "POST", "/admin/reset")


def _admin_call(admin: str, method: str, path: str, body: dict[str, Any] | None = None) -> int:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        admin.rstrip("/") + path,
        data=data,
        method=method,
        headers={"Content-Type": "application/json"} if data else {},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            print(json.dumps(json.loads(response.read()), indent=2, ensure_ascii=False))
            return 0
    except urllib.error.HTTPError as exc:
        print(f"HTTP {exc.code}: {exc.read().decode(errors='replace')}", file=sys.stderr)
        return 1
    except urllib.error.URLError as exc:
        print(f"admin port unreachable: {exc.reason}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
