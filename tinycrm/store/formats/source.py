"""Opening an input: a file or stdin, its text encoding, and its format.

Encodings: a BOM decides (UTF-8, UTF-16, UTF-32); otherwise UTF-8 when the
first 64 KiB are ASCII or at least as much of them reads as UTF-8 as not, else
Windows-1252. A
stray non-UTF-8 byte in a UTF-8 file is read as Windows-1252 rather than
failing the whole import. ``--encoding`` turns the guessing off and decodes strictly;
a UTF-8 byte-order mark under it is dropped, and stops the import when the
text after it is UTF-8 that the encoding given would garble.

Formats come from the content (``BEGIN:VCARD``, ``[``, ``{``, else CSV),
with the file extension breaking ties.
"""

from __future__ import annotations

import codecs
import io
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, BinaryIO

from ..errors import quoted
from ..textutil import has_half_character
from . import FormatError

HEAD_BYTES = 64 * 1024
FORMATS = ("csv", "vcard", "json", "ndjson")
_EXTENSIONS = {
    ".csv": "csv", ".tsv": "csv", ".txt": "csv",
    ".vcf": "vcard", ".vcard": "vcard",
    ".json": "json", ".ndjson": "ndjson", ".jsonl": "ndjson",
}
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _cp1252_fallback(exc: UnicodeError) -> tuple[str, int]:
    """Error handler: bytes that aren't UTF-8 are read as Windows-1252 (and
    the five bytes 1252 leaves undefined as Latin-1)."""
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    chunk = exc.object[exc.start:exc.end]
    return "".join(_byte_1252(b) for b in chunk), exc.end


def _byte_1252(byte: int) -> str:
    try:
        return bytes([byte]).decode("cp1252")
    except UnicodeDecodeError:
        return chr(byte)


codecs.register_error("tinycrm-cp1252", _cp1252_fallback)

# Codecs whose text may hold half a character (a lone surrogate): UTF-7's
# '+2AA-', the escape codecs' '\ud800'. No database or file can hold one, so
# it is read as a byte that can't be decoded, under the codec's own name.
_HALVES = frozenset(("utf-7", "unicode-escape", "raw-unicode-escape", "punycode"))
_WHOLE = "tinycrm_whole_"  # (as codecs.lookup spells it: - and . are _)


def _whole_characters(codec: str) -> codecs.CodecInfo:
    inner = codecs.lookup(codec)

    class Decoder(codecs.IncrementalDecoder):
        def __init__(self, errors: str = "strict") -> None:
            super().__init__(errors)
            self._inner = inner.incrementaldecoder(errors)

        def decode(self, data, final: bool = False) -> str:
            before = self._inner.getstate()
            text = self._inner.decode(data, final)
            if not has_half_character(text):
                return text
            # Which byte completes it (the reader counts the lines before it):
            # decoded again a byte at a time, only now that there is one.
            again = inner.incrementaldecoder(self.errors)
            again.setstate(before)
            at = next((i for i in range(len(data))
                       if has_half_character(
                           again.decode(data[i:i + 1], final and i == len(data) - 1))),
                      max(len(data) - 1, 0))
            raise UnicodeDecodeError(inner.name, bytes(data), at, at + 1, "half a character")

        def reset(self) -> None:
            self._inner.reset()

        def getstate(self):
            return self._inner.getstate()

        def setstate(self, state) -> None:
            self._inner.setstate(state)

    return codecs.CodecInfo(inner.encode, inner.decode, incrementalencoder=inner.incrementalencoder,
                            incrementaldecoder=Decoder, name=_WHOLE + inner.name)


codecs.register(lambda name: _whole_characters(name.removeprefix(_WHOLE))
                if name.startswith(_WHOLE) else None)


@dataclass
class Source:
    """An opened input: its display name, format, encoding and text stream."""

    name: str
    format: str
    encoding: str
    text: IO[str]
    head: str  # the first characters, for sniffing delimiters and layouts
    # A new text stream over the whole input (``open_source`` gives one when
    # the input can seek), for ``rewind``.
    reopen: Callable[[], IO[str]] | None = field(default=None, repr=False)
    notice: str | None = None  # a warning for the user about how the input is read

    def rewind(self) -> None:
        """Make ``text`` read from the start of the input (again): a reader
        that must see the whole file before its rows (vCard's groups, which
        may follow their members) reads it twice. Input that can't seek is
        copied to a temporary file the first time: call this before reading."""
        if self.reopen is not None:
            self.text = self.reopen()
        elif self.text.seekable():
            self.text.seek(0)
        else:
            self.text = _spooled_text(self.text)


class _Prefixed(io.RawIOBase):
    """A binary stream that serves ``head`` first, then the rest of ``raw``."""

    def __init__(self, head: bytes, raw: BinaryIO) -> None:
        self._head = memoryview(head)
        self._raw = raw

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._raw.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        return n


def _read_head(raw: BinaryIO) -> bytes:
    chunks, size = [], 0
    while size < HEAD_BYTES:
        data = raw.read(HEAD_BYTES - size)
        if not data:
            break
        chunks.append(data)
        size += len(data)
    return b"".join(chunks)


def guess_encoding(head: bytes) -> tuple[str, str]:
    """(codec, errors) for these first bytes."""
    for bom, codec in _BOMS:
        if head.startswith(bom):
            return codec, "strict"
    sample = head[:4096]
    if len(sample) >= 4:
        odd = sample[1::2].count(0)
        even = sample[0::2].count(0)
        if odd > len(sample) // 4 and even == 0:
            return "utf-16-le", "strict"
        if even > len(sample) // 4 and odd == 0:
            return "utf-16-be", "strict"
    # UTF-8 if as much of it reads as UTF-8 beyond ASCII as doesn't, or more: a
    # Windows-1252 file's accented letters are mostly bytes UTF-8 can't read
    # (é is E9, then ASCII), and only now and then a pair it can (É® reads
    # as ɮ); a UTF-8 file with a stray 1252 byte has its UTF-8 letters, and
    # only the stray byte is read as 1252 (a tie is one of each: UTF-8, the
    # encoding of most files, keeps the letter that is right).
    text = codecs.getincrementaldecoder("utf-8")("surrogateescape").decode(head, final=False)
    if text.isascii():
        return "utf-8", "tinycrm-cp1252"
    unread = len(_NOT_UTF8.findall(text))
    read = len(_BEYOND_ASCII.findall(text)) - unread
    return ("utf-8" if read >= unread else "cp1252"), "tinycrm-cp1252"


# What surrogateescape makes of a byte UTF-8 can't read: U+DC80..U+DCFF.
_NOT_UTF8 = re.compile("[\udc80-\udcff]")
_BEYOND_ASCII = re.compile("[^\x00-\x7f]")


def check_encoding(encoding: str) -> str:
    from ..errors import ValidationError  # a bad option value (exit 2), not a bad file

    try:
        codec = codecs.lookup(encoding)
    except LookupError:
        raise ValidationError(
            f"--encoding: unknown encoding {quoted(encoding)} (try utf-8, utf-16 or cp1252)") from None
    if not codec._is_text_encoding:  # base64, zlib, rot13: bytes to bytes, or text to text
        raise ValidationError(f"--encoding: {quoted(encoding)} is not a text encoding"
                              " (try utf-8, utf-16 or cp1252)")
    return codec.name


def sniff_format(head: str, name: str) -> str | None:
    """The format the content shows, or None when it looks like plain text (CSV)."""
    start = head.lstrip("\ufeff \t\r\n")[:64]
    if start[:11].upper() == "BEGIN:VCARD":
        return "vcard"
    if start.startswith("["):
        return "json"
    if start.startswith("{"):
        return "ndjson"
    return None


def open_source(
    raw: BinaryIO, *, name: str, fmt: str = "auto", encoding: str | None = None,
) -> Source:
    """Read the head of ``raw``, decide encoding and format, and return a text
    stream over the whole input (newlines untranslated, for the CSV reader)."""
    head_bytes = _read_head(raw)
    notice = None
    if encoding:
        codec, errors = check_encoding(encoding), "strict"
        if codec == "utf-8" and head_bytes.startswith(codecs.BOM_UTF8):
            codec = "utf-8-sig"
        elif head_bytes.startswith(codecs.BOM_UTF8) and codec != "utf-8-sig":
            notice = _utf8_bom_under(encoding, head_bytes, name)
            head_bytes = head_bytes[len(codecs.BOM_UTF8):]
    else:
        codec, errors = guess_encoding(head_bytes)
        if codec == "cp1252":  # or the code page of an Outlook in another language
            from .csvlayout import norm_header
            from .outlook_locales import header_code_page

            codec = header_code_page(head_bytes.split(b"\n", 1)[0], norm_header) or codec
    reading = _WHOLE + codec if codec in _HALVES else codec
    decoder = codecs.getincrementaldecoder(reading)(errors=errors)
    try:
        head = decoder.decode(head_bytes, final=len(head_bytes) < HEAD_BYTES)
    except UnicodeDecodeError as exc:
        raise FormatError(f"{name}: can't be read as {codec} ({exc.reason} at byte {exc.start});"
                          " try another --encoding") from None
    except UnicodeError as exc:  # utf-16 or utf-32 without a byte-order mark, before 3.13
        raise FormatError(f"{name}: can't be read as {codec} ({exc});"
                          " try another --encoding") from None
    if not head.strip("\ufeff \t\r\n"):
        raise FormatError(f"{name}: the file is empty")
    if "\x00" in head:
        raise FormatError(f"{name}: not a contacts file (it holds binary data)")
    if head.lstrip("\ufeff \t\r\n")[:15].upper() == "BEGIN:VCALENDAR":
        # (What `export --format ics` writes: read as a CSV, its one column
        # would get the advice to map it to a name.)
        raise FormatError(f"{name}: an iCalendar file (events, not contacts):"
                          " import reads contacts from CSV, vCard or JSON")
    if fmt == "auto":
        fmt = sniff_format(head, name) or _EXTENSIONS.get(os.path.splitext(name)[1].lower(), "csv")
    if fmt not in FORMATS:
        raise FormatError(f"unknown format {quoted(fmt)}: use one of auto, {', '.join(FORMATS)}")
    if fmt == "vcard" and errors == "tinycrm-cp1252" and codec.startswith("utf-8"):
        # Kept as they are until a folded line is joined again: a writer may
        # fold inside a character (vcardlines.resolved reads them then).
        errors = "surrogateescape"

    def stream() -> IO[str]:
        buffered = io.BufferedReader(_Prefixed(head_bytes, raw), buffer_size=256 * 1024)
        return io.TextIOWrapper(buffered, encoding=reading, errors=errors, newline="")

    after_head = _position(raw)

    def reopen() -> IO[str]:
        raw.seek(after_head)
        return stream()

    return Source(name=name, format=fmt, encoding=codec, text=stream(),
                  head=head.lstrip("\ufeff"), reopen=None if after_head is None else reopen,
                  notice=notice)


def _utf8_bom_under(encoding: str, head: bytes, name: str) -> str:
    """What to tell of a file that starts with UTF-8's byte-order mark, read
    as ``encoding`` by ``--encoding``: those three bytes are no text in any
    encoding (``ï»¿`` in Latin-1, which made ``ï»¿First Name`` a custom field).
    If what follows them is UTF-8 beyond ASCII, ``encoding`` would garble every
    such letter (``José`` as ``JosÃ©``): the import stops. Otherwise (ASCII so
    far, or bytes UTF-8 can't read) the option is obeyed, with a warning."""
    try:
        text = codecs.getincrementaldecoder("utf-8")().decode(
            head[len(codecs.BOM_UTF8):], final=len(head) < HEAD_BYTES)
    except UnicodeDecodeError:
        text = ""
    if not text.isascii():
        raise FormatError(f"{name}: starts with a UTF-8 byte-order mark and its text is UTF-8,"
                          f" which --encoding {encoding} would garble; import it without --encoding"
                          " (or with --encoding utf-8)")
    return (f"{name} starts with a UTF-8 byte-order mark, but is read as {encoding}, as"
            " --encoding says; without --encoding it is read as UTF-8")


def _position(raw: BinaryIO) -> int | None:
    """Where ``raw`` is, if it can seek back there."""
    try:
        return raw.tell() if raw.seekable() else None
    except (AttributeError, OSError, ValueError):
        return None


def _spooled_text(text: IO[str]) -> IO[str]:
    """The rest of ``text`` in a temporary file, from its start (as UTF-8,
    with the bytes UTF-8 couldn't read kept as they were)."""
    import tempfile

    spool = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024, mode="w+",
                                          encoding="utf-8", errors="surrogateescape", newline="")
    while block := text.read(1024 * 1024):
        spool.write(block)
    spool.seek(0)
    return spool
