"""出运信息导入模板 (§四 4.1 导入): the .xlsx a user downloads, fills in and uploads back.

One header row with the manual's field names, one row per shipment line. Reading it back
gives each row as the JSON a single line is saved with (text, ISO dates, amounts as
text), so the import checks every cell with exactly the rules of the form, and each
refusal can name its row and column (``cell``).
"""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation

from adapter.codelists import catalogue
from adapter.domain.errors import InvalidValue

SHEET = "出运信息"
# (JSON key, header, code list behind a drop-down or None), in column order A, B, …
COLUMNS: tuple[tuple[str, str, str | None], ...] = (
    ("invoice_no", "发票号", None),
    ("hs_code", "海关商品编号", None),
    ("shipment_date", "出运日期（YYYY-MM-DD）", None),
    ("payment_method", "支付方式（代码）", "payment-methods"),
    ("payment_term_days", "支付期限（天）", None),
    ("invoice_amount", "发票金额（美元）", None),
    ("claim_amount", "索赔金额（美元）", None),
    ("collection_status", "收汇状态（代码）", "collection-statuses"),
    ("transport_mode", "运输方式（代码）", "transport-modes"),
    ("declaration_no", "报关单号（18位）", None),
    ("origin_certificate_no", "原产地证书号", None),
)
MAX_ROWS = 200
FIRST_ROW = 2  # row 1 holds the headers


class TemplateUnreadable(InvalidValue):
    code = "E-TEMPLATE-UNREADABLE"
    message_zh = "导入文件不是有效的出运信息模板（.xlsx），请下载模板后填写"


class TemplateEmpty(InvalidValue):
    code = "E-TEMPLATE-EMPTY"
    message_zh = "导入模板中没有出运信息"


class TemplateTooManyRows(InvalidValue):
    code = "E-TEMPLATE-TOO-MANY-ROWS"
    message_zh = "导入模板最多200行出运信息"


def column_letter(index: int) -> str:
    return chr(ord("A") + index)


def cell(row_index: int, key: str) -> str:
    """Where a row's field sits in the sheet, as a person finds it: 第3行B列（海关商品编号）."""
    position = next(i for i, (name, _, _) in enumerate(COLUMNS) if name == key)
    return f"第{row_index + FIRST_ROW}行{column_letter(position)}列（{COLUMNS[position][1]}）"


def template() -> bytes:
    """The empty template: headers, text-formatted cells, drop-downs for the coded columns."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = SHEET
    sheet.append([title for _, title, _ in COLUMNS])
    for index, (_, title, list_name) in enumerate(COLUMNS):
        letter = column_letter(index)
        sheet.column_dimensions[letter].width = max(14, len(title) * 2)
        if list_name is not None:
            codes = ",".join(sorted(catalogue().get(list_name).codes))
            rule = DataValidation(type="list", formula1=f'"{codes}"', allow_blank=True)
            rule.add(f"{letter}{FIRST_ROW}:{letter}{MAX_ROWS + 1}")
            sheet.add_data_validation(rule)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _value(raw: Any) -> Any:
    """A cell as the JSON form would carry it; an empty cell is absent."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, datetime):
        return raw.date().isoformat()
    if isinstance(raw, date):
        return raw.isoformat()
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    if isinstance(raw, int | float):
        return str(raw)
    return str(raw).strip()


def read_rows(data: bytes) -> list[dict[str, Any]]:
    """The filled rows (blank ones skipped), each keyed as the form's fields."""
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise TemplateUnreadable("not an xlsx workbook", path="$") from None
    sheet = book[SHEET] if SHEET in book.sheetnames else book.worksheets[0]
    rows: list[dict[str, Any]] = []
    for values in sheet.iter_rows(min_row=FIRST_ROW, max_col=len(COLUMNS), values_only=True):
        row = {key: _value(value) for (key, _, _), value in zip(COLUMNS, values, strict=False)}
        if all(value is None for value in row.values()):
            continue
        if len(rows) == MAX_ROWS:
            raise TemplateTooManyRows(f"more than {MAX_ROWS} rows", path="$.rows")
        if row.get("payment_term_days") is not None and str(row["payment_term_days"]).isdigit():
            row["payment_term_days"] = int(row["payment_term_days"])
        rows.append({key: value for key, value in row.items() if value is not None})
    book.close()
    if not rows:
        raise TemplateEmpty("no rows", path="$.rows")
    return rows
