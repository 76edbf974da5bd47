"""Are the schemas in ``xsd/`` still compatible with the committed baseline?

``contracts/xsd-baseline/`` holds a copy of the schemas as last released plus
``manifest.json`` (their hashes, namespaces and versions). This tool reads both sides with
xmlschema (defused, sandboxed to each directory: no remote or outside imports), describes
every element path of every document, and classifies each difference:

compatible
    a new schema, a new optional element, a new enumeration value, a type widened
    (pattern or length limit dropped, maxLength raised, minOccurs lowered, maxOccurs raised)
breaking
    a schema or element removed or renamed, a new required element, an optional element
    made required, minOccurs raised, maxOccurs lowered, a type narrowed (a new or changed
    pattern, maxLength reduced, minLength raised, an enumeration value removed, fewer
    digits, tighter bounds), a changed base type, elements reordered, a namespace changed

A breaking change fails the check (exit 1) unless its id is listed in the announcements
file (``contracts/xsd-baseline/announced.json``). Each change is printed with its
classification, schema, element path and id. ``--update-baseline`` copies ``xsd/`` over
the baseline and rewrites the manifest, once every breaking change is announced.

Run as ``python -m adapter.contracts.xsd_compat [check] [--update-baseline]``, or
through the hub's CLI as ``python -m adapter contracts check``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from adapter.contracts.schema_model import ElementFacts, SchemaFacts, SimpleFacts, describe

REPO_ROOT = Path(__file__).resolve().parent.parent.parent
XSD_DIR = REPO_ROOT / "xsd"
BASELINE_DIR = REPO_ROOT / "contracts" / "xsd-baseline"
MANIFEST = "manifest.json"
ANNOUNCEMENTS = "announced.json"

COMPATIBLE, BREAKING, NOTICE = "compatible", "breaking", "notice"


@dataclass(frozen=True)
class Change:
    classification: str
    kind: str
    schema: str
    path: str
    detail: str
    value: str | None = None
    """For per-value changes (an enumeration value), the value: part of the id."""

    @property
    def id(self) -> str:
        suffix = f"={self.value}" if self.value is not None else ""
        return f"{self.schema}:{self.path}:{self.kind}{suffix}"


@dataclass
class Report:
    changes: list[Change]
    announced: set[str]
    problems: list[str]

    @property
    def unannounced_breaking(self) -> list[Change]:
        return [c for c in self.changes if c.classification == BREAKING and c.id not in self.announced]

    @property
    def stale_announcements(self) -> list[str]:
        found = {c.id for c in self.changes}
        return sorted(a for a in self.announced if a not in found)

    @property
    def ok(self) -> bool:
        return not self.unannounced_breaking and not self.problems


# ---------------------------------------------------------------------------------------------
# Reading both sides


def _schemas(directory: Path) -> dict[str, Path]:
    return {p.name: p for p in sorted(directory.glob("*.xsd"))}


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_announcements(path: Path) -> set[str]:
    """``{"announced": ["id", {"id": "...", "note": "..."}, ...]}``; a missing file announces nothing."""
    if not path.is_file():
        return set()
    data = json.loads(path.read_text(encoding="utf-8"))
    entries = data.get("announced", []) if isinstance(data, dict) else data
    return {entry if isinstance(entry, str) else str(entry["id"]) for entry in entries}


def manifest_problems(baseline: Path) -> list[str]:
    """The baseline must be what ``--update-baseline`` wrote: hand edits are refused."""
    manifest_path = baseline / MANIFEST
    if not manifest_path.is_file():
        return [f"{manifest_path} is missing: create the baseline with --update-baseline"]
    listed = json.loads(manifest_path.read_text(encoding="utf-8")).get("schemas", {})
    present = _schemas(baseline)
    problems = [f"baseline {name} is not in {MANIFEST}" for name in present if name not in listed]
    problems += [f"{MANIFEST} lists {name}, which is not in the baseline" for name in listed
                 if name not in present]
    problems += [f"baseline {name} was edited by hand (its hash is not the manifest's)"
                 for name, entry in listed.items()
                 if name in present and entry.get("sha256") != _sha256(present[name])]
    return problems


# ---------------------------------------------------------------------------------------------
# Comparing


def compare(baseline: Path, current: Path) -> list[Change]:
    """Every difference between the baseline schemas and the current ones, classified."""
    old_files, new_files = _schemas(baseline), _schemas(current)
    changes: list[Change] = []
    for name in sorted(old_files.keys() - new_files.keys()):
        changes.append(Change(BREAKING, "schema-removed", name, "/", "schema removed"))
    for name in sorted(new_files.keys() - old_files.keys()):
        unreadable = _unreadable(new_files[name])
        changes.append(Change(BREAKING, "schema-unreadable", name, "/", unreadable) if unreadable
                       else Change(COMPATIBLE, "schema-added", name, "/", "new schema"))
    for name in sorted(old_files.keys() & new_files.keys()):
        # Compared even when the file is unchanged: a type it imports may have changed.
        file_changed = _sha256(old_files[name]) != _sha256(new_files[name])
        unreadable = _unreadable(old_files[name]) or _unreadable(new_files[name])
        if unreadable:
            changes.append(Change(BREAKING, "schema-unreadable", name, "/", unreadable))
            continue
        old, new = describe(old_files[name]), describe(new_files[name])
        found = list(compare_schema(old, new))
        if (file_changed and old.version == new.version
                and _content_changed(old_files[name], new_files[name])):
            found.append(Change(NOTICE, "version-not-bumped", name, "/",
                                f"schema changed but version is still {new.version!r}"))
        changes += found
    return changes


def _unreadable(path: Path) -> str | None:
    """Why a schema cannot be read safely (bad XSD, a remote or outside import), or None."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            describe(path)
        except Exception as exc:  # noqa: BLE001 (an unreadable schema is reported, not raised)
            causes = [str(w.message) for w in caught if "Import" in type(w.message).__name__]
            return "; ".join([f"{type(exc).__name__}: {str(exc).splitlines()[0][:300]}", *causes])
    return None


def _content_changed(old: Path, new: Path) -> bool:
    """Ignoring whitespace and comments, did the schema text change?"""
    from lxml import etree

    from adapter.mappings.xml_safety import hardened_parser

    def text(path: Path) -> bytes:
        parser = hardened_parser(files_under=path.parent, remove_comments=True,
                                 remove_blank_text=True)
        return bytes(etree.tostring(etree.parse(str(path), parser)))

    return text(old) != text(new)


def compare_schema(old: SchemaFacts, new: SchemaFacts) -> Iterator[Change]:
    name = old.name
    if old.target_namespace != new.target_namespace:
        yield Change(BREAKING, "namespace-changed", name, "/",
                     f"targetNamespace {old.target_namespace} → {new.target_namespace}")
    removed = [p for p in old.elements if p not in new.elements]
    added = [p for p in new.elements if p not in old.elements]
    renamed = _renames(old, new, removed, added)
    for path in _topmost(removed):
        if path in renamed:
            target = renamed[path]
            yield Change(BREAKING, "element-renamed", name, path,
                         f"{path} renamed to {target.rpartition('/')[2]} ({target})")
        else:
            yield Change(BREAKING, "element-removed", name, path, f"{path} removed")
    renamed_to = set(renamed.values())
    for path in _topmost(added):
        if path in renamed_to:
            continue
        facts = new.elements[path]
        if facts.min_occurs == 0:
            yield Change(COMPATIBLE, "element-added-optional", name, path, f"new optional element {path}")
        else:
            yield Change(BREAKING, "element-added-required", name, path,
                         f"new required element {path} (minOccurs={facts.min_occurs})")
    for path in old.elements:
        if path in new.elements:
            yield from compare_element(name, old.elements[path], new.elements[path])


def _topmost(paths: list[str]) -> list[str]:
    """Leave out paths inside another listed path: a removed parent says it for its children."""
    chosen = set(paths)
    return [p for p in paths if not any(p.startswith(other + "/") for other in chosen)]


def _renames(old: SchemaFacts, new: SchemaFacts, removed: list[str], added: list[str]) -> dict[str, str]:
    """A removed element and an added one at the same place with the same type: a rename."""
    found: dict[str, str] = {}
    candidates = _topmost(added)
    for path in _topmost(removed):
        parent = path.rpartition("/")[0]
        before = old.elements[path]
        old_parent = old.elements.get(parent)
        new_parent = new.elements.get(parent)
        if old_parent is None or new_parent is None:
            continue
        index = old_parent.children.index(before.local_name) if before.local_name in old_parent.children else -1
        for other in candidates:
            after = new.elements[other]
            if other.rpartition("/")[0] != parent or other in found.values():
                continue
            same_place = (0 <= index < len(new_parent.children)
                          and new_parent.children[index] == after.local_name)
            if same_place and after.type_name == before.type_name and after.content == before.content:
                found[path] = other
                break
    return found


def compare_element(schema: str, old: ElementFacts, new: ElementFacts) -> Iterator[Change]:
    path = old.path

    def change(classification: str, kind: str, detail: str, value: str | None = None) -> Change:
        return Change(classification, kind, schema, path, detail, value)

    if old.qname != new.qname:
        yield change(BREAKING, "element-namespace-changed", f"{old.qname} → {new.qname}")
    if new.min_occurs > old.min_occurs:
        kind = "optional-made-required" if old.min_occurs == 0 else "minoccurs-raised"
        yield change(BREAKING, kind, f"minOccurs {old.min_occurs} → {new.min_occurs}")
    elif new.min_occurs < old.min_occurs:
        kind = "required-made-optional" if new.min_occurs == 0 else "minoccurs-lowered"
        yield change(COMPATIBLE, kind, f"minOccurs {old.min_occurs} → {new.min_occurs}")
    if _occurs(new.max_occurs) < _occurs(old.max_occurs):
        yield change(BREAKING, "maxoccurs-lowered",
                     f"maxOccurs {_show_max(old.max_occurs)} → {_show_max(new.max_occurs)}")
    elif _occurs(new.max_occurs) > _occurs(old.max_occurs):
        yield change(COMPATIBLE, "maxoccurs-raised",
                     f"maxOccurs {_show_max(old.max_occurs)} → {_show_max(new.max_occurs)}")
    if old.content != new.content:
        yield change(BREAKING, "content-changed", f"content {old.content} → {new.content}")
    elif old.simple is not None and new.simple is not None:
        yield from compare_simple(schema, path, old.simple, new.simple)
    common = [c for c in old.children if c in new.children]
    if common != [c for c in new.children if c in old.children]:
        yield change(BREAKING, "element-reordered",
                     f"children order {', '.join(common)} → "
                     f"{', '.join(c for c in new.children if c in old.children)}")
    yield from _compare_attributes(schema, path, old, new)


def _occurs(value: int | None) -> float:
    return float("inf") if value is None else value


def _show_max(value: int | None) -> str:
    return "unbounded" if value is None else str(value)


def _compare_attributes(schema: str, path: str, old: ElementFacts, new: ElementFacts) -> Iterator[Change]:
    before = {a.name: a for a in old.attributes}
    after = {a.name: a for a in new.attributes}
    for name in sorted(before.keys() - after.keys()):
        yield Change(BREAKING, "attribute-removed", schema, f"{path}/@{name}", f"attribute {name} removed")
    for name in sorted(after.keys() - before.keys()):
        if after[name].required:
            yield Change(BREAKING, "attribute-added-required", schema, f"{path}/@{name}",
                         f"new required attribute {name}")
        else:
            yield Change(COMPATIBLE, "attribute-added-optional", schema, f"{path}/@{name}",
                         f"new optional attribute {name}")
    for name in sorted(before.keys() & after.keys()):
        if after[name].required and not before[name].required:
            yield Change(BREAKING, "optional-made-required", schema, f"{path}/@{name}",
                         f"attribute {name} made required")
        yield from compare_simple(schema, f"{path}/@{name}", before[name].simple, after[name].simple)


def compare_simple(schema: str, path: str, old: SimpleFacts, new: SimpleFacts) -> Iterator[Change]:
    def change(classification: str, kind: str, detail: str, value: str | None = None) -> Change:
        return Change(classification, kind, schema, path, detail, value)

    if old.primitive != new.primitive:
        widened = new.primitive == "string" and _unrestricted(new)
        yield change(COMPATIBLE if widened else BREAKING, "type-widened" if widened else "type-changed",
                     f"type {old.type_name or old.primitive} ({old.primitive}) → "
                     f"{new.type_name or new.primitive} ({new.primitive})")
        return
    # Patterns: a pattern is not compared for meaning; any new or changed one may refuse
    # values the old one took. Only a pattern that disappears is certainly a widening.
    added = [p for p in new.patterns if p not in old.patterns]
    dropped = [p for p in old.patterns if p not in new.patterns]
    if added:
        kind = "pattern-changed" if dropped else "pattern-added"
        yield change(BREAKING, kind, f"pattern {_patterns(old.patterns)} → {_patterns(new.patterns)}")
    elif dropped:
        yield change(COMPATIBLE, "pattern-removed", f"pattern {_patterns(dropped)} dropped")
    if old.enumeration is None and new.enumeration is not None:
        yield change(BREAKING, "enumeration-introduced", f"now restricted to {list(new.enumeration)}")
    elif old.enumeration is not None and new.enumeration is None:
        yield change(COMPATIBLE, "enumeration-dropped", "no longer restricted to an enumeration")
    elif old.enumeration is not None and new.enumeration is not None:
        for value in old.enumeration:
            if value not in new.enumeration:
                yield change(BREAKING, "enumeration-value-removed", f"value {value!r} removed", value)
        for value in new.enumeration:
            if value not in old.enumeration:
                yield change(COMPATIBLE, "enumeration-value-added", f"value {value!r} added", value)
    yield from _upper_limit(change, "maxLength", "maxlength", old.max_length, new.max_length)
    yield from _upper_limit(change, "totalDigits", "totaldigits", old.total_digits, new.total_digits)
    yield from _upper_limit(change, "fractionDigits", "fractiondigits", old.fraction_digits,
                            new.fraction_digits)
    yield from _lower_limit(change, "minLength", "minlength", old.min_length, new.min_length)
    if old.length != new.length:
        widened = new.length is None
        yield change(COMPATIBLE if widened else BREAKING, "length-changed",
                     f"length {old.length} → {new.length}")
    for facet, kind, lower in (("minInclusive", "mininclusive", True), ("minExclusive", "minexclusive", True),
                               ("maxInclusive", "maxinclusive", False), ("maxExclusive", "maxexclusive", False)):
        attribute = facet[0:3] + "_" + facet[3:].lower()
        before, after = getattr(old, attribute), getattr(new, attribute)
        if before == after:
            continue
        narrowed = _bound_narrowed(before, after, lower=lower)
        yield change(BREAKING if narrowed else COMPATIBLE,
                     f"{kind}-{'narrowed' if narrowed else 'widened'}", f"{facet} {before} → {after}")


def _upper_limit(change: Any, facet: str, kind: str, old: int | None, new: int | None) -> Iterator[Change]:
    if old == new:
        return
    if new is not None and (old is None or new < old):
        yield change(BREAKING, f"{kind}-reduced" if old is not None else f"{kind}-introduced",
                     f"{facet} {old} → {new}")
    else:
        yield change(COMPATIBLE, f"{kind}-raised", f"{facet} {old} → {new}")


def _lower_limit(change: Any, facet: str, kind: str, old: int | None, new: int | None) -> Iterator[Change]:
    if (old or 0) == (new or 0):
        return
    if (new or 0) > (old or 0):
        yield change(BREAKING, f"{kind}-raised", f"{facet} {old} → {new}")
    else:
        yield change(COMPATIBLE, f"{kind}-lowered", f"{facet} {old} → {new}")


def _bound_narrowed(before: str | None, after: str | None, *, lower: bool) -> bool:
    if after is None:
        return False
    if before is None:
        return True
    try:
        old, new = Decimal(before), Decimal(after)
    except InvalidOperation:
        return True  # dates and times: any move of a bound is treated as narrowing
    return new > old if lower else new < old


def _unrestricted(facts: SimpleFacts) -> bool:
    return not (facts.patterns or facts.enumeration or facts.length is not None
                or facts.max_length is not None or (facts.min_length or 0) > 0)


def _patterns(patterns: Sequence[tuple[str, ...]]) -> str:
    return " AND ".join("|".join(step) for step in patterns) or "(none)"


# ---------------------------------------------------------------------------------------------
# Running


def check(xsd_dir: Path = XSD_DIR, baseline: Path = BASELINE_DIR,
          announcements: Path | None = None) -> Report:
    announced = read_announcements(announcements or baseline / ANNOUNCEMENTS)
    problems = manifest_problems(baseline)
    return Report(compare(baseline, xsd_dir), announced, problems)


def render(report: Report) -> str:
    lines = []
    order = {BREAKING: 0, NOTICE: 1, COMPATIBLE: 2}
    for change in sorted(report.changes, key=lambda c: (order[c.classification], c.schema, c.path, c.kind)):
        label = change.classification.upper()
        if change.classification == BREAKING:
            label += " (announced)" if change.id in report.announced else " (NOT ANNOUNCED)"
        lines.append(f"{label:<26} {change.schema}  {change.path}  {change.kind}: {change.detail}")
        lines.append(f"{'':<26} id: {change.id}")
    for problem in report.problems:
        lines.append(f"BASELINE PROBLEM           {problem}")
    for stale in report.stale_announcements:
        lines.append(f"NOTE                       announced change not found (remove it once released): {stale}")
    counts = {c: sum(1 for x in report.changes if x.classification == c) for c in (BREAKING, COMPATIBLE, NOTICE)}
    lines.append(
        f"{len(report.changes)} change(s): {counts[BREAKING]} breaking "
        f"({len(report.unannounced_breaking)} not announced), {counts[COMPATIBLE]} compatible, "
        f"{counts[NOTICE]} notice(s)" + ("" if report.ok else " — FAILED"))
    if report.unannounced_breaking:
        lines.append("A breaking change needs a new namespace (major version) and an announcement: "
                     "add its id to the announcements file once the insurer has agreed.")
    return "\n".join(lines)


def update_baseline(xsd_dir: Path = XSD_DIR, baseline: Path = BASELINE_DIR) -> dict[str, Any]:
    """Make the baseline a copy of ``xsd_dir`` and write its manifest."""
    baseline.mkdir(parents=True, exist_ok=True)
    current = _schemas(xsd_dir)
    for name, path in _schemas(baseline).items():
        if name not in current:
            path.unlink()
    entries = {}
    for name, path in current.items():
        shutil.copyfile(path, baseline / name)
        facts = describe(path)
        entries[name] = {"sha256": _sha256(path), "targetNamespace": facts.target_namespace,
                         "version": facts.version, "roots": list(facts.roots)}
    manifest = {
        "format": 1,
        "source": "xsd/",
        "about": "Schemas as last released. Compare with `python -m adapter contracts check`; "
                 "replace with `--update-baseline` (never by hand: the hashes are checked).",
        "schemas": entries,
    }
    (baseline / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n",
                                     encoding="utf-8")
    announcements = baseline / ANNOUNCEMENTS
    if not announcements.is_file():
        announcements.write_text(json.dumps({"announced": []}, indent=2) + "\n", encoding="utf-8")
    return manifest


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="sw-hub contracts check",
        description="Compare xsd/ with the committed baseline and classify every change.")
    root.add_argument("--xsd-dir", type=Path, default=XSD_DIR)
    root.add_argument("--baseline", type=Path, default=BASELINE_DIR)
    root.add_argument("--announcements", type=Path, default=None,
                      help=f"announced breaking change ids (default: BASELINE/{ANNOUNCEMENTS})")
    root.add_argument("--update-baseline", action="store_true",
                      help="copy xsd/ over the baseline and rewrite its manifest")
    root.add_argument("--force", action="store_true",
                      help="with --update-baseline: even with breaking changes not announced")
    root.add_argument("--json", action="store_true", help="print the changes as JSON")
    return root


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["check"]:
        args = args[1:]
    options = parser().parse_args(args)
    report = check(options.xsd_dir, options.baseline, options.announcements)
    if options.json:
        print(json.dumps({"ok": report.ok, "problems": report.problems,
                          "changes": [{**asdict(c), "id": c.id,
                                       "announced": c.id in report.announced} for c in report.changes]},
                         indent=2, ensure_ascii=False))
    else:
        print(render(report))
    if options.update_baseline:
        if report.unannounced_breaking and not options.force:
            print("baseline NOT updated: announce the breaking changes first (or --force)")
            return 1
        update_baseline(options.xsd_dir, options.baseline)
        print(f"baseline updated from {options.xsd_dir}")
        return 0
    return 0 if report.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
