"""The OpenAPI document passes an independent validator, so generated clients can trust it.

The document is OpenAPI 3.1: its schemas are pydantic's JSON Schema 2020-12 as written
(``const``, ``examples`` arrays, ``type: null``), which a 3.0 document may not contain.
"""

from __future__ import annotations

from openapi_spec_validator import OpenAPIV31SpecValidator
from openapi_spec_validator.versions import OPENAPIV31, get_spec_version

from adapter.portal.openapi import document


def test_the_document_is_valid_openapi_3_1() -> None:
    spec = document()
    assert get_spec_version(spec) == OPENAPIV31
    errors = [error.message for error in OpenAPIV31SpecValidator(spec).iter_errors()]
    assert errors == []


def test_every_operation_answers_errors_in_the_documented_shape() -> None:
    spec = document()
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            assert operation["responses"], f"{method.upper()} {path} documents no answer"
            assert operation.get("summary"), f"{method.upper()} {path} has no summary"
