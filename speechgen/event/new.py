"""`speechgen new`: a commented event file for a meeting type, keys in Chinese or English.

The sample values are there to be replaced; the file validates and renders as is.
"""

from __future__ import annotations

from typing import Any

from speechgen.event.schema import SCHEMA, TYPE_LABELS, Field, Group

COMMON_SAMPLE: dict[str, Any] = {
    "meeting.date": "2026-03-16",
    "meeting.place": "县委党校报告厅",
    "meeting.organizer": "县委组织部",
    "meeting.before_speech": ["县委组织部负责同志宣读了选派干部名单"],
    "speaker.title": "县委常委、组织部部长",
    "speaker.name": "王建国",
    "speaker.on_behalf_of": "县委组织部",
    "context": ["贯彻落实全省组织工作会议精神"],
    "options.style": "formal",
    "options.minutes": 20,
}

SAMPLES: dict[str, dict[str, Any]] = {
    "mobilisation": {
        "meeting.name": "全县年轻干部挂职锻炼动员会",
        "program.kind": "挂职锻炼",
        "program.cadres": 36,
        "program.duration": "一年",
        "program.from_units": "县直机关",
        "program.to_units": "各乡镇",
        "program.tasks": ["参与乡镇中心工作", "协调推进重点项目"],
        "program.rules": ["挂职期间与原单位工作脱钩"],
    },
    "summary": {
        "meeting.name": "全县挂职干部工作总结会",
        "program.kind": "挂职锻炼",
        "review.cadres": 28,
        "review.period": "2025年3月至2026年2月",
        "review.achievements": ["协调落实项目资金1200万元", "帮助解决群众反映的问题63件"],
        "review.shortcomings": ["个别挂职干部到岗不够稳定"],
        "review.thanks": ["各派出单位", "各接收单位"],
    },
    "summary_mobilisation": {
        "meeting.name": "全县挂职干部总结暨动员会",
        "program.kind": "双向挂职",
        "program.cadres": 40,
        "program.batch": 2,
        "review.cadres": 35,
        "review.period": "2025年3月至2026年2月",
        "review.achievements": ["推动落地合作项目12个"],
        "review.thanks": ["市委组织部"],
    },
    "village_stay": {
        "meeting.name": "全县选派干部驻村蹲点工作会议",
        "program.kind": "驻村蹲点",
        "program.cadres": 120,
        "program.duration": "一年",
        "program.from_units": "县直机关和企事业单位",
        "program.to_units": "全县45个重点村",
        "program.tasks": ["建强村级班子", "发展村集体经济"],
        "program.rules": ["全年驻村时间不少于250天"],
    },
}


def new_event(meeting_type: str, lang: str = "zh") -> str:
    values = COMMON_SAMPLE | SAMPLES[meeting_type]
    lines = [
        f"# speechgen event file: {meeting_type} ({TYPE_LABELS[meeting_type]})",
        "# Replace the sample values with your meeting's facts; delete lines you do not need.",
        "# Every number, name and place in the draft comes from this file. Full contract: docs/event-format.md",
    ]
    type_value = TYPE_LABELS[meeting_type] if lang == "zh" and meeting_type != "village_stay" else meeting_type
    if lang == "zh" and meeting_type == "village_stay":
        type_value = "驻村蹲点"
    lines.append(_line(_key("type", SCHEMA.fields["type"], lang), type_value, SCHEMA.fields["type"], 0))  # type: ignore[arg-type]
    for key, child in SCHEMA.fields.items():
        if key == "type" or not isinstance(child, Group):
            if key == "context" and "context" in values:
                lines.append(_line(_key(key, child, lang), values["context"], child, 0))  # type: ignore[arg-type]
            continue
        sub = [(k, f) for k, f in child.fields.items() if f"{key}.{k}" in values]
        if not sub:
            continue
        lines.append(f"{_key(key, child, lang)}:")
        for k, f in sub:
            lines.append(_line(_key(k, f, lang), values[f"{key}.{k}"], f, 2))  # type: ignore[arg-type]
    return "\n".join(lines) + "\n"


def _key(key: str, node: Field | Group, lang: str) -> str:
    return node.alias if lang == "zh" else key


def _line(key: str, value: Any, f: Field, indent: int) -> str:
    pad = " " * indent
    comment = f"  # {f.help}" if f.help else ""
    if isinstance(value, list):
        items = ", ".join(str(v) for v in value)
        text = f"{pad}{key}: [{items}]"
    else:
        text = f"{pad}{key}: {value}"
    if f.required:
        comment = (comment + " (必填 required)") if comment else "  # (必填 required)"
    return text + comment
