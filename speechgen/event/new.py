"""`speechgen new`: a commented event file for a meeting type, keys in Chinese or English.

Every field of the contract is in the file, with a sample value and a comment saying what it is. The
sample values are there to be replaced: a render of a file that still holds one warns about it
(``samples_left``), so a sample name never reaches a leader's speech unnoticed. No sample sets a length,
so a style's own length (concise …) applies.
"""

from __future__ import annotations

from typing import Any

from speechgen.event.schema import SCHEMA, TYPE_LABELS, Field, Group

COMMON_SAMPLE: dict[str, Any] = {
    "meeting.date": "2026-03-16",
    "meeting.place": "县委党校报告厅",
    "meeting.organizer": "县委组织部",
    "meeting.before_speech": ["县委组织部负责同志宣读了选派干部名单", "两名干部代表作了表态发言"],
    "meeting.leaders_present": ["市委组织部周部长"],
    "meeting.after_speech": ["县委书记作重要讲话"],
    "speaker.title": "县委常委、组织部部长",
    "speaker.name": "吴启明",
    "speaker.on_behalf_of": "县委组织部",
    "context": ["落实全县干部队伍建设工作部署"],
}

SAMPLES: dict[str, dict[str, Any]] = {
    "mobilisation": {
        "meeting.name": "全县年轻干部挂职锻炼动员会",
        "program.kind": "挂职锻炼",
        "program.direction": "下派",
        "program.cadres": 24,
        "program.batch": 3,
        "program.duration": "一年",
        "program.from_units": "县直机关",
        "program.to_units": "各乡镇",
        "program.tasks": ["参与乡镇中心工作", "协调推进重点项目"],
        "program.rules": ["挂职期间与原单位工作脱钩", "严格执行请销假制度"],
    },
    "summary": {
        "meeting.name": "全县挂职干部工作总结会",
        "meeting.before_speech": ["县委组织部负责同志通报了挂职工作情况", "三名挂职干部代表作了交流发言"],
        "program.kind": "挂职锻炼",
        "review.cadres": 31,
        "review.period": "2025年3月至2026年2月",
        "review.achievements": ["协调落实项目资金1200万元", "帮助解决群众反映的问题63件"],
        "review.shortcomings": ["个别挂职干部到岗不够稳定"],
        "review.thanks": ["各派出单位", "各接收单位"],
    },
    "summary_mobilisation": {
        "meeting.name": "全县挂职干部总结暨动员会",
        "meeting.before_speech": ["县委组织部负责同志总结了上一批挂职工作", "新老挂职干部代表分别作了发言"],
        "program.kind": "双向挂职",
        "program.direction": "双向",
        "program.cadres": 40,
        "program.batch": 2,
        "program.duration": "一年",
        "program.from_units": "市直部门和县直单位",
        "program.to_units": "县直有关部门和各乡镇（街道）",
        "program.rules": ["严格执行考勤制度"],
        "review.cadres": 35,
        "review.period": "2025年3月至2026年2月",
        "review.achievements": ["推动落地合作项目12个"],
        "review.shortcomings": ["派出单位与接收单位沟通还不够紧密"],
        "review.thanks": ["市委组织部", "各派出单位"],
    },
    "village_stay": {
        "meeting.name": "全县选派干部驻村蹲点工作会议",
        "program.kind": "驻村蹲点",
        "program.direction": "下派",
        "program.cadres": 96,
        "program.batch": 2,
        "program.duration": "一年",
        "program.from_units": "县直机关和企事业单位",
        "program.to_units": "全县32个重点村",
        "program.tasks": ["建强村级班子", "发展村集体经济"],
        "program.rules": ["全年驻村时间不少于250天"],
    },
}
REVIEW_TYPES = ("summary", "summary_mobilisation")
HEADER = {
    "zh": [
        "# speechgen 会议事项文件：{label}（{type}）",
        "# 请把示例值换成本次会议的实际情况；用不上的行可以删去，或在行首加 # 停用。",
        "# 讲稿中的数字、姓名、地点都只来自本文件；保留示例值时，生成讲稿会提醒“示例值，请替换”。",
        "# 完整说明：docs/event-format.md",
    ],
    "en": [
        "# speechgen event file: {type} ({label})",
        "# Replace the sample values with your meeting's facts; delete lines you do not need, or put # before them.",
        "# Every number, name and place in the draft comes from this file; a sample left in is warned about.",
        "# Full contract: docs/event-format.md",
    ],
}
OPTIONS_NOTE = {
    "zh": "# 选项（可选，去掉行首的 # 即生效）：风格 正式/温情/简明；要点数 2–5；时长（分钟）或字数；随机种子",
    "en": "# options (optional; remove the leading # to use): style; points 2–5; minutes or length; seed",
}


def sample_values(meeting_type: str) -> dict[str, Any]:
    values = COMMON_SAMPLE | SAMPLES[meeting_type]
    if meeting_type not in REVIEW_TYPES:
        values = {k: v for k, v in values.items() if not k.startswith("review.")}
    return values


def new_event(meeting_type: str, lang: str = "zh") -> str:
    values = sample_values(meeting_type)
    lines = [line.format(type=meeting_type, label=TYPE_LABELS[meeting_type]) for line in HEADER[lang]]
    type_field = SCHEMA.fields["type"]
    assert isinstance(type_field, Field)
    type_value = TYPE_LABELS[meeting_type] if lang == "zh" else meeting_type
    lines.append(_line(_key("type", type_field, lang), type_value, type_field, 0))
    for key, child in SCHEMA.fields.items():
        if key in ("type", "output"):
            continue
        if isinstance(child, Field):
            if key in values:
                lines.append(_line(_key(key, child, lang), values[key], child, 0))
            continue
        if key == "options":
            lines.append(OPTIONS_NOTE[lang])
            lines.append(f"# {_key(key, child, lang)}:")
            for k, f in child.fields.items():  # all commented out: a length here would override the style's
                assert isinstance(f, Field)
                if k == "style":
                    lines.append(f"#   {_key(k, f, lang)}: {'简明' if lang == 'zh' else 'concise'}  # {f.help}")
                elif k != "choices":  # fixed sentences are written by the workbench
                    lines.append(f"#   {_key(k, f, lang)}:  # {f.help}")
            continue
        if key == "review" and not any(p.startswith("review.") for p in values):
            continue
        lines.append(f"{_key(key, child, lang)}:")
        for k, f in child.fields.items():
            assert isinstance(f, Field)
            if f"{key}.{k}" in values:
                lines.append(_line(_key(k, f, lang), values[f"{key}.{k}"], f, 2))
            else:  # an optional field without a sample: shown, switched off
                lines.append(f"  # {_key(k, f, lang)}:  # {f.help}")
    return "\n".join(lines) + "\n"


def samples_left(event: Any) -> list[tuple[str, str]]:
    """(path, value) of the facts of an event that still hold a sample value of `speechgen new`."""
    found = []
    distinctive = {
        "meeting.name",
        "speaker.name",
        "meeting.leaders_present",
        "meeting.after_speech",
        "program.cadres",
        "program.to_units",
        "review.achievements",
        "review.cadres",
        "context",
        "meeting.before_speech",
        "review.shortcomings",
    }
    for path in sorted(distinctive):
        given = event.get(path)
        if given is None:
            continue
        sample_set = {
            tuple(v) if isinstance(v, list) else v
            for d in (COMMON_SAMPLE, *SAMPLES.values())
            for p, v in d.items()
            if p == path
        }
        value = tuple(given) if isinstance(given, tuple) else given
        if value in sample_set:
            found.append((path, "、".join(value) if isinstance(value, tuple) else str(value)))
    return found


def _key(key: str, node: Field | Group, lang: str) -> str:
    return node.alias if lang == "zh" else key


def _line(key: str, value: Any, f: Field, indent: int) -> str:
    pad = " " * indent
    comment = f"  # {f.help}" if f.help else ""
    shown = f"[{', '.join(str(v) for v in value)}]" if isinstance(value, list) else value
    text = f"{pad}{key}: {shown}"
    if f.required:
        comment = (comment + "（必填）") if comment else "  # 必填"
    return text + comment
