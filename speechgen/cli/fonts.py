"""`speechgen fonts`: which of the layout's faces this machine has, and what stands in for the others."""

from __future__ import annotations

from pathlib import Path

import click

from speechgen.cli.say import echo
from speechgen.i18n import _


@click.command(help=_("The faces of the Word layout: installed or missing, and what Word/WPS and the PDF set instead."))
@click.option(
    "--layout", "layout", type=click.Path(path_type=Path), help=_("A --layout file whose faces to check instead.")
)
def fonts(layout: Path | None) -> None:
    from speechgen import api

    echo(api.fonts_report(api.load_layout(layout) if layout else None), nl=False)
