"""Downloads read as they arrive: a list's CSV or NDJSON export, the whole dataset.

An :class:`Export` holds an open response. Iterating it parses the body a line at a time, so that
memory does not grow with the export: a CSV row as a ``dict`` (``csv.DictReader`` over the
streamed lines, a quoted field spanning lines kept whole), an NDJSON line as the object it holds
(a record model for a list's export). :meth:`Export.save` writes the body to a file as it is,
instead. The connection is released when the body has been read, on :meth:`Export.close`, or at
the end of a ``with`` block.
"""

from __future__ import annotations

import codecs
import csv
import json
import os
import re
from collections.abc import Callable, Iterator
from types import TracebackType
from typing import IO, Any, Generic, TypeVar

import requests

from .errors import ConnectionFailed, UnexpectedResponse

__all__ = ["CHUNK_SIZE", "Export", "csv_rows", "lines", "ndjson_objects"]

T = TypeVar("T")
CHUNK_SIZE = 64 * 1024
_FILENAME = re.compile(r'filename="?([^";]+)"?')
# Where an export is written: a path, or a file opened for writing bytes.
Target = str | os.PathLike[str] | IO[bytes]


def lines(chunks: Iterator[bytes]) -> Iterator[str]:
    """UTF-8 text split after each ``\\n``, line ends kept (as a file opened with
    ``newline=""`` gives them, which ``csv`` needs for a quoted field spanning lines)."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    pending = ""
    for chunk in chunks:
        pending += decoder.decode(chunk)
        start = 0
        while (end := pending.find("\n", start)) >= 0:
            yield pending[start : end + 1]
            start = end + 1
        pending = pending[start:]
    pending += decoder.decode(b"", final=True)
    if pending:
        yield pending


def csv_rows(text: Iterator[str]) -> Iterator[dict[str, str]]:
    """Each row after the header as ``{column: cell}``."""
    for row in csv.DictReader(text):
        yield {str(key): value if value is not None else "" for key, value in row.items()}


def ndjson_objects(text: Iterator[str]) -> Iterator[dict[str, Any]]:
    """Each non-blank line as the JSON object it holds."""
    for number, line in enumerate(text, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except ValueError as error:
            raise UnexpectedResponse(f"Line {number} of the export is not JSON: {error}") from None
        if not isinstance(item, dict):
            raise UnexpectedResponse(f"Line {number} of the export is not a JSON object")
        yield item


class Export(Generic[T]):
    """A streamed download: iterate it for its parsed items, or :meth:`save` it to a file.

    ``filename`` is the name the server suggests (``statements.csv``), ``media_type`` what it
    sent. An export is read once; a second pass needs a new request.
    """

    def __init__(
        self, response: requests.Response, parse: Callable[[Iterator[str]], Iterator[T]]
    ) -> None:
        self.response = response
        self.media_type = response.headers.get("Content-Type", "").split(";")[0].strip()
        found = _FILENAME.search(response.headers.get("Content-Disposition", ""))
        self.filename = found.group(1) if found else None
        self._parse = parse
        self._items: Iterator[T] | None = None
        self._used = False

    def __repr__(self) -> str:
        return f"<Export {self.filename or self.response.url}>"

    def __iter__(self) -> Iterator[T]:
        return self

    def __next__(self) -> T:
        if self._items is None:
            self._items = self._parse(lines(self.chunks()))
        try:
            return next(self._items)
        except StopIteration:
            self.close()
            raise

    def chunks(self) -> Iterator[bytes]:
        """The body as it arrives, in pieces of bytes (for a copy as it is)."""
        if self._used:
            raise RuntimeError("This export has been read already: ask for it again")
        self._used = True
        try:
            yield from self.response.iter_content(chunk_size=CHUNK_SIZE)
        except requests.RequestException as error:
            raise ConnectionFailed(
                f"The download from {self.response.url} was cut off: {error}",
                method="GET",
                url=self.response.url,
            ) from error
        finally:
            self.close()

    def save(self, target: Target) -> int:
        """Write the body as it is to ``target`` (a path, or a file open for writing bytes) and
        return the number of bytes written. A path is written whole or not at all: the body goes
        to a temporary file beside it, renamed when complete."""
        if isinstance(target, str | os.PathLike):
            path = os.fspath(target)
            partial = f"{path}.part"
            try:
                with open(partial, "wb") as file:
                    written = self._copy(file)
                os.replace(partial, path)
            except BaseException:
                if os.path.exists(partial):
                    os.remove(partial)
                raise
            return written
        return self._copy(target)

    def _copy(self, file: IO[bytes]) -> int:
        written = 0
        for chunk in self.chunks():
            file.write(chunk)
            written += len(chunk)
        return written

    def close(self) -> None:
        """Release the connection (what is left of the body is not read)."""
        self.response.close()

    def __enter__(self) -> Export[T]:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
