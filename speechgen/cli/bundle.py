"""`speechgen bundle` (an installer for machines without internet) and `speechgen shortcut` (a launcher)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from speechgen.cli.say import say
from speechgen.i18n import _


@click.command(
    help=_(
        "Collect speechgen and every wheel it needs, with install.bat and install.sh, for machines without internet. "
        "Run it on a connected machine; carry the folder (or zip) over; run the installer there."
    )
)
@click.option(
    "-o", "--output-dir", "out", required=True, type=click.Path(path_type=Path), help=_("Folder for the bundle.")
)
@click.option(
    "--platform",
    "platforms",
    multiple=True,
    metavar="TAG",
    help=_(
        "Wheel platform of the target machines (repeatable): win_amd64, manylinux2014_x86_64, "
        "manylinux2014_aarch64 … (default: this machine's)."
    ),
)
@click.option(
    "--python-version",
    "pythons",
    multiple=True,
    metavar="X.Y",
    help=_("Python versions to carry wheels for (repeatable; default 3.10 to 3.13)."),
)
@click.option("--zip", "as_zip", is_flag=True, help=_("Write one .zip instead of a folder."))
@click.option("--source", type=click.Path(path_type=Path), help=_("speechgen's source folder (default: this one)."))
@click.option("--force", is_flag=True, help=_("Replace an existing bundle of the same version."))
def bundle(
    out: Path, platforms: tuple[str, ...], pythons: tuple[str, ...], as_zip: bool, source: Path | None, force: bool
) -> None:
    from speechgen.run.bundle import PYTHON_VERSIONS, BundleSettings, make_bundle

    settings = BundleSettings(out, platforms, pythons or PYTHON_VERSIONS, as_zip, force, source)
    made = make_bundle(settings)
    count = len({w for n in made.needs for w in n.wheels.values()})
    say(
        _("{path}: speechgen {version}, {count} wheels").format(path=made.path, version=made.version, count=count),
        err=False,
    )
    for found in made.needs:
        state = "complete" if found.complete else "INCOMPLETE"
        say(
            _("  {target}: {state}, {n_wheels} wheels: {join}").format(
                target=found.target,
                state=state,
                n_wheels=len(found.wheels),
                join=", ".join(sorted(found.wheels.values())),
            )
        )
        for missing in found.missing:
            say(_("    missing: {missing}").format(missing=missing))
    for target, error in made.failed.items():
        say(_("  {target}: no wheels: {error}").format(target=target, error=error))
    if made.uncovered:
        say(_("error: nothing installs on {join}; see above").format(join=", ".join(made.uncovered)))
        sys.exit(1)
    say(_("Carry it to the office machine and run install.bat (Windows) or sh install.sh (Linux) there."))


@click.command(
    help=_("Put a speechgen shortcut on the desktop and in the start menu: it opens a terminal with speechgen ready.")
)
def shortcut() -> None:
    from speechgen.run.launcher import make_shortcuts

    made = make_shortcuts()
    say(_("launcher: {launcher}").format(launcher=made.launcher))
    for path in made.made:
        say(_("shortcut: {path}").format(path=path))
    for note in made.notes:
        say(_("note: {note}").format(note=note))
    say(_("drafts go to: {work}").format(work=made.work))
