"""The event file contract as a table: canonical keys, Chinese aliases, kinds.

``docs/event-format.md`` is the public contract; this table is its machine-readable
form (tests/test_docs.py keeps the two in step). Validation, the
``new`` command and the error messages all read it, so they cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field

MEETING_TYPES = ("mobilisation", "summary", "summary_mobilisation", "village_stay")

TYPE_ALIASES = {
    "动员会": "mobilisation",
    "动员部署会": "mobilisation",
    "挂职干部动员会": "mobilisation",
    "总结会": "summary",
    "总结表彰会": "summary",
    "总结暨动员会": "summary_mobilisation",
    "总结动员会": "summary_mobilisation",
    "推进会": "summary_mobilisation",
    "驻村蹲点": "village_stay",
    "驻村蹲点工作会议": "village_stay",
    "选派干部驻村蹲点工作会议": "village_stay",
}

TYPE_LABELS = {
    "mobilisation": "动员会",
    "summary": "总结会",
    "summary_mobilisation": "总结暨动员会",
    "village_stay": "驻村蹲点工作会议",
}

# options.style: the built-in styles by their Chinese names (a user's own style is named by its folder;
# a spreadsheet's dropdown offers these; 正式版 works too)
STYLE_LABELS = {"formal": "正式", "warm": "温情", "concise": "简明"}
STYLE_ALIASES = {label + suffix: key for key, label in STYLE_LABELS.items() for suffix in ("", "版")} | {
    "简洁": "concise",
    "温馨": "warm",
}


def style_key(name: str) -> str:
    """formal for 正式, warm for 温情, concise for 简明; any other name as given."""
    return STYLE_ALIASES.get(name.strip(), name.strip())


LEVELS = ("省", "市", "县", "区", "乡", "镇")

# speaker.role: who may be given orders in the speech (genre guide, "what makes a draft fit its meeting")
ROLES = ("principal", "deputy", "department")
ROLE_LABELS = {"principal": "主要负责同志", "deputy": "分管负责同志", "department": "部门负责同志"}
ROLE_ALIASES = {label: key for key, label in ROLE_LABELS.items()}

# program.direction: where the people go
DIRECTIONS = ("down", "up", "both")
DIRECTION_LABELS = {"down": "下派", "up": "上挂", "both": "双向"}
DIRECTION_ALIASES = {label: key for key, label in DIRECTION_LABELS.items()}


@dataclass(frozen=True)
class Field:
    """One leaf of the event file."""

    alias: str
    kind: str  # text | texts | int | date | level | type | points | length | minutes | seed | style | filename |
    # role | direction | choices
    required: bool = False
    help: str = ""


@dataclass(frozen=True)
class Group:
    """A mapping of fields (meeting, speaker, …)."""

    alias: str
    fields: dict[str, Field | Group] = field(default_factory=dict)
    help: str = ""


SCHEMA = Group(
    "",
    {
        "type": Field("类型", "type", True, "mobilisation / summary / summary_mobilisation / village_stay"),
        "meeting": Group(
            "会议",
            {
                "name": Field("名称", "text", True, "会议名称"),
                "date": Field("日期", "date", True, "YYYY-MM-DD 或 2026年3月16日"),
                "place": Field("地点", "text", help="会议地点"),
                "level": Field("层级", "level", help="省/市/县/区/乡/镇; 缺省时从会议名称推断"),
                "organizer": Field("主办", "text", help="主办单位"),
                "before_speech": Field("会前议程", "texts", help="讲话前已进行的议程(刚才……)"),
                "leaders_present": Field("出席领导", "texts", help="出席会议的上级领导"),
                "after_speech": Field("会后议程", "texts", help="本讲话之后的议程(讲话人交接,如:县委书记作重要讲话)"),
            },
        ),
        "speaker": Group(
            "讲话人",
            {
                "title": Field("职务", "text", True, "讲话人职务"),
                "name": Field("姓名", "text", help="讲话人姓名"),
                "on_behalf_of": Field("代表", "text", help="代表哪个单位讲话(我代表……)"),
                "role": Field("角色", "role", help="主要负责同志/分管负责同志/部门负责同志; 缺省时从职务推断"),
            },
        ),
        "program": Group(
            "工作",
            {
                "kind": Field("类别", "text", help="挂职锻炼/双向挂职/驻村蹲点/考核/督导/巡察/其他短语"),
                "direction": Field("方向", "direction", help="下派/上挂/双向; 缺省时从类别推断"),
                "cadres": Field("人数", "int", help="选派干部人数"),
                "batch": Field("批次", "int", help="第几批"),
                "duration": Field("期限", "text", help="挂职或驻村期限"),
                "from_units": Field("派出单位", "text"),
                "to_units": Field("接收单位", "text"),
                "tasks": Field("任务", "texts", help="主要任务,每项一个短语"),
                "rules": Field("纪律要求", "texts", help="纪律和管理要求,每项一个短语"),
            },
        ),
        "review": Group(
            "回顾",
            {
                "cadres": Field("人数", "int", help="上一批干部人数"),
                "period": Field("期间", "text", help="上一批的工作期间"),
                "achievements": Field("成效", "texts", help="取得的成效,每项一个事实"),
                "shortcomings": Field("不足", "texts", help="存在的不足"),
                "thanks": Field("致谢", "texts", help="需要感谢的单位"),
            },
        ),
        "context": Field("背景", "texts", help="政策背景,按原文使用"),
        "options": Group(
            "选项",
            {
                "style": Field("风格", "style", help="formal/warm/concise/自定义风格"),
                "points": Field("要点数", "points", help="主体部分的点数, 2–5"),
                "length": Field("字数", "length", help="目标汉字数"),
                "minutes": Field("时长", "minutes", help="讲话时长(分钟), 与字数二选一"),
                "seed": Field("随机种子", "seed", help="相同事件+相同种子 → 相同讲稿"),
                "choices": Field("固定", "choices", help="固定的句子(位置: 句子), 由工作台写入; 重新生成时保留"),
            },
        ),
        "output": Field("输出", "filename", help="输出文件名(只是文件名,不含路径)"),
    },
)

REVIEW_TYPES = ("summary", "summary_mobilisation")
POINTS_RANGE = (2, 5)
LENGTH_RANGE = (800, 12_000)
DEFAULT_RATE = 180  # Han characters a minute: the planning rate of meeting speeches (150–200)
RATE_RANGE = (100, 300)
MINUTES_RANGE = (5, 60)  # at the default 180 characters a minute: 900 to 10,800, inside LENGTH_RANGE
MAX_TEXT = 300
MAX_ITEMS = 30


def alias_of(path: tuple[str, ...]) -> str:
    """The Chinese alias of a canonical key path, e.g. ('program', 'cadres') → 人数."""
    node: Field | Group = SCHEMA
    for part in path:
        assert isinstance(node, Group)
        node = node.fields[part]
    return node.alias


def leaves(group: Group = SCHEMA, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Field]]:
    """Every (canonical path, Field) in schema order."""
    out: list[tuple[tuple[str, ...], Field]] = []
    for key, child in group.fields.items():
        if isinstance(child, Group):
            out.extend(leaves(child, prefix + (key,)))
        else:
            out.append((prefix + (key,), child))
    return out


FIELD_PATHS = frozenset(".".join(p) for p, _ in leaves())
