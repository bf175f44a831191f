"""CSV cells that spreadsheets read as text, never as formulas (CSV or formula injection).

Excel, LibreOffice and Google Sheets evaluate a cell starting with ``=``, ``+``, ``-`` or ``@``
(and, after a tab or carriage return, the formula that follows), so a name such as
``=HYPERLINK("http://…")`` would run in the reader's spreadsheet. As OWASP recommends, a text
cell starting with one of them is written with a single quote (``'``) before it, which
spreadsheets show as text. A text cell that itself starts with a quote gets one more, so that the
rule reads back exactly: drop the first character of a cell that starts with ``'``.

Only text is quoted: numbers (ids, versions, durations) are never negative here and are written as
they are, and a partial date or a time ("2024-07", "2024-11-18T09:00:00Z") starts with its year,
never with ``-``.
"""

from __future__ import annotations

from typing import Any

QUOTE = "'"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", QUOTE)


def spreadsheet_safe(value: Any) -> Any:
    """The cell for ``value``: text that a spreadsheet would evaluate behind a quote."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return QUOTE + value
    return value


def read_back(cell: str) -> str:
    """The text a cell written by ``spreadsheet_safe`` stands for."""
    return cell[1:] if cell.startswith(QUOTE) else cell
