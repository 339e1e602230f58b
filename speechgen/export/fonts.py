"""The faces a layout uses, whether this machine has them, and what stands in where one is missing.

The stand-ins are those of the fontconfig file shipped in the package (fontconfig/speechgen-fonts.conf),
read here so that `speechgen fonts`, the PDF warning and the conversion itself tell the same story. A
layout face the file does not name gets the chain of its kind, told by its name (仿宋, 楷, 黑, 宋,
小标宋), after its name without a _GB2312/_GBK suffix. Installed faces are looked up with fontconfig
(fc-list, fc-match), which is also what LibreOffice asks; without fontconfig (Windows, macOS) the
font folders are read instead (fontnames.py), and LibreOffice there substitutes by its own table.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from xml.sax.saxutils import escape

from lxml import etree

from .layout import FALLBACKS, Layout

CONF_NAME = "speechgen-fonts.conf"
SYSTEM_CONF = "/etc/fonts/fonts.conf"
# Free faces the stand-in chains end in, and the Debian package of each.
FREE_FACES = {
    "Noto Serif CJK SC": "fonts-noto-cjk",
    "Noto Sans CJK SC": "fonts-noto-cjk",
    "AR PL UKai CN": "fonts-arphic-ukai",
    "AR PL UMing CN": "fonts-arphic-uming",
}
KINDS = (  # (a part of the name, the face whose chain it takes), first match wins
    ("小标宋", "方正小标宋简体"),
    ("XiaoBiaoSong", "方正小标宋简体"),
    ("中宋", "方正小标宋简体"),
    ("仿宋", "仿宋_GB2312"),
    ("FangSong", "仿宋_GB2312"),
    ("楷", "楷体_GB2312"),
    ("Kai", "楷体_GB2312"),
    ("黑", "黑体"),
    ("Hei", "黑体"),
    ("宋", "宋体"),
    ("Song", "宋体"),
)
SUFFIX = re.compile(r"_(GB2312|GBK|GB18030)$", re.IGNORECASE)
USES = (
    ("title", "title"),
    ("speaker", "speaker and date lines"),
    ("body", "body and salutation"),
    ("heading1", "一、 headings"),
    ("heading2", "（一） headings"),
    ("heading3", "1. headings"),
    ("page_number", "page numbers"),
)


@dataclass(frozen=True)
class Rule:
    chain: tuple[str, ...]  # the names tried after the face, in order
    weight: str | None = None  # the weight asked of a stand-in ("bold" for the title)


@dataclass(frozen=True)
class FaceReport:
    name: str
    uses: tuple[str, ...]
    installed: bool
    word: str  # what Word and WPS set instead (the fallback in the file), "" when installed
    pdf: str  # what LibreOffice sets instead through the shipped configuration, "" when installed

    @property
    def standing_in(self) -> bool:
        return not self.installed


def conf_text() -> str:
    return resources.files(__package__).joinpath("fontconfig", CONF_NAME).read_text(encoding="utf-8")


@functools.cache
def shipped_rules() -> dict[str, Rule]:
    """The shipped file's rules: official name → the chain appended after it (and the weight asked)."""
    root = etree.fromstring(conf_text().encode("utf-8"))
    rules: dict[str, Rule] = {}
    for match in root.findall("match"):
        if match.get("target") != "pattern":
            continue
        name = match.findtext("test/string")
        chain = tuple(s.text for s in match.findall("edit[@name='family']/string"))
        weight = match.findtext("edit[@name='weight']/const")
        rules[name] = Rule(chain, weight)
    return rules


def rule_for(name: str) -> Rule | None:
    """The stand-in rule for a face: the shipped one, or that of its kind (None for a face of no known kind)."""
    rules = shipped_rules()
    if name in rules:
        return rules[name]
    base = SUFFIX.sub("", name)
    for part, face in KINDS:
        if part.lower() in name.lower():
            kind = rules[face]
            chain = tuple(dict.fromkeys(n for n in (base, face, *kind.chain) if n != name))
            return Rule(chain, kind.weight)
    return None


def faces(layout: Layout) -> list[tuple[str, tuple[str, ...]]]:
    """(face, what it is used for) for every face of the layout, in the order of first use."""
    used: dict[str, list[str]] = {}
    for field, label in USES:
        used.setdefault(getattr(layout.fonts, field), []).append(label)
    return [(name, tuple(labels)) for name, labels in used.items()]


def extra_rules(layout: Layout) -> str:
    """fontconfig rules for the layout's faces the shipped file does not name."""
    out = []
    for name, _ in faces(layout):
        rule = rule_for(name)
        if rule is None or name in shipped_rules():
            continue
        strings = "".join(f"<string>{escape(n)}</string>" for n in rule.chain)
        weight = f'<edit name="weight" mode="assign"><const>{rule.weight}</const></edit>' if rule.weight else ""
        out.append(
            f'  <match target="pattern"><test name="family"><string>{escape(name)}</string></test>'
            f'<edit name="family" mode="append" binding="same">{strings}</edit>{weight}</match>\n'
        )
    return "".join(out)


def system_conf() -> str:
    """The configuration fontconfig reads when nothing is set (or the one the user set)."""
    if os.environ.get("FONTCONFIG_FILE"):
        return os.environ["FONTCONFIG_FILE"]
    folder = os.environ.get("FONTCONFIG_PATH")
    return str(Path(folder) / "fonts.conf") if folder else SYSTEM_CONF


def write_conversion_config(folder: Path, layout: Layout) -> Path:
    """fonts.conf in folder for a conversion: the system configuration, the shipped stand-ins, the layout's
    own faces. Returns its path, for FONTCONFIG_FILE."""
    shipped = folder / CONF_NAME
    shipped.write_text(conf_text(), encoding="utf-8")
    path = folder / "fonts.conf"
    path.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n<fontconfig>\n'
        f'  <include ignore_missing="yes">{escape(system_conf())}</include>\n'
        f"  <include>{escape(str(shipped))}</include>\n{extra_rules(layout)}</fontconfig>\n",
        encoding="utf-8",
    )
    return path


def has_fontconfig() -> bool:
    return shutil.which("fc-list") is not None and shutil.which("fc-match") is not None


def _fc(args: list[str], config: Path | None = None) -> str:
    env = dict(os.environ)
    if config is not None:
        env["FONTCONFIG_FILE"] = str(config)
    try:
        done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return done.stdout


def installed_families() -> set[str]:
    """Every family name (localized ones included) of the installed fonts, lower-cased."""
    if has_fontconfig():
        out = _fc(["fc-list", "--format", "%{family}\n"])
        return {n.strip().lower() for line in out.splitlines() for n in line.split(",") if n.strip()}
    from .fontnames import installed_families as scanned

    return {n.lower() for n in scanned()}


def stand_in(name: str, config: Path) -> str:
    """What fontconfig (and so LibreOffice) sets for name under config: 'Noto Serif CJK SC Bold'."""
    out = _fc(["fc-match", "--format", "%{family[0]}\t%{style[0]}", f"{name}:lang=zh-cn"], config)
    family, _, style = out.partition("\t")
    style = style.strip()
    return f"{family} {style}" if style and style.lower() not in ("regular", "book", "normal") else family


def matched_faces(names: list[str], config: Path) -> dict[str, str]:
    """name → the PostScript name of the face fontconfig matches for it under config."""
    return {n: _fc(["fc-match", "--format", "%{postscriptname}", f"{n}:lang=zh-cn"], config).strip() for n in names}


def report(layout: Layout) -> list[FaceReport]:
    """Each face of the layout: installed or not, and what Word/WPS and the PDF set instead."""
    import tempfile

    have = installed_families()
    out = []
    with tempfile.TemporaryDirectory(prefix="speechgen-fonts-") as tmp:
        config = write_conversion_config(Path(tmp), layout) if has_fontconfig() else None
        for name, uses in faces(layout):
            installed = name.lower() in have
            word = pdf = ""
            if not installed:
                alt = FALLBACKS.get(name, "")
                if alt and alt.lower() in have:
                    word = f"{alt}, the fallback recorded in the file"
                elif alt:
                    word = f"their own default ({alt}, the fallback recorded in the file, is missing too)"
                else:
                    word = "their own default (usually 宋体)"
                if config is not None:
                    pdf = _pdf_stand_in(name, config)
                else:
                    pdf = "LibreOffice's own substitute (no fontconfig here)"
            out.append(FaceReport(name, uses, installed, word, pdf))
    return out


def _pdf_stand_in(name: str, config: Path) -> str:
    found = stand_in(name, config)
    rule = rule_for(name)
    chain = rule.chain if rule else ()
    if found and any(found == n or found.startswith(n + " ") for n in chain):
        return found
    free = ", ".join(n for n in chain if n in FREE_FACES) or "none known"
    return f"{found or 'nothing'}, fontconfig's last resort: no stand-in installed ({free})"


def fallback_warning(layout: Layout) -> str | None:
    """One line for `render --format pdf` when the PDF is set in stand-ins, else None."""
    missing = [r for r in report(layout) if not r.installed]
    if not missing:
        return None
    pairs = "; ".join(f"{r.name} → {r.pdf}" for r in missing)
    return f"warning: the PDF uses stand-in fonts: {pairs} (speechgen fonts lists what to install)"


def where_fonts_go(system: str | None = None) -> str:
    """Where this kind of system keeps the fonts every program sees, and what stands in on 信创 Linux."""
    import platform

    system = system or platform.system()
    if system == "Windows":
        return (
            r"On Windows the official faces go in C:\Windows\Fonts: right-click each .ttf, 为所有用户安装 "
            r"(Install for all users); fonts installed for one user only "
            r"(%LOCALAPPDATA%\Microsoft\Windows\Fonts) are missed by some programs."
        )
    if system == "Darwin":
        return "On macOS open each font file in Font Book and click Install."
    return (
        "On Linux (UOS, Kylin …) the official faces go in /usr/local/share/fonts (all users) or "
        "~/.local/share/fonts; then run fc-cache -f. UOS and Kylin ship the CESI faces "
        "(/usr/share/fonts/fonts-cesi: CESI仿宋-GB2312, CESI楷体-GB2312, CESI小标宋-GB2312, CESI黑体-GB2312, "
        "CESI宋体-GB2312); the PDF takes them where the official ones are missing."
    )


def format_report(layout: Layout) -> str:
    """The report `speechgen fonts` prints: one block a face, then what to do about the missing ones."""
    rows = report(layout)
    lines = []
    for r in rows:
        state = "installed" if r.installed else "MISSING"
        lines.append(f"{r.name}  ({', '.join(r.uses)}): {state}")
        if not r.installed:
            lines.append(f"    Word, WPS: {r.word}")
            lines.append(f"    LibreOffice, PDF: {r.pdf}")
    missing = [r.name for r in rows if not r.installed]
    if missing:
        lines.append("")
        lines.append(
            f"{len(missing)} of {len(rows)} faces missing: {', '.join(missing)}. Install the office's fonts "
            "(docs/fonts.md says how); until then Word and WPS show their fallbacks and the PDF its stand-ins."
        )
        lines.append(where_fonts_go())
        free = [r.pdf for r in rows if not r.installed and "no stand-in installed" in r.pdf]
        if free:
            packages = " ".join(sorted(set(FREE_FACES.values())))
            lines.append(f"No free stand-in installed either; on Debian/Ubuntu: sudo apt-get install {packages}")
    else:
        lines.append("")
        lines.append(f"All {len(rows)} faces are installed.")
    return "\n".join(lines) + "\n"
