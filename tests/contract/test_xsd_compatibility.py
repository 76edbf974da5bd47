"""XSD compatibility: ``xsd/`` against the committed baseline, and every kind of change judged.

The first tests are the gate itself: today's schemas against ``contracts/xsd-baseline/``.
The others copy ``xsd/`` into a temporary directory, make one edit, and check how
:mod:`adapter.contracts.xsd_compat` classifies it, that a breaking change fails the check
naming the element, and that announcing it lets the check pass.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

import pytest

from adapter.contracts import xsd_compat
from adapter.contracts.cli import register
from adapter.contracts.xsd_compat import BREAKING, COMPATIBLE, NOTICE, Change
from tests.conftest import run_repo_command

XSD_DIR = xsd_compat.XSD_DIR
BASELINE = xsd_compat.BASELINE_DIR


# ---------------------------------------------------------------------------------------------
# The gate: today's schemas against the committed baseline


def test_the_schemas_are_compatible_with_the_committed_baseline(capsys: pytest.CaptureFixture[str]) -> None:
    exit_code = xsd_compat.main(["check"])
    printed = capsys.readouterr().out
    assert exit_code == 0, printed


def test_the_baseline_is_an_untouched_copy_with_its_manifest() -> None:
    assert xsd_compat.manifest_problems(BASELINE) == []
    manifest = json.loads((BASELINE / xsd_compat.MANIFEST).read_text(encoding="utf-8"))
    assert manifest["schemas"].keys() == {p.name for p in BASELINE.glob("*.xsd")}
    for entry in manifest["schemas"].values():
        assert entry["version"] and entry["targetNamespace"].startswith("urn:swcredit:")
    json.loads((BASELINE / xsd_compat.ANNOUNCEMENTS).read_text(encoding="utf-8"))


def test_the_command_line_entry_point_checks_the_repository() -> None:
    done = run_repo_command(sys.executable, "-m", "adapter.contracts", "check")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 not announced" in done.stdout


def test_the_contracts_sub_command_plugs_into_an_argparse_tree(tmp_path: Path) -> None:
    """What ``adapter/cli.py`` gets from ``register``: ``sw-hub contracts check …`` exits with the check's status."""
    root = argparse.ArgumentParser(prog="sw-hub")
    commands = root.add_subparsers(dest="command", required=True)
    commands.add_parser("serve")
    register(commands)
    with pytest.raises(SystemExit) as passed:
        root.parse_args(["contracts", "check"])
    assert passed.value.code == 0
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(SystemExit) as failed:  # every schema "removed" from an empty xsd dir
        root.parse_args(["contracts", "check", "--xsd-dir", str(empty)])
    assert failed.value.code == 1


# ---------------------------------------------------------------------------------------------
# One edit in a copy, and how it is judged


@pytest.fixture
def schemas(tmp_path: Path) -> tuple[Path, Path]:
    """A copy of xsd/ to edit and a fresh baseline of it."""
    current = tmp_path / "xsd"
    shutil.copytree(XSD_DIR, current)
    baseline = tmp_path / "baseline"
    xsd_compat.update_baseline(XSD_DIR, baseline)
    return current, baseline


def edit(directory: Path, name: str, old: str, new: str) -> None:
    path = directory / name
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {name}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def judged(schemas: tuple[Path, Path]) -> dict[tuple[str, str], Change]:
    current, baseline = schemas
    return {(c.path, c.kind): c for c in xsd_compat.compare(baseline, current)
            if c.classification != NOTICE}


ELEMENT = '<xs:element name="Reason" type="c:Text" minOccurs="0"/>'
CASES = [
    # (id, schema, old text, new text, path, kind, classification)
    ("optional-element-added", "termination_request.xsd", ELEMENT,
     ELEMENT + '\n      <xs:element name="Remark" type="c:Text" minOccurs="0"/>',
     "/TerminationRequest/Body/Remark", "element-added-optional", COMPATIBLE),
    ("required-element-added", "termination_request.xsd", ELEMENT,
     ELEMENT + '\n      <xs:element name="Remark" type="c:Text"/>',
     "/TerminationRequest/Body/Remark", "element-added-required", BREAKING),
    ("element-removed", "termination_request.xsd", ELEMENT, "",
     "/TerminationRequest/Body/Reason", "element-removed", BREAKING),
    ("element-renamed", "termination_request.xsd", 'name="RequestedBy"', 'name="RequestedByName"',
     "/TerminationRequest/Body/RequestedBy", "element-renamed", BREAKING),
    ("optional-made-required", "termination_request.xsd", ELEMENT,
     '<xs:element name="Reason" type="c:Text"/>',
     "/TerminationRequest/Body/Reason", "optional-made-required", BREAKING),
    ("enumeration-value-added", "data_authorization.xsd",
     '<xs:enumeration value="CERTIFICATE_OF_ORIGIN"/>',
     '<xs:enumeration value="CERTIFICATE_OF_ORIGIN"/>\n      <xs:enumeration value="PACKING_LIST"/>',
     "/DataAuthorization/Body/DataType", "enumeration-value-added", COMPATIBLE),
    ("enumeration-value-removed", "data_authorization.xsd",
     '<xs:enumeration value="BILL_OF_LADING"/>', "",
     "/DataAuthorization/Body/DataType", "enumeration-value-removed", BREAKING),
    ("maxoccurs-lowered", "data_authorization.xsd", 'maxOccurs="unbounded"', 'maxOccurs="2"',
     "/DataAuthorization/Body/DataType", "maxoccurs-lowered", BREAKING),
    ("minoccurs-raised", "data_authorization.xsd", 'type="da:DataType" maxOccurs',
     'type="da:DataType" minOccurs="2" maxOccurs', "/DataAuthorization/Body/DataType",
     "minoccurs-raised", BREAKING),
    ("maxlength-reduced", "common.xsd", '<xs:maxLength value="2000"/>', '<xs:maxLength value="500"/>',
     "/TerminationResult/Body/Reason", "maxlength-reduced", BREAKING),
    ("maxlength-raised", "common.xsd", '<xs:maxLength value="2000"/>', '<xs:maxLength value="4000"/>',
     "/TerminationResult/Body/Reason", "maxlength-raised", COMPATIBLE),
    ("pattern-narrowed", "common.xsd", r"[A-Za-z0-9][A-Za-z0-9._:\-]{0,63}",
     r"[A-Za-z0-9][A-Za-z0-9._:\-]{0,31}", "/SignedAgreement/Envelope/MessageId",
     "pattern-changed", BREAKING),
    ("pattern-added", "acknowledgement.xsd", '<xs:element name="Code" type="xs:string"/>',
     ('<xs:element name="Code"><xs:simpleType><xs:restriction base="xs:string">'
      '<xs:pattern value="E-[A-Z-]+"/></xs:restriction></xs:simpleType></xs:element>'),
     "/Acknowledgement/Error/Code", "pattern-added", BREAKING),
    ("type-changed", "agreement_stamp.xsd", 'name="StampedAt" type="xs:dateTime"',
     'name="StampedAt" type="xs:date"', "/AgreementStamp/Body/StampedAt", "type-changed", BREAKING),
    ("elements-reordered", "termination_result.xsd",
     ('<xs:element name="AgreementNo" type="c:Identifier"/>\n      '
      '<xs:element name="Uscc" type="c:UnifiedSocialCreditCode"/>'),
     ('<xs:element name="Uscc" type="c:UnifiedSocialCreditCode"/>\n      '
      '<xs:element name="AgreementNo" type="c:Identifier"/>'),
     "/TerminationResult/Body", "element-reordered", BREAKING),
    ("namespace-changed", "termination_result.xsd", 'urn:swcredit:termination-result:1"',
     'urn:swcredit:termination-result:2"', "/", "namespace-changed", BREAKING),
]


@pytest.mark.parametrize(("schema", "old", "new", "path", "kind", "classification"),
                         [pytest.param(*case[1:], id=case[0]) for case in CASES])
def test_a_change_is_classified(schemas: tuple[Path, Path], schema: str, old: str, new: str,
                                path: str, kind: str, classification: str) -> None:
    edit(schemas[0], schema, old, new)
    found = judged(schemas)
    assert (path, kind) in found, sorted(found)
    assert found[(path, kind)].classification == classification


def test_a_new_schema_is_compatible_and_a_removed_one_breaking(schemas: tuple[Path, Path]) -> None:
    current, _ = schemas
    shutil.copyfile(current / "termination_result.xsd", current / "claim_notice.xsd")
    (current / "data_authorization.xsd").unlink()
    found = judged(schemas)
    assert found[("/", "schema-added")].schema == "claim_notice.xsd"
    assert found[("/", "schema-added")].classification == COMPATIBLE
    assert found[("/", "schema-removed")].schema == "data_authorization.xsd"
    assert found[("/", "schema-removed")].classification == BREAKING


@pytest.mark.filterwarnings("ignore::xmlschema.XMLSchemaImportWarning")
def test_a_new_schema_that_imports_a_remote_location_is_refused(schemas: tuple[Path, Path]) -> None:
    current, _ = schemas
    text = (current / "termination_result.xsd").read_text(encoding="utf-8")
    (current / "claim_notice.xsd").write_text(
        text.replace('schemaLocation="common.xsd"', 'schemaLocation="http://127.0.0.1:9/common.xsd"'),
        encoding="utf-8")
    found = judged(schemas)
    assert found[("/", "schema-unreadable")].schema == "claim_notice.xsd"
    assert "remote" in found[("/", "schema-unreadable")].detail


def test_a_changed_schema_whose_version_is_not_bumped_gets_a_notice(schemas: tuple[Path, Path]) -> None:
    edit(schemas[0], "data_authorization.xsd", '<xs:enumeration value="CERTIFICATE_OF_ORIGIN"/>',
         '<xs:enumeration value="CERTIFICATE_OF_ORIGIN"/><xs:enumeration value="PACKING_LIST"/>')
    notices = [c for c in xsd_compat.compare(schemas[1], schemas[0]) if c.classification == NOTICE]
    assert [(c.schema, c.kind) for c in notices] == [("data_authorization.xsd", "version-not-bumped")]
    edit(schemas[0], "data_authorization.xsd", 'version="1.0">', 'version="1.1">')
    assert not [c for c in xsd_compat.compare(schemas[1], schemas[0]) if c.classification == NOTICE]


# ---------------------------------------------------------------------------------------------
# Drift: a narrowed type fails the check, naming the element; an announcement lets it pass


def run_check(schemas: tuple[Path, Path], capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str]:
    current, baseline = schemas
    code = xsd_compat.main(["check", "--xsd-dir", str(current), "--baseline", str(baseline), *extra])
    return code, capsys.readouterr().out


def test_a_narrowed_max_length_fails_the_check_naming_the_element(
        schemas: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    edit(schemas[0], "common.xsd", '<xs:maxLength value="200"/>', '<xs:maxLength value="100"/>')

    code, printed = run_check(schemas, capsys)

    assert code == 1, printed
    line = next(line for line in printed.splitlines() if "/SignedAgreement/Body/SignerName" in line)
    assert line.startswith("BREAKING (NOT ANNOUNCED)")
    assert "maxlength-reduced: maxLength 200 → 100" in line
    assert "FAILED" in printed.splitlines()[-2]


def test_an_announced_breaking_change_passes_and_is_shown_as_announced(
        schemas: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    edit(schemas[0], "data_authorization.xsd", '<xs:enumeration value="BILL_OF_LADING"/>', "")
    change_id = ("data_authorization.xsd:/DataAuthorization/Body/DataType:"
                 "enumeration-value-removed=BILL_OF_LADING")
    assert run_check(schemas, capsys)[0] == 1

    (schemas[1] / xsd_compat.ANNOUNCEMENTS).write_text(json.dumps(
        {"announced": [{"id": change_id, "note": "提单 no longer shared; agreed with Sinosure"}]}))
    code, printed = run_check(schemas, capsys)

    assert code == 0, printed
    assert f"id: {change_id}" in printed
    assert "BREAKING (announced)" in printed


def test_update_baseline_refuses_unannounced_breaking_changes_then_accepts_compatible_ones(
        schemas: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    current, baseline = schemas
    edit(current, "termination_request.xsd", ELEMENT, "")
    assert run_check(schemas, capsys, "--update-baseline")[0] == 1
    assert xsd_compat.compare(baseline, current)  # untouched

    shutil.copyfile(XSD_DIR / "termination_request.xsd", current / "termination_request.xsd")
    edit(current, "termination_request.xsd", ELEMENT,
         ELEMENT + '<xs:element name="Remark" type="c:Text" minOccurs="0"/>')
    code, printed = run_check(schemas, capsys, "--update-baseline")
    assert code == 0, printed
    assert xsd_compat.compare(baseline, current) == []
    assert xsd_compat.manifest_problems(baseline) == []


def test_a_hand_edited_baseline_is_refused(schemas: tuple[Path, Path],
                                           capsys: pytest.CaptureFixture[str]) -> None:
    edit(schemas[1], "common.xsd", '<xs:maxLength value="200"/>', '<xs:maxLength value="300"/>')
    code, printed = run_check(schemas, capsys)
    assert code == 1
    assert "baseline common.xsd was edited by hand" in printed


@pytest.mark.filterwarnings("ignore::xmlschema.XMLSchemaImportWarning")
@pytest.mark.parametrize("location", ["http://127.0.0.1:9/common.xsd", "../baseline/common.xsd"])
def test_schemas_are_read_without_remote_or_outside_imports(
        schemas: tuple[Path, Path], capsys: pytest.CaptureFixture[str], location: str) -> None:
    edit(schemas[0], "termination_result.xsd", 'schemaLocation="common.xsd"',
         f'schemaLocation="{location}"')
    code, printed = run_check(schemas, capsys)
    assert code == 1
    assert "termination_result.xsd  /  schema-unreadable" in printed
