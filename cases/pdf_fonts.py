"""Embedded TrueType fonts for the streaming label PDF writer (cases.pdf).

A print shop's substitute for a font that is only named (reportlab's built-in
STSong-Light) mis-spaces the text, so every glyph a label uses is embedded:
Droid Sans Fallback (Apache-2.0, shipped in cases/fonts/) for Chinese, and
Bitstream Vera Sans from the reportlab wheel for Latin text and serials.
reportlab parses and subsets the TrueType files; this module only lays the
subsets out as PDF objects, the way reportlab's own Canvas does (simple
/TrueType fonts of at most 256 codes each, with a ToUnicode map so text can be
searched and copied).

Every character is registered before the first page is written (the label text
of a batch and the serial alphabet are known in advance), so the font objects
can be written first and the pages streamed after them.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import reportlab
from reportlab.pdfbase.ttfonts import TTFontFace, makeToUnicodeCMap

FONT_DIR = Path(__file__).resolve().parent / "fonts"
CJK_FILE = FONT_DIR / "DroidSansFallbackFull.ttf"
LATIN_FILE = Path(reportlab.__file__).resolve().parent / "fonts" / "Vera.ttf"
LATIN_BOLD_FILE = Path(reportlab.__file__).resolve().parent / "fonts" / "VeraBd.ttf"

REGULAR = "regular"
BOLD = "bold"


@cache
def face(path: Path) -> TTFontFace:
    """Parsed once per process: the CJK file is 4 MB."""
    return TTFontFace(str(path))


def _is_latin(code: int) -> bool:
    return code < 0x250 and code in face(LATIN_FILE).charToGlyph


@dataclass
class _Embedded:
    """One TrueType file, split into subsets of at most 255 characters (code 0 is .notdef)."""

    key: str
    path: Path
    subsets: list[list[int]] = field(default_factory=list)
    codes: dict[int, tuple[int, int]] = field(default_factory=dict)  # char → (subset, byte)

    def add(self, code: int) -> None:
        if code in self.codes:
            return
        if code not in face(self.path).charToGlyph:  # shown as .notdef (code 0 of the first subset)
            self.codes[code] = (0, 0)
            if not self.subsets:
                self.subsets.append([0])
            return
        if not self.subsets or len(self.subsets[-1]) == 256:
            self.subsets.append([0])
        self.codes[code] = (len(self.subsets) - 1, len(self.subsets[-1]))
        self.subsets[-1].append(code)

    def width(self, code: int) -> float:
        """Advance width in 1/1000 em."""
        return face(self.path).getCharWidth(code)


class FontSet:
    """The fonts of one PDF: register text first, then write the font objects, then show text."""

    def __init__(self) -> None:
        self._fonts = {
            "C": _Embedded("C", CJK_FILE),
            "L": _Embedded("L", LATIN_FILE),
            "B": _Embedded("B", LATIN_BOLD_FILE),
        }
        self.references: dict[str, int] = {}  # resource name (/C0) → font object number

    def _font_for(self, code: int, style: str) -> _Embedded:
        if _is_latin(code):
            return self._fonts["B" if style == BOLD else "L"]
        return self._fonts["C"]

    def register(self, text: str, style: str = REGULAR) -> None:
        for char in text:
            code = ord(char)
            self._font_for(code, style).add(code)

    # --- measuring and showing ---------------------------------------------

    def width(self, text: str, size: float, style: str = REGULAR) -> float:
        total = 0.0
        for char in text:
            code = ord(char)
            total += self._font_for(code, style).width(code)
        return total * size / 1000

    def fit(self, text: str, size: float, max_width: float, style: str = REGULAR, min_size: float = 4.0):
        """(text, size) shrunk from `size` to fit `max_width`, cut only as a last resort."""
        width = self.width(text, size, style)
        if width <= max_width:
            return text, size
        size = max(min_size, size * max_width / width * 0.999)  # 0.999: rounding must not cut a character
        while text and self.width(text, size, style) > max_width:
            text = text[:-1]
        return text, size

    def show(self, text: str, x: float, y: float, size: float, style: str = REGULAR) -> str:
        """PDF operators drawing `text` at (x, y): one BT block, switching subset fonts between runs."""
        runs: list[tuple[str, bytearray]] = []
        for char in text:
            code = ord(char)
            font = self._font_for(code, style)
            subset, byte = font.codes[code]
            name = f"{font.key}{subset}"
            if runs and runs[-1][0] == name:
                runs[-1][1].append(byte)
            else:
                runs.append((name, bytearray([byte])))
        # Chinese has no bold face here: the bold style strokes its outlines as well (render mode 2).
        fake_bold = style == BOLD
        parts = [f"BT {x:.2f} {y:.2f} Td"]
        for name, data in runs:
            stroke = fake_bold and name.startswith("C")
            mode = f" 2 Tr {size * 0.035:.2f} w" if stroke else " 0 Tr"
            parts.append(f"/{name} {size:.2f} Tf{mode} <{data.hex().upper()}> Tj")
        parts.append("ET")
        return " ".join(parts)

    # --- writing --------------------------------------------------------------

    def objects(self, first_number: int):
        """(number, body) pairs of every font object, numbered from `first_number`; fills `references`."""
        number = first_number
        for font in self._fonts.values():
            source = face(font.path)
            for index, subset in enumerate(font.subsets):
                font_no, descriptor_no, file_no, cmap_no = number, number + 1, number + 2, number + 3
                number += 4
                tag = f"GLF{font.key}{chr(65 + index // 26 % 26)}{chr(65 + index % 26)}"  # subset prefix
                base_name = f"{tag}+{source.name.decode('latin-1')}"
                widths = " ".join(str(round(source.getCharWidth(code))) for code in subset)
                yield (
                    font_no,
                    f"<< /Type /Font /Subtype /TrueType /BaseFont /{base_name} /FirstChar 0 "
                    f"/LastChar {len(subset) - 1} /Widths [{widths}] /FontDescriptor {descriptor_no} 0 R "
                    f"/ToUnicode {cmap_no} 0 R >>",
                )
                flags = (source.flags & ~32) | 4  # symbolic: the subset has its own code order
                bbox = " ".join(str(v) for v in source.bbox)
                yield (
                    descriptor_no,
                    f"<< /Type /FontDescriptor /FontName /{base_name} /Flags {flags} /FontBBox [{bbox}] "
                    f"/ItalicAngle {source.italicAngle} /Ascent {source.ascent} /Descent {source.descent} "
                    f"/CapHeight {source.capHeight} /StemV {source.stemV} /MissingWidth {source.defaultWidth} "
                    f"/FontFile2 {file_no} 0 R >>",
                )
                program = source.makeSubset(subset)
                yield file_no, _stream(program, f"/Length1 {len(program)}")
                yield cmap_no, _stream(makeToUnicodeCMap(base_name, subset).encode("latin-1"))
                self.references[f"{font.key}{index}"] = font_no
        self.next_number = number

    def resources(self) -> str:
        fonts = " ".join(f"/{name} {number} 0 R" for name, number in self.references.items())
        return f"<< /Font << {fonts} >> >>"


def _stream(content: bytes, extra: str = "") -> bytes:
    compressed = zlib.compress(content, 6)
    head = f"<< /Length {len(compressed)} /Filter /FlateDecode {extra}>>\nstream\n".encode()
    return head + compressed + b"\nendstream"
