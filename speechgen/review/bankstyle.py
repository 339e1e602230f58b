"""`speechgen banks new-style`: the text of a style file to edit.

The file holds the slots a style usually changes (the opening, the section intros, the closing call, thanks
and wishes, and the lead and close of the most used units), each commented out with the current variants
as examples, under a short Chinese header that says how to switch a slot on. Only its `meta` block is
live, so the style loads and is listed at once, and drafts exactly as the built-in banks until edited.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from speechgen.compose.banks import BankSet
from speechgen.compose.plan import load_catalogue
from speechgen.compose.variant import Unit, Variant
from speechgen.errors import ConfigError
from speechgen.event.schema import MEETING_TYPES, TYPE_LABELS
from speechgen.i18n import _
from speechgen.review.bankcheck import reachable_slots
from speechgen.review.bankyaml import Text, own_tags, scalar, variant_item

EXAMPLES = 8  # variants shown per slot; `banks show SLOT` lists the rest
UNITS = 8  # the most used units whose lead and close are offered
OPENING = (
    ("opening.context", "形势和背景"),
    ("opening.purpose", "这次会议的目的"),
    ("opening.scale", "这次选派的规模"),
    ("opening.leaders", "出席的领导"),
    ("opening.before_speech", "前面进行的议程（刚才……）"),
    ("opening.before_speech_comment", "对前面发言的评价"),
    ("opening.weight", "党委、政府的重视"),
    ("opening.behalf", "代表谁致意"),
    ("opening.announce", "“下面，我讲三点意见”"),
)
CLOSING = (
    ("closing.call", "结尾的号召"),
    ("review.closing.thanks", "结尾的致谢"),
    ("closing.wishes", "结尾的祝福"),
)
ROLE_LABELS = {"lead": "主旨句", "close": "收束句"}
STYLE_NAME = re.compile(r"[\w\-]{1,40}")

HEADER = """\
# 风格「{name}」：由 speechgen banks new-style 生成，供本单位修改。
#
# 本文件在 {path}。起草时加上 --banks {folder} --style {name}，这里的说法就叠加在内置文库之上。
# 现在文件里只有 meta 一段起作用，其余各段都以 # 开头，是“注释”：起草时不读，只作示例。
#
# 怎样改：
#   1. 每一段是一个“槽位”，即讲话中的一句话；下面列出的是现有的说法（例句取自“{source}”风格）。
#   2. 要启用一段，删去这一段里槽位名、mode、variants 三行行首的“# ”（井号和一个空格），
#      再删去您要保留的例句行首的“# ”，或照样子另写一行。每条说法一行，以“- ”开头，缩进不变。
#   3. mode: extend 表示在原有说法之外增加；改成 mode: replace，这句话就只用这一段里的说法。
#      只用自己的说法时，最好写够六条，同一类会议多次起草才不会重复。
#   4. 要用活动文件里的事实，写变量，如 {{{{ program.cadres }}}}（人数）；以 {{{{ 开头的说法要用英文双引号括起来。
#   5. 不写具体数字、人名、地名和文件名，不写口号和领导人语录；不写“我县”“全县”，
#      写 {{{{ jur.our }}}}、{{{{ jur.whole }}}}；引号用“”，不用「」。
#
# 改完以后：
#   speechgen banks check {folder}                               检查格式和写法
#   speechgen banks try 活动.yaml --banks {folder} --style {name}     看每条说法放进这次会议的样子
#   speechgen render 活动.yaml --banks {folder} --style {name}        起草
# 详见 phrasebanks/编写指南.md。
"""


def check_style_name(name: str) -> None:
    if not STYLE_NAME.fullmatch(name) or name.startswith("."):
        raise ConfigError(
            _(
                'style name "{name}" is not usable as a folder name; use letters, Chinese characters, digits, - or _'
            ).format(name=name)
        )


def style_text(name: str, folder: Path, banks: BankSet, template_dirs: Sequence[Path] = ()) -> str:
    """The style file `folder/styles/<name>/<name>.yaml`, its examples taken from `banks`."""
    check_style_name(name)
    path = folder / "styles" / name / f"{name}.yaml"
    out = Text()
    out.extend(HEADER.format(name=name, path=path, folder=folder, source=banks.style).splitlines())
    out.add("")
    out.add("meta:")
    out.add(f"  name: {scalar(name)}")
    out.add(f"  description: {scalar(f'{name}：本单位的风格（在“{banks.style}”的说法上修改）')}")
    factor = banks.meta.get("length_factor")
    note = f"“{banks.style}”为 {factor}" if factor is not None else "默认 1.0"
    out.add(f"#  length_factor: {factor or 1.0}    # 篇幅系数：1.0 为常规长度，0.5 约为一半（{note}）")
    called: dict[str, None] = {}
    for meeting_type in MEETING_TYPES:
        called.update(dict.fromkeys(sorted(reachable_slots(meeting_type, banks, template_dirs))))
    _part(out, "开头", [s for s in _ordered(called, OPENING) if s in banks.slots], banks)
    _part(out, "各部分的导语", [s for s in _intros(template_dirs) if s in called and s in banks.slots], banks)
    unit_slots = [u.slot(r) for u in most_used(banks, template_dirs) for r in ROLE_LABELS if r in u.roles]
    _part(out, "要点的主旨句和收束句", unit_slots, banks)
    _part(out, "结尾", [s for s in _ordered(called, CLOSING) if s in banks.slots], banks)
    return out.text()


def _ordered(called: dict[str, None], parts: tuple[tuple[str, str], ...]) -> list[str]:
    """The slots of a part of the speech, in speech order, each meeting type's after the shared one."""
    out = []
    for suffix, _label in parts:
        out += [s for s in called if s == suffix]
        out += [t + "." + suffix for t in MEETING_TYPES if t + "." + suffix in called]
    return out


def _intros(template_dirs: Sequence[Path]) -> list[str]:
    out: dict[str, None] = {}
    for meeting_type, spec in load_catalogue(template_dirs).items():
        for outline in spec.outlines.values():
            out.update({f"{meeting_type}.{s.key}.intro": None for s in outline})
    return list(out)


def most_used(banks: BankSet, template_dirs: Sequence[Path] = ()) -> list[Unit]:
    """The units that the most outlines (meeting type × kind of work) can write, most first; units of a
    topic before those bound to the event's facts (tasks, rules …), which say the event's own words."""
    counts: dict[str, int] = {}
    for spec in load_catalogue(template_dirs).values():
        for outline in spec.outlines.values():
            topics = {t for s in outline for t in s.topics}
            lists = {f.list for s in outline for f in s.facts} | {"program.rules"}  # rules: every outline
            for unit in banks.units.values():
                if (unit.facts in lists) if unit.facts else (unit.topic in topics):
                    counts[unit.id] = counts.get(unit.id, 0) + 1
    # stable: bank order among equals
    ranked = sorted(banks.units.values(), key=lambda u: (bool(u.facts), -counts.get(u.id, 0)))
    return [u for u in ranked if counts.get(u.id)][:UNITS]


def _part(out: Text, title: str, slots: list[str], banks: BankSet) -> None:
    if not slots:
        return
    out.add("")
    out.add(f"# ════════ {title} ════════")
    for slot in slots:
        _slot(out, slot, banks)


def _slot(out: Text, slot: str, banks: BankSet) -> None:
    variants = banks.variants(slot)
    own = f"styles/{banks.style}/"  # the chosen style's own wording first, then what it builds on
    shown = sorted(variants, key=lambda v: own not in v.file.replace("\\", "/"))[:EXAMPLES]
    if len(variants) > len(shown):
        count = f"现有 {len(variants)} 条，列出 {len(shown)} 条，其余用 speechgen banks show {slot} 查看"
    else:
        count = f"现有 {len(variants)} 条"
    out.add("")
    out.add(f"# ── {describe(slot, banks)}（{count}）")
    out.add(f"# {slot}:")
    out.add("#   mode: extend")
    out.add("#   variants:")
    unit = _unit_of(slot, banks)
    for v in shown:
        out.add(f"#     {_example(v, unit)}")


def _example(v: Variant, unit: Unit | None) -> str:
    tags = own_tags(v.tags, unit.tags) if unit is not None else v.tags
    return variant_item(v.text, tags, v.weight)


def _unit_of(slot: str, banks: BankSet) -> Unit | None:
    return next((u for u in banks.units.values() if slot.startswith(f"u.{u.id}.")), None)


def describe(slot: str, banks: BankSet) -> str:
    """What a slot says, in Chinese, for the comment above it."""
    unit = _unit_of(slot, banks)
    if unit is not None:
        role = slot[len(f"u.{unit.id}.") :]
        heading = next(iter(banks.variants(unit.slot("heading"))), None)
        about = f"“{heading.text}”" if heading and "{{ item" not in heading.text else f"{unit.id}（{unit.topic}）"
        return f"要点 {about} 的{ROLE_LABELS.get(role, role)}"
    head, _dot, rest = slot.partition(".")
    label = TYPE_LABELS.get(head, "")
    for suffix, words in OPENING + CLOSING:
        if slot == suffix or rest == suffix:
            return f"{label}：{words}" if label else f"各类会议：{words}"
    if label and rest.endswith(".intro"):
        key = rest[: -len(".intro")]
        heading = next(iter(banks.variants(f"{head}.{key}.heading")), None)
        about = f"，这部分的标题如“{heading.text}”" if heading else ""
        return f"{label}：{key} 部分的导语{about}"
    return slot
