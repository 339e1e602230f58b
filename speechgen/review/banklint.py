"""What is wrong with a variant or a unit on its own: the genre's rules and the format's promises.

Each finding names the variant's file:line. Used by `speechgen banks check`.
"""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from speechgen.compose.rhythm import mixed_metaphor, prohibitions
from speechgen.compose.variant import Unit, Variant
from speechgen.event.yamlsafe import parse_single, read_text
from speechgen.resources import banks_dir, display_path

_PLACEHOLDER = re.compile(r"(?<![A-Za-z])[xX]{2,}(?![A-Za-z])|某某|\*|……")
_DIGIT = re.compile(r"[0-9０-９]")
_OWN_NUMBER = re.compile(
    r"(?:[二两三四五六七八九十百千万]+|(?<![每第一])一(?=年|个月))(?:个月|年|天|名|人|批|次|项|件|万元|亿元)|半年"
)
_JURISDICTION = re.compile(r"[我全本][省市县区乡镇](?![委长])")
_QUOTES = re.compile(r"[「」『』\"']")
_CODE = re.compile(r"\{\{.*?\}\}|\{%.*?%\}")


@dataclass(frozen=True)
class BankFinding:
    severity: str  # error | warning
    where: str
    slot: str
    message: str

    def __str__(self) -> str:
        slot = f" {self.slot}:" if self.slot else ""
        return f"{self.where}:{slot} {self.severity}: {self.message}"


@functools.lru_cache(maxsize=1)
def claim_phrases() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(phrase, fields any of which supports it) from checks/claims.yaml."""
    path = banks_dir() / "checks" / "claims.yaml"
    name = display_path(path)
    data = parse_single(read_text(path, name), name).plain()
    return tuple((str(c["phrase"]), tuple(c.get("supported_by", ()))) for c in data["claims"])


def plain_text(v: Variant) -> str:
    """The bank's own words of a variant: its Jinja code left out."""
    return _CODE.sub("", v.text)


def variant_findings(v: Variant) -> list[BankFinding]:
    out: list[BankFinding] = []
    own = plain_text(v)

    def add(severity: str, message: str) -> None:
        out.append(BankFinding(severity, v.where, v.slot, message))

    if _DIGIT.search(own):
        add("error", "has a number of its own; numbers come only from the event")
    elif _OWN_NUMBER.search(own):
        add(
            "error",
            f"states a quantity of its own ({_OWN_NUMBER.search(own).group(0)}); facts come only from the event",
        )
    if _PLACEHOLDER.search(own):
        add("error", "has placeholder-looking text (xx, 某某, *, ……)")
    if _QUOTES.search(own):
        add("error", "quotes with 「」 or straight quotes; use “” (inner ‘’)")
    if m := _JURISDICTION.search(own):
        add(
            "error",
            f"writes {m.group(0)} literally; use {{{{ jur.our }}}} or {{{{ jur.whole }}}} so every level reads right",
        )
    if prohibitions(own) > 1:
        add(
            "warning",
            f"stacks {prohibitions(own)} prohibitions (不能/不要/严禁); a draft holds about one per 1,000 characters",
        )
    if mixed_metaphor(own):
        add("warning", "mixes two images in one sentence")
    for phrase, supported_by in claim_phrases():
        if phrase in own and not set(supported_by) & set(v.requires):
            need = " or ".join(supported_by) if supported_by else "a field of the event that says so"
            add("error", f"claims 「{phrase}」 of this round; allowed only when the variant uses {need}")
    return out


def fold(text: str) -> str:
    """Text with punctuation and white space folded away, for finding near-duplicates."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", text) if unicodedata.category(ch)[0] in "LNS")


def duplicate_findings(slot: str, variants: list[Variant]) -> list[BankFinding]:
    out: list[BankFinding] = []
    folded = [fold(v.text) for v in variants]
    plain = [plain_text(v) for v in variants]
    counts = [Counter(p) for p in plain]
    for i, a in enumerate(variants):
        for j in range(i + 1, len(variants)):
            b = variants[j]
            if folded[i] == folded[j]:
                what = "duplicate of" if a.text == b.text else "the same, but for punctuation or spacing, as"
                out.append(BankFinding("error", b.where, slot, f"{what} the variant at {a.where}"))
            elif len(plain[i]) >= 20 and _similar(plain[i], plain[j], counts[i], counts[j]):
                out.append(BankFinding("warning", b.where, slot, f"nearly the same as the variant at {a.where}"))
    return out


def _similar(a: str, b: str, ca: Counter[str], cb: Counter[str]) -> bool:
    """Nearly the same text: the cheap upper bounds first (most pairs differ at a glance)."""
    total = len(a) + len(b)
    if 2 * min(len(a), len(b)) / total <= 0.8:
        return False
    if 2 * sum((ca & cb).values()) / total <= 0.8:  # difflib's quick_ratio, on counts made once
        return False
    return difflib.SequenceMatcher(None, a, b).ratio() > 0.8


def unit_findings(unit: Unit, variants: dict[str, list[Variant]], builtin: bool) -> list[BankFinding]:
    """A unit's promises: topic, key words, moment; a heading and a lead that say a key word."""
    out: list[BankFinding] = []
    where = f"{unit.file}:{unit.line}"
    label = f"unit {unit.id}"
    if not unit.keys and not unit.facts:
        out.append(
            BankFinding(
                "error" if builtin else "warning", where, label, "has no keys: the key words its heading promises"
            )
        )
    if not unit.tags.moment:
        out.append(BankFinding("error" if builtin else "warning", where, label, "has no moment: before, during or end"))
    if unit.keys:
        for role in ("heading", "lead"):
            for v in variants.get(unit.slot(role), []):
                if not any(k in v.text for k in unit.keys) and "{{ item" not in v.text:
                    keys = "、".join(unit.keys)
                    out.append(BankFinding("error", v.where, v.slot, f"says none of the unit's key words ({keys})"))
    return out


def slot_name_ok(slot: str) -> bool:
    return bool(re.fullmatch(r"[\w.\-]+", slot))


def is_builtin(file: str) -> bool:
    return not Path(file).is_absolute() and Path(file).parts[:1] == ("phrasebanks",)
