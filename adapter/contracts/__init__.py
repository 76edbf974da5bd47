"""Contracts with the insurer: what the schemas promise and how a change to them is judged.

- :mod:`adapter.contracts.schema_model` reads an XSD (safely, local files only) into a
  flat description: one entry per element path with its occurrence and type facets.
- :mod:`adapter.contracts.xml_rules` turns a document into a Pact XML body plus
  namespace-aware matching rules derived from that description.
- :mod:`adapter.contracts.pact_files` normalises pact files so a regenerated copy can be
  compared with the committed one in ``contracts/pacts/``.
- :mod:`adapter.contracts.xsd_compat` compares ``xsd/`` with the committed baseline in
  ``contracts/xsd-baseline/`` and classifies every change (``python -m adapter contracts check``).

Nothing here imports pact: the shipped hub does not need the test-only Pact library.
"""
