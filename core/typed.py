"""Codes and numbers as people type them: a Chinese keyboard in full-width mode (全角) types ＸＲ７－… and １３８…

NFKC folds those to ASCII, so a typed serial, permit number or mobile number is the same as the printed one. Other
scripts' letters and digits stay what they are (and are refused by the ASCII-only checks after this).
"""

import unicodedata


def fold_width(text: str) -> str:
    """`text` with full-width letters, digits and punctuation as ASCII (ASCII text is returned as it is, at once)."""
    return text if text.isascii() else unicodedata.normalize("NFKC", text)
