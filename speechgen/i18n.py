"""The language of every message a user sees: Chinese by default, English when asked for.

Messages are written in English in the code, wrapped in ``_()`` (or ``ngettext`` for counts), and
translated through gettext catalogues shipped in the package (``speechgen/locale/<lang>/LC_MESSAGES/
speechgen.mo``, compiled from the ``.po`` files next to them). The language is chosen once per process:
``SPEECHGEN_LANG`` (``zh`` or ``en``) if set, else the locale (``LC_ALL``, ``LC_MESSAGES``, ``LANG``): an
English locale gives English, anything else (a Chinese locale, no locale at all, ``C``) Chinese.
Placeholders are named (``{found}``) so that a translation can reorder them.
"""

from __future__ import annotations

import functools
import gettext
import os
from pathlib import Path

DOMAIN = "speechgen"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
LANGUAGES = ("zh", "en")


def language() -> str:
    """zh or en, from SPEECHGEN_LANG, else from the locale."""
    chosen = os.environ.get("SPEECHGEN_LANG", "").strip().lower()
    if chosen.startswith("en"):
        return "en"
    if chosen.startswith("zh"):
        return "zh"
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var, "")
        if value:
            return "en" if value.lower().startswith("en") else "zh"
    return "zh"


@functools.lru_cache(maxsize=4)
def _translations(lang: str) -> gettext.NullTranslations:
    if lang == "en":
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=["zh_CN"], fallback=True)


def _(message: str) -> str:
    """The message in the user's language."""
    return _translations(language()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _translations(language()).ngettext(singular, plural, n)


def reset() -> None:
    """Forget the loaded catalogues (tests switch languages)."""
    _translations.cache_clear()
