"""The setting of a speech, read from the event once: what work it is about, where the people go, who
speaks and in what role, what already happened in the room, and the words that follow from these.

Everything a bank variant may be tagged with (kinds, direction, roles, moment, front, claims) is judged
against this setting, so a draft for an assessment team never speaks of a posting and a department head
never gives orders to the Party committee.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from speechgen.compose.wordfind import groups_in
from speechgen.event.model import Event
from speechgen.event.yamlsafe import parse_single, read_text
from speechgen.resources import banks_dir, display_path

FAMILIES = ("posting", "exchange", "village", "team", "other")
DIRECTIONS = ("down", "up", "both", "any")
MOMENTS = ("before", "during", "end", "any")
SPEAKER_ROLES = ("principal", "deputy", "department")
WORD_KEYS = ("people", "group", "host", "sender", "stint", "work")

JURISDICTION = {
    "省": ("我省", "全省", "省委", "省政府"),
    "市": ("我市", "全市", "市委", "市政府"),
    "县": ("我县", "全县", "县委", "县政府"),
    "区": ("我区", "全区", "区委", "区政府"),
    "乡": ("我乡", "全乡", "乡党委", "乡政府"),
    "镇": ("我镇", "全镇", "镇党委", "镇政府"),
}


@dataclass(frozen=True)
class Lexicon:
    families: dict[str, dict[str, Any]]
    jobs: dict[str, dict[str, Any]]
    roles: dict[str, list[str]]
    departments: dict[str, dict[str, str]]
    programme: dict[str, list[str]]
    rules: dict[str, list[str]]
    achievements: dict[str, list[str]]
    claims: dict[str, list[str]]
    concepts: dict[str, list[str]] = field(default_factory=dict)

    def classify(self, table: str, text: str) -> str | None:
        """The first class of a table (rules, achievements, claims …) whose words occur in text."""
        for name, words in getattr(self, table).items():
            if any(w in text for w in words):
                return name
        return None

    def classes(self, table: str, text: str) -> set[str]:
        return {name for name, words in getattr(self, table).items() if any(w in text for w in words)}


def concepts_in(text: str, concepts: dict[str, list[str]]) -> set[str]:
    """The concepts (lexicon.yaml, "concepts") whose words a text says, in one pass of the text (wordfind.py:
    the checker calls this for every paragraph of a draft)."""
    return groups_in(text, concepts)


@functools.lru_cache(maxsize=4)
def load_lexicon(path: Path | None = None) -> Lexicon:
    path = path or banks_dir() / "lexicon.yaml"
    name = display_path(path)
    data = parse_single(read_text(path, name), name).plain()
    return Lexicon(
        families=data["families"],
        jobs=data["jobs"],
        roles=data["roles"],
        departments=data["departments"],
        programme=data["programme"],
        rules=data["rules"],
        achievements=data["achievements"],
        claims=data["claims"],
        concepts=data.get("concepts", {}),
    )


@dataclass(frozen=True)
class Setting:
    """What the banks' tags are judged against (see phrasebanks/README.md, "Tags")."""

    type: str
    family: str
    job: str  # the team's job (考核, 巡察 …), else ""
    direction: str  # down | up | both | any
    role: str  # principal | deputy | department
    united_front: bool
    selected: bool  # the people in the room are chosen already (a name list was read, or their number given)
    speeches: bool  # speeches were given before this one
    words: dict[str, str] = field(default_factory=dict)
    dept: str = ""  # the speaker's department (县委组织部), "" for a principal leader
    dept_short: str = ""  # 组织部门
    contradicted: frozenset[str] = frozenset()  # claims the event's shortcomings contradict

    @property
    def kinds(self) -> set[str]:
        """What a variant's `kinds` tag may name: the family, and the team's job."""
        return {self.family, self.job} - {""}


def settle(event: Event, lexicon: Lexicon | None = None) -> Setting:
    lex = lexicon or load_lexicon()
    kind = event.get("program.kind") or ""
    family, job = family_of(kind, event.type, lex)
    words = words_for(family, job, lex)
    if kind and family in ("posting", "village", "exchange", "other"):
        words["work"] = work_of(kind)
    direction = event.get("program.direction") or lex.families[family]["direction"]
    if family == "team":
        direction = "any"
    title = event.get("speaker.title") or ""
    role = event.get("speaker.role") or role_of(title, lex)
    dept, short = department_of(event, title, lex) if role == "department" else ("", "")
    before = event.get("meeting.before_speech") or ()
    shortcomings = event.get("review.shortcomings") or ()
    contradicted = frozenset(c for s in shortcomings for c in lex.classes("claims", s))
    return Setting(
        type=event.type,
        family=family,
        job=job,
        direction=direction,
        role=role,
        united_front=united_front(event),
        selected=any("名单" in b for b in before) or event.get("program.cadres") is not None,
        speeches=any(lex.classify("programme", b) == "speech" for b in before),
        words=words,
        dept=dept,
        dept_short=short,
        contradicted=contradicted,
    )


def words_for(family: str, job: str, lex: Lexicon) -> dict[str, str]:
    """The words of a kind of work: its people, group, host, sender, stint and work."""
    words = dict(lex.families["other"]["words"])
    words.update(lex.families[family]["words"] if family != "team" else lex.jobs[job]["words"])
    return words


WORK_ENDINGS = ("锻炼", "挂职", "蹲点", "帮扶", "交流", "工作", "实践", "活动", "行动", "任职")


def work_of(kind: str) -> str:
    """The kind as the name of the work: 驻村第一书记 → 驻村第一书记工作; 挂职锻炼 stays."""
    return kind if kind.endswith(WORK_ENDINGS) else f"{kind}工作"


def family_of(kind: str, meeting_type: str, lex: Lexicon) -> tuple[str, str]:
    """(family, job) of a programme kind; no kind: a village stay for that meeting type, else a posting."""
    if not kind:
        return ("village", "") if meeting_type == "village_stay" else ("posting", "")
    for family in ("village", "exchange"):
        if any(w in kind for w in lex.families[family]["match"]):
            return family, ""
    for job, spec in lex.jobs.items():
        if any(w in kind for w in spec["match"]):
            return "team", job
    if any(w in kind for w in lex.families["posting"]["match"]):
        return "posting", ""
    return ("village", "") if meeting_type == "village_stay" else ("other", "")


def last_post(title: str) -> str:
    return re.split(r"[、，,\s]", title.strip())[-1] if title.strip() else ""


def role_of(title: str, lex: Lexicon) -> str:
    post = last_post(title)
    if any(post.endswith(w) for w in lex.roles["deputy"]):
        return "deputy"
    if any(post.endswith(w) for w in lex.roles["department"]):
        return "department"
    if any(post.endswith(w) for w in lex.roles["principal"]):
        # 县委书记, 市委副书记 lead the committee; 纪委书记, 政法委书记 … speak for a body of it
        org = re.sub(r"副?(书记|[县市区省镇乡]长)$", "", post)
        body = org.replace("党工委", "").replace("党委", "")
        return "department" if re.search(r"纪委|政法委|工委|[部局办院]", body) else "principal"
    return "department"


def department_of(event: Event, title: str, lex: Lexicon) -> tuple[str, str]:
    """(the speaker's department, its short name): from 代表, else the title's post, else the organiser."""
    party = JURISDICTION[event.level][2]
    for text in (event.get("speaker.on_behalf_of") or "", last_post(title), event.get("meeting.organizer") or ""):
        for dept, spec in lex.departments.items():
            if dept in text:
                full = text if text.endswith(dept) and len(text) > len(dept) else f"{party}{dept}"
                return full, spec["short"]
    post = last_post(title)
    m = re.match(r"(.+?[部局办委厅])", post)
    if m:
        return m.group(1), m.group(1)
    return "", "我们"


def united_front(event: Event) -> bool:
    texts = [event.get(p) or "" for p in ("meeting.organizer", "speaker.title", "speaker.on_behalf_of", "meeting.name")]
    return (
        any("统战" in t for t in texts)
        or "党外" in (event.get("program.kind") or "")
        or any("党外" in t for t in texts)
    )


_POSTS = r"副?(?:书记|部长|主任|县长|市长|区长|省长|局长|主席|秘书长|镇长|乡长|处长|厅长|委员)"
_ORG_TAIL = set("部委局厅办府会组院")


def honorific(leader: str) -> str:
    """A leader as a salutation names him: 刘洋副书记, 李部长 (name or surname, then post).

    区委副书记刘洋 → 刘洋副书记; 市委组织部李部长 → 李部长; 李部长 → 李部长; anything else as given.
    """
    text = leader.strip()
    m = re.fullmatch(rf"(?P<org>.*?)(?P<post>{_POSTS})(?P<name>[\u4e00-\u9fff]{{2,3}})", text)
    if m and m.group("org"):
        return m.group("name") + m.group("post")
    m = re.fullmatch(rf"(?P<org>.*?)(?P<sur>[\u4e00-\u9fff])(?P<post>{_POSTS})", text)
    if m and m.group("sur") not in _ORG_TAIL and not m.group("org").endswith(("副",)):
        return m.group("sur") + m.group("post")
    return text
