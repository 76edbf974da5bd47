"""Every stable code is one error class with one Chinese sentence; the registry is built from them."""

from __future__ import annotations

import re

import adapter.app  # noqa: F401  (imports every layer, so every error class is defined)
from adapter.domain.errors import HubError, registry
from adapter.portal.errors import codes

CHINESE = re.compile("[\u4e00-\u9fff]")
CODE = re.compile(r"^E-[A-Z0-9]+(-[A-Z0-9<>a-z]+)*$")


def _classes() -> list[type[HubError]]:
    found, pending = [], [HubError]
    while pending:
        kind = pending.pop()
        found.append(kind)
        pending.extend(kind.__subclasses__())
    return found


def test_every_code_has_one_chinese_sentence() -> None:
    """A code two classes answer (a 404 and a 422 of the same rule) shares the one sentence."""
    sentences: dict[str, set[str]] = {}
    for kind in _classes():
        if "code" in vars(kind):
            sentences.setdefault(kind.code, set()).add(kind.message_zh)
            assert CODE.match(kind.code), kind
            assert CHINESE.search(kind.message_zh), kind
    assert {code: found for code, found in sentences.items() if len(found) > 1} == {}


def test_the_registry_lists_exactly_the_declared_codes_and_the_portal_serves_it() -> None:
    declared = {kind.code: kind.message_zh for kind in _classes() if "code" in vars(kind)}
    assert registry() == dict(sorted(declared.items()))
    assert codes() == registry()
    # the agreement's, the portal's and the identifiers' codes are all in the one registry
    for code in ("E-LEGAL-PERSON-CARD-REQUIRED", "E-SEAL-EXPIRED", "E-AUTHORIZATION-DUPLICATE",
                 "E-JSON-MALFORMED", "E-USCC-CHECK", "E-AGREEMENT-UNKNOWN", "E-XSD-INVALID"):
        assert code in registry()


def test_a_raised_error_fills_its_sentence_and_keeps_the_class_template() -> None:
    from adapter.domain.agreement import AgreementStateRefused

    error = AgreementStateRefused("detail", status="解约成功")
    assert error.message_zh == "协议当前状态为解约成功，不能执行该操作"
    assert AgreementStateRefused.message_zh == "协议当前状态为{status}，不能执行该操作"
