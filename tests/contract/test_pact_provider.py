"""The hub as PROVIDER of its inbound REST API, verified against the insurer's pact.

The pact is written by the mock insurer's own consumer tests
(:mod:`mock_insurer.contract_tests`: documents built by ``mock_insurer.documents``, pushed
by ``mock_insurer.push.push_rest`` to a Pact mock server). Here that run is repeated and
its pact compared with the committed copy, then the Pact verifier replays the committed
pact against the real hub on loopback, on SQLite and on PostgreSQL, with provider states
that create what each push needs.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import text

from adapter.domain.agreement import AgreementStatus
from adapter.domain.exchange import Envelope
from adapter.mappings.registry import INBOUND_BY_SLUG
from adapter.persistence.database import Database
from mock_insurer import contract_tests as insurer
from mock_insurer.catalogue import PUSHED_TYPES
from tests.claims_harness import claim_submitted
from tests.contract.pact_support import (
    HUB_REST_API,
    INBOUND,
    INSURER,
    LOOPBACK,
    PACTS_DIR,
    assert_matches_committed,
    pact_file_name,
    rename_element,
    run_verifier,
)
from tests.harness import (
    RunningHub,
    hub_settings,
    post_rest,
    put_in_state,
    running_hub,
    sign,
    stamp_document,
    stamp_envelope,
    status_of,
)
from tests.insurance_harness import inquired, signed_agreement_for, submitted

from pact import Verifier  # isort: skip  (pact_support switches tracking off first)

PACT_FILE = PACTS_DIR / pact_file_name(INSURER, HUB_REST_API)
Setup = Callable[[RunningHub, dict[str, Any]], Coroutine[Any, Any, None]]


# ---------------------------------------------------------------------------------------------
# Provider states: what the hub holds before each push


async def _awaiting_stamp(hub: RunningHub, params: dict[str, Any]) -> None:
    await sign(hub.db, params["agreement_no"], uscc=params["uscc"])


async def _being_terminated(hub: RunningHub, params: dict[str, Any]) -> None:
    await sign(hub.db, params["agreement_no"], uscc=params["uscc"])
    await put_in_state(hub.db, params["agreement_no"], AgreementStatus.TERMINATING,
                       datetime.now(UTC))


async def _no_such_agreement(hub: RunningHub, params: dict[str, Any]) -> None:
    assert await status_of(hub.db, params["agreement_no"]) is None


async def _stamp_already_accepted(hub: RunningHub, params: dict[str, Any]) -> None:
    """A first stamp with the same message id, accepted: the replayed push is its repeat."""
    envelope = Envelope(**{**_fields(stamp_envelope(f"AS-{params['agreement_no']}")),
                           "message_id": params["message_id"]})
    document = stamp_document(params["agreement_no"], uscc=params["uscc"], envelope=envelope)
    async with aiohttp.ClientSession() as session:
        status, body = await post_rest(session, hub, document)
    assert status == 200, body


def _fields(envelope: Envelope) -> dict[str, Any]:
    return {name: getattr(envelope, name) for name in envelope.__dataclass_fields__}


async def _signed_awaiting_offer(hub: RunningHub, params: dict[str, Any]) -> None:
    await signed_agreement_for(hub.db, params["uscc"])


async def _application_submitted(hub: RunningHub, params: dict[str, Any]) -> None:
    await submitted(hub.db, params["offer_no"], params["application_no"], uscc=params["uscc"])


async def _inquiry_submitted(hub: RunningHub, params: dict[str, Any]) -> None:
    await inquired(hub.db, params["serial_no"], uscc=params["uscc"])


async def _claim_submitted(hub: RunningHub, params: dict[str, Any]) -> None:
    await claim_submitted(hub.db, params["claim_no"], params["business_serial"], uscc=params["uscc"])


async def _article_not_held(hub: RunningHub, params: dict[str, Any]) -> None:
    """A fresh hub holds no article: nothing to set up, but say so if one is there."""
    async with hub.db.reading() as conn:
        held = (await conn.execute(text("SELECT count(*) FROM risk_articles WHERE article_id = :a"),
                                   {"a": params["article_id"]})).scalar()
    assert held == 0


PROVIDER_STATES: dict[str, Setup] = {
    insurer.AWAITING_STAMP: _awaiting_stamp,
    insurer.BEING_TERMINATED: _being_terminated,
    insurer.NO_SUCH_AGREEMENT: _no_such_agreement,
    insurer.STAMP_ALREADY_ACCEPTED: _stamp_already_accepted,
    insurer.SIGNED_AWAITING_OFFER: _signed_awaiting_offer,
    insurer.APPLICATION_SUBMITTED: _application_submitted,
    insurer.INQUIRY_SUBMITTED: _inquiry_submitted,
    insurer.CLAIM_SUBMITTED: _claim_submitted,
    insurer.ARTICLE_NOT_HELD: _article_not_held,
}


def state_handler(hub: RunningHub, loop: asyncio.AbstractEventLoop,
                  failures: list[str]) -> Callable[..., None]:
    """Called by the verifier from its own thread: run the setup on the hub's event loop.

    A failed setup is recorded, not raised: the Pact verifier retries a failing state
    change with a long backoff, while a recorded failure fails the test at once.
    """

    def handle(state: str, action: str, parameters: dict[str, Any] | None) -> None:
        if action != "setup":
            return
        setup = PROVIDER_STATES.get(state)
        if setup is None:
            failures.append(f"the hub knows no provider state {state!r}")
            return
        try:
            asyncio.run_coroutine_threadsafe(setup(hub, dict(parameters or {})), loop).result(timeout=20)
        except Exception as exc:  # noqa: BLE001 (reported with the verification's outcome)
            failures.append(f"provider state {state!r} {parameters}: {type(exc).__name__}: {exc}")

    return handle


async def verify_hub(db_url: str, db: Database, pact_file: Path) -> tuple[bool, str]:
    """Replay a pact against the hub; the output starts with any provider state that failed."""
    failures: list[str] = []
    async with running_hub(db, hub_settings(db_url, dispatcher=False)) as hub:
        verifier = (Verifier(HUB_REST_API, host=LOOPBACK)
                    .add_transport(url=hub.base_url)
                    .state_handler(state_handler(hub, asyncio.get_running_loop(), failures),
                                   teardown=False)
                    .add_source(pact_file))
        ok, output = await run_verifier(verifier)
    if failures:
        return False, "provider states that failed:\n" + "\n".join(failures) + "\n\n" + output
    return ok, output


# ---------------------------------------------------------------------------------------------
# The insurer's consumer tests, and the pact they write


async def test_the_mock_insurers_consumer_tests_write_the_committed_pact(tmp_path: Path) -> None:
    written, problems = await insurer.run(tmp_path)
    assert problems == [], "\n".join(problems)
    assert written.name == PACT_FILE.name
    assert_matches_committed(written)


def test_the_insurers_pact_pushes_every_document_type_the_hub_takes_in() -> None:
    interactions = json.loads(PACT_FILE.read_text(encoding="utf-8"))["interactions"]
    pushed = {i["request"]["path"].rpartition("/")[2] for i in interactions}
    assert pushed == {t.slug for t in INBOUND} == {t.slug for t in PUSHED_TYPES}
    assert set(INBOUND_BY_SLUG) == pushed


def test_every_provider_state_the_insurer_names_is_one_the_hub_can_set_up() -> None:
    interactions = json.loads(PACT_FILE.read_text(encoding="utf-8"))["interactions"]
    named = {state["name"] for i in interactions for state in i.get("providerStates", [])}
    assert named <= set(PROVIDER_STATES), named - set(PROVIDER_STATES)
    assert set(insurer.STATES) == set(PROVIDER_STATES)


# ---------------------------------------------------------------------------------------------
# Verification of the hub, SQLite and PostgreSQL


async def test_the_hub_honours_the_pact_the_insurer_wrote(db_url: str, db: Database) -> None:
    ok, output = await verify_hub(db_url, db, PACT_FILE)
    assert ok, output
    for push in insurer.pushes():
        assert push.description in output


@pytest.mark.parametrize(("old", "new", "named"), [
    # The insurer comes to expect an acknowledgement element the hub does not write.
    ("RefMessageId", "RefMsgId", "<urn:swcredit:acknowledgement:1:RefMsgId/> but was missing"),
    # The insurer renames an element of what it pushes: the hub refuses it at that field.
    ("Uscc", "UsccCode", "Expected '/AgreementStamp/Body/UsccCode'"),
])
async def test_a_field_renamed_in_a_copy_of_the_insurers_pact_fails_verification_naming_it(
        db_url: str, db: Database, tmp_path: Path, old: str, new: str, named: str) -> None:
    drifted = tmp_path / PACT_FILE.name
    assert rename_element(PACT_FILE, drifted, old, new) > 0

    ok, output = await verify_hub(db_url, db, drifted)

    assert not ok, output
    assert named in output, output
