"""Markdown, plain text and JSON writers."""

from __future__ import annotations

import html
import json

from ..draft import Draft
from .titlebreak import strip_marks


def to_markdown(draft: Draft, explain: bool = False) -> str:
    """Markdown; event text is text, so &, < and > are written as entities (a title holding
    </p><img onerror=…> must not become HTML in a viewer)."""
    out: list[str] = []
    for kind, raw in draft.lines():
        text = html.escape(raw, quote=False)
        if kind == "title":
            out.append(f"# {html.escape(strip_marks(raw), quote=False)}")
        elif kind == "heading1":
            out.append(f"## {text}")
        elif kind == "heading2":
            out.append(f"### {text}")
        elif kind in ("speaker", "date"):
            out.append(f'<p align="center">{text}</p>')
        else:
            out.append(text)
    if explain:
        out.append("---")
        out.append("## 出处(--explain)")
        out.extend(f"{i}. {html.escape(line, quote=False)}" for i, line in enumerate(explain_lines(draft), 1))
    return "\n\n".join(out) + "\n"


def to_text(draft: Draft, explain: bool = False) -> str:
    out = [strip_marks(text) if kind == "title" else text for kind, text in draft.lines()]
    if explain:
        out.append("—— 出处(--explain) ——")
        out.append("\n".join(explain_lines(draft)))
    return "\n\n".join(out) + "\n"


def to_json(draft: Draft, explain: bool = False) -> str:
    data = draft.to_dict()
    data["title"] = strip_marks(data["title"])
    data["info"] = {**data["info"], "meeting": strip_marks(data["info"]["meeting"])}
    if not explain:
        for s in _sentence_dicts(data):
            s.pop("source", None)
            s.pop("slot", None)
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def _sentence_dicts(data: dict) -> list[dict]:
    found: list[dict] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if "sentences" in node:
                found.extend(node["sentences"])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(data)
    return found


def explain_lines(draft: Draft) -> list[str]:
    """「sentence」 ← slot (file:line) for every sentence that came from a bank."""
    lines = []
    for s in draft.sentences():
        origin = f"{s.slot} ({s.source})" if s.slot else s.source or "template"
        lines.append(f"「{s.shown}」 ← {origin}")
    return lines


WRITERS = {"md": to_markdown, "txt": to_text, "json": to_json}
