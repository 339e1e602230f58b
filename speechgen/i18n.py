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
    """Every compiled catalogue of the language, chained: ``speechgen.mo`` (the core and the CLI) first,
    then the others in name order (``web.mo`` for the workbench's pages), so each front-end can keep its
    own catalogue."""
    if lang == "en":
        return gettext.NullTranslations()
    folder = LOCALE_DIR / "zh_CN" / "LC_MESSAGES"
    names = sorted(p.stem for p in folder.glob("*.mo")) if folder.is_dir() else []
    names.sort(key=lambda name: name != DOMAIN)
    chain: gettext.NullTranslations = gettext.NullTranslations()
    for name in names:
        found = gettext.translation(name, LOCALE_DIR, languages=["zh_CN"], fallback=True)
        if isinstance(chain, gettext.GNUTranslations):
            chain.add_fallback(found)
        else:
            chain = found
    return chain


def _(message: str) -> str:
    """The message in the user's language."""
    return _translations(language()).gettext(message)


def N_(message: str) -> str:
    """Mark a message kept in a constant for extraction; translate it with ``_()`` where it is shown."""
    return message


def ngettext(singular: str, plural: str, n: int) -> str:
    return _translations(language()).ngettext(singular, plural, n)


def reset() -> None:
    """Forget the loaded catalogues (tests switch languages)."""
    _translations.cache_clear()
