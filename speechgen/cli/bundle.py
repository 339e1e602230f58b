"""`speechgen bundle` (an installer for machines without internet) and `speechgen shortcut` (a launcher)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from speechgen.cli.say import say


@click.command()
@click.option(
    "-o", "--output-dir", "out", required=True, type=click.Path(path_type=Path), help="Folder for the bundle."
)
@click.option(
    "--platform",
    "platforms",
    multiple=True,
    metavar="TAG",
    help="Wheel platform of the target machines (repeatable): win_amd64, manylinux2014_x86_64, "
    "manylinux2014_aarch64 … (default: this machine's).",
)
@click.option(
    "--python-version",
    "pythons",
    multiple=True,
    metavar="X.Y",
    help="Python versions to carry wheels for (repeatable; default 3.10 to 3.13).",
)
@click.option("--zip", "as_zip", is_flag=True, help="Write one .zip instead of a folder.")
@click.option("--source", type=click.Path(path_type=Path), help="speechgen's source folder (default: this one).")
@click.option("--force", is_flag=True, help="Replace an existing bundle of the same version.")
def bundle(
    out: Path, platforms: tuple[str, ...], pythons: tuple[str, ...], as_zip: bool, source: Path | None, force: bool
) -> None:
    """Collect speechgen and every wheel it needs, with install.bat and install.sh, for machines without
    internet. Run it on a connected machine; carry the folder (or zip) over; run the installer there."""
    from speechgen.run.bundle import PYTHON_VERSIONS, BundleSettings, make_bundle

    settings = BundleSettings(out, platforms, pythons or PYTHON_VERSIONS, as_zip, force, source)
    made = make_bundle(settings)
    count = len({w for n in made.needs for w in n.wheels.values()})
    say(f"{made.path}: speechgen {made.version}, {count} wheels", err=False)
    for found in made.needs:
        state = "complete" if found.complete else "INCOMPLETE"
        say(f"  {found.target}: {state}, {len(found.wheels)} wheels: {', '.join(sorted(found.wheels.values()))}")
        for missing in found.missing:
            say(f"    missing: {missing}")
    for target, error in made.failed.items():
        say(f"  {target}: no wheels: {error}")
    if made.uncovered:
        say(f"error: nothing installs on {', '.join(made.uncovered)}; see above")
        sys.exit(1)
    say("Carry it to the office machine and run install.bat (Windows) or sh install.sh (Linux) there.")


@click.command()
def shortcut() -> None:
    """Put a speechgen shortcut on the desktop and in the start menu: it opens a terminal with speechgen ready."""
    from speechgen.run.launcher import make_shortcuts

    made = make_shortcuts()
    say(f"launcher: {made.launcher}")
    for path in made.made:
        say(f"shortcut: {path}")
    for note in made.notes:
        say(f"note: {note}")
    say(f"drafts go to: {made.work}")
