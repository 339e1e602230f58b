"""The rhythm and usage of a real speech, as measures: prohibitions, 排比, mixed metaphors, quotation marks
and 两. The composer keeps a draft within them; the bank check and the draft checker report what breaks
them.
"""

from __future__ import annotations

import functools
import re

from speechgen.compose.wordfind import groups_in
from speechgen.event.numerals import liang

__all__ = ["liang", "metaphor_families", "mixed_metaphor", "parallel", "prohibitions"]

PROHIBITIONS = re.compile(r"不能|不要|严禁")
PER_THOUSAND = 1.0  # prohibitions a draft may hold per 1,000 Han characters (the genre guide: about one)

# Images a sentence may use one of; two from different families in one sentence mix metaphors.
METAPHORS = {
    "field": ("沃土", "热土", "土壤", "扎根", "根须"),
    "exam": ("考场", "考卷", "答卷", "赶考", "试金石", "考题"),
    "school": ("课堂", "大学校", "必修课", "学堂"),
    "furnace": ("熔炉", "大熔炉", "炼炉", "淬火", "磨刀石"),
    "stage": ("舞台", "大舞台", "练兵场", "主战场", "战场"),
    "bridge": ("桥梁", "纽带", "连心桥"),
    "seed": ("种子", "生根发芽", "开花结果"),
    "journey": ("赶路", "接力棒", "接力赛", "加油站", "新起点"),
}
QUOTES_WRONG = re.compile(r"[「」『』\"']")
_CLAUSE = re.compile(r"[，；、：]")
_HAN = re.compile(r"[\u4e00-\u9fff]")


@functools.lru_cache(maxsize=4096)  # the composer asks twice of every sentence it takes (budget, then count)
def prohibitions(text: str) -> int:
    return len(PROHIBITIONS.findall(text))


def metaphor_families(sentence: str) -> set[str]:
    return groups_in(sentence, METAPHORS)  # one pass of the sentence (wordfind.py)


def mixed_metaphor(sentence: str) -> bool:
    return len(metaphor_families(sentence)) > 1


@functools.lru_cache(maxsize=4096)
def parallel(sentence: str) -> bool:
    """Is this sentence a 排比: three or more clauses in a row of one length that open or close alike
    (下得去、蹲得住、干得好; 在……中……，在……中……，在……中……)?"""
    clauses = [c for c in _CLAUSE.split(sentence.rstrip("。！？；")) if c]
    run = 1
    for a, b in zip(clauses, clauses[1:], strict=False):
        la, lb = len(_HAN.findall(a)), len(_HAN.findall(b))
        alike = 2 <= la <= 12 and abs(la - lb) <= 1 and (a[0] == b[0] or a[-1] == b[-1] or a[-2:] == b[-2:])
        run = run + 1 if alike else 1
        if run >= 3:
            return True
    return False
