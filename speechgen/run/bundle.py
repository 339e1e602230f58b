"""`speechgen bundle`: everything an office machine without internet needs, in one folder or zip.

On a connected machine: speechgen's own wheel is built from its source (`pip wheel --no-deps`), then the
wheels of every dependency (and of pip) are downloaded for each target, a platform tag and a CPython
version (`pip download --only-binary=:all: --platform … --python-version … --implementation cp --abi …`,
targets in parallel, pip's own cache and index settings honoured). The folder is then checked against the
dependency tree as the target sees it (wheels.py); what pip missed because it judged markers on this machine
is downloaded too, and whatever stays missing is reported. install.sh, install.bat and README.txt
(installers.py) and bundle.json (what each target needs) complete it. Nothing is printed here: the
outcome is returned.

The bundle is built in a hidden folder beside its final place and renamed into place at the end, so an
interrupted run leaves no half bundle under the real name; an existing bundle is replaced only with force.
"""

from __future__ import annotations

import json
import os
import platform as host
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import speechgen
from speechgen.errors import ConfigError, OutputError
from speechgen.i18n import _
from speechgen.run.installers import install_bat, install_sh, readme_txt
from speechgen.run.wheels import Needs, Target, expand_platform, needs

PYTHON_VERSIONS = ("3.10", "3.11", "3.12", "3.13")
MIN_PYTHON = (3, 10)  # pyproject.toml: requires-python
PLATFORM = re.compile(
    r"win32|win_amd64|win_arm64|manylinux(1|2010|2014)_\w+|manylinux_\d+_\d+_\w+|musllinux_\d+_\d+_\w+"
    r"|macosx_\d+_\d+_\w+|linux_\w+"
)
EXTRA_ROUNDS = 3  # downloads of what the walk finds missing, per target
PARALLEL = 8  # pip downloads at once: each mostly waits on the index
Pip = Callable[[list[str]], subprocess.CompletedProcess]


@dataclass(frozen=True)
class BundleSettings:
    folder: Path  # the bundle goes into folder/speechgen-<version>-offline(.zip)
    platforms: tuple[str, ...] = ()  # none: this machine's
    pythons: tuple[str, ...] = PYTHON_VERSIONS
    as_zip: bool = False
    force: bool = False
    source: Path | None = None  # speechgen's source (pyproject.toml); default: this installation's, or the cwd


@dataclass
class Bundle:
    path: Path
    version: str
    own_wheel: str
    needs: list[Needs] = field(default_factory=list)  # the targets pip could download for
    failed: dict[Target, str] = field(default_factory=dict)  # the others: pip's last words

    def covered(self, platform: str) -> list[str]:
        return [n.target.python for n in self.needs if n.target.platform == platform and n.complete]

    @property
    def uncovered(self) -> list[str]:
        """Platforms no Python version of the bundle can install on."""
        return [p for p in dict.fromkeys(n.target.platform for n in self.all_targets) if not self.covered(p)]

    @property
    def all_targets(self) -> list[Needs]:
        return self.needs + [Needs(t) for t in self.failed]


def this_platform(system: str | None = None, machine: str | None = None, libc: tuple[str, str] | None = None) -> str:
    """This machine's wheel platform tag: win_amd64, manylinux_2_36_x86_64, macosx_14_0_arm64."""
    system = system or host.system()
    machine = (machine or host.machine()).lower()
    if system == "Windows":
        return {"amd64": "win_amd64", "x86_64": "win_amd64", "arm64": "win_arm64"}.get(machine, "win32")
    if system == "Darwin":
        major = int((host.mac_ver()[0] or "11").split(".")[0])
        return f"macosx_{major}_0_{'arm64' if machine in ('arm64', 'aarch64') else 'x86_64'}"
    name, version = libc or host.libc_ver()
    m = re.match(r"(\d+)\.(\d+)", version)
    if system == "Linux" and name == "glibc" and m:
        return f"manylinux_{m[1]}_{m[2]}_{'aarch64' if machine == 'arm64' else machine}"
    raise ConfigError(
        _("cannot tell this machine's wheel platform ({system}, {machine}); give --platform").format(
            system=system, machine=machine
        )
    )


def targets(settings: BundleSettings) -> list[Target]:
    platforms = settings.platforms or (this_platform(),)
    bad = [p for p in platforms if not PLATFORM.fullmatch(p)]
    if bad:
        raise ConfigError(
            _(
                "--platform {bad}: not a wheel platform tag (examples: win_amd64, manylinux2014_x86_64, "
                "manylinux2014_aarch64, macosx_11_0_arm64)"
            ).format(bad=bad[0])
        )
    for python in settings.pythons:
        m = re.fullmatch(r"3\.(\d+)", python)
        if not m or (3, int(m[1])) < MIN_PYTHON:
            raise ConfigError(
                _("--python-version {python}: give 3.10 or later, as 3.12 (speechgen needs 3.10)").format(python=python)
            )
    return [Target(p, v) for p in dict.fromkeys(platforms) for v in dict.fromkeys(settings.pythons)]


def run_pip(args: list[str]) -> subprocess.CompletedProcess:
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_NO_INPUT": "1", "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [sys.executable, "-m", "pip", *args], env=env, capture_output=True, text=True, encoding="utf-8",
        errors="replace", check=False,
    )  # fmt: skip


def make_bundle(settings: BundleSettings, pip: Pip | None = None) -> Bundle:
    """Build the bundle settings ask for; pip runs pip (default: this interpreter's, as a subprocess)."""
    pip = pip or run_pip
    wanted = targets(settings)
    source = find_source(settings.source)
    folder = settings.folder
    if folder.exists() and not folder.is_dir():
        raise OutputError(_("{folder}: exists and is not a folder").format(folder=folder))
    folder.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".speechgen-bundle-", dir=folder))
    try:
        wheels = work / "wheels"
        wheels.mkdir()
        own = build_wheel(source, wheels, folder, pip)
        version = own.name.split("-")[1]
        final = folder / f"speechgen-{version}-offline{'.zip' if settings.as_zip else ''}"
        _check_target(final, settings.force)
        bundle = Bundle(final, version, own.name)
        roots = [f"speechgen[web]=={version}", "pip"]  # the workbench too: the office has no internet
        platforms: dict[str, list[Target]] = {}
        for target in wanted:
            platforms.setdefault(target.platform, []).append(target)
        with ThreadPoolExecutor(max_workers=min(PARALLEL, len(wanted))) as pool:
            for failed in pool.map(lambda ts: _seed(pip, ts, [str(own), "pip"], work, wheels), platforms.values()):
                bundle.failed.update(failed)
            rest = [t for t in wanted if t not in bundle.failed]
            bundle.needs = list(pool.map(lambda t: _complete(pip, t, roots, work, wheels), rest))
        _write_scripts(work, bundle)
        _finish(work, final, settings.as_zip, settings.force)
        return bundle
    finally:
        shutil.rmtree(work, ignore_errors=True)


def find_source(given: Path | None) -> Path:
    """The folder whose pyproject.toml builds speechgen."""
    here = Path(speechgen.__file__).resolve().parent.parent
    for folder in [given] if given else [here, Path.cwd()]:
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file() and re.search(r'^name\s*=\s*"speechgen"', pyproject.read_text("utf-8"), re.M):
            return folder
    where = f"{given}: no speechgen pyproject.toml there" if given else "this installation is not a source checkout"
    raise ConfigError(
        _("{where}; give --source with the folder of speechgen's source (its pyproject.toml)").format(where=where)
    )


def build_wheel(source: Path, wheels: Path, out: Path, pip: Pip) -> Path:
    """speechgen's wheel, built from a clean copy of source (no stale build/, no earlier bundles inside)."""
    copy = wheels.parent / "source"
    skip = {out.resolve()}

    def ignore(folder: str, names: list[str]) -> list[str]:
        junk = shutil.ignore_patterns(".*", "build", "dist", "*.egg-info", "__pycache__")(folder, names)
        return [n for n in names if n in junk or (Path(folder) / n).resolve() in skip]

    shutil.copytree(source, copy, ignore=ignore)
    done = pip(["wheel", "--no-deps", "--wheel-dir", str(wheels), str(copy)])
    shutil.rmtree(copy, ignore_errors=True)
    built = sorted(wheels.glob("speechgen-*.whl"))
    if done.returncode != 0 or not built:
        raise OutputError(
            _("cannot build speechgen's wheel from {source}: {last_words}").format(
                source=source, last_words=_last_words(done)
            )
        )
    return built[-1]


def _seed(pip: Pip, targets: list[Target], requirements: list[str], work: Path, wheels: Path) -> dict[Target, str]:
    """Download the whole tree for the first target of a platform pip can serve (its pure-Python wheels then
    serve the platform's other Python versions too); the targets before it, with pip's last words."""
    failed = {}
    for target in targets:
        error = _download(pip, target, requirements, work, wheels)
        if not error:
            break
        failed[target] = error
    return failed


def _complete(pip: Pip, target: Target, roots: list[str], work: Path, wheels: Path) -> Needs:
    """Walk the tree for target; download what it lacks (another Python's binary wheels, and what pip left out
    by judging markers on this machine), until nothing is missing or pip cannot help."""
    found = needs(wheels, roots, target)
    for _round in range(EXTRA_ROUNDS):
        asked = [m.request for m in found.missing if m.request]
        if not asked or _download(pip, target, asked, work, wheels):
            break
        found = needs(wheels, roots, target)
    return found


def _download(pip: Pip, target: Target, requirements: list[str], work: Path, wheels: Path) -> str:
    """pip download for one target into a folder of its own, then into wheels; "" when done, else pip's last
    words."""
    dest = work / f"dl-{target.platform}-{target.python}"
    dest.mkdir(exist_ok=True)
    args = ["download", "--dest", str(dest), "--only-binary=:all:", "--implementation", "cp"]
    args += ["--python-version", target.python, "--abi", target.abi, "--progress-bar", "off"]
    for tag in expand_platform(target.platform):
        args += ["--platform", tag]
    args += ["--find-links", str(wheels)]  # what another target downloaded is not fetched again
    done = pip([*args, *requirements])
    for wheel in dest.glob("*.whl"):
        if (wheels / wheel.name).exists():
            wheel.unlink()
        else:
            os.replace(wheel, wheels / wheel.name)
    return "" if done.returncode == 0 else _last_words(done)


def _last_words(done: subprocess.CompletedProcess) -> str:
    lines = [line.strip() for line in (done.stderr or "").splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("ERROR")]
    return " ".join((errors or lines)[-2:]) or f"pip exited with {done.returncode}"


def _check_target(final: Path, force: bool) -> None:
    if not (final.exists() or final.is_symlink()):
        return
    if not force:
        raise OutputError(_("{final}: exists; use --force to overwrite").format(final=final))
    if final.is_dir() and not (final / "bundle.json").is_file():
        raise OutputError(_("{final}: exists and is not a bundle; not replacing it").format(final=final))


def _write_scripts(work: Path, bundle: Bundle) -> None:
    platforms = list(dict.fromkeys(n.target.platform for n in bundle.all_targets))
    windows = [p for p in platforms if p.startswith("win")]
    posix = [p for p in platforms if not p.startswith("win")]
    newest = sorted({v for p in windows for v in bundle.covered(p)}, key=_key, reverse=True)
    newest_posix = sorted({v for p in posix for v in bundle.covered(p)}, key=_key, reverse=True)
    machines = sorted({_machine(p) for p in posix if bundle.covered(p)})
    listed = [f"{p}: Python {', '.join(bundle.covered(p)) or '(none)'}" for p in platforms]
    (work / "install.sh").write_bytes(install_sh(newest_posix, machines, ", ".join(platforms)))
    (work / "install.sh").chmod(0o755)
    (work / "install.bat").write_bytes(install_bat(newest, ", ".join(platforms)))
    (work / "README.txt").write_bytes(readme_txt(bundle.version, listed, newest, newest_posix))
    manifest = {
        "speechgen": bundle.version,
        "targets": [
            {
                "platform": n.target.platform,
                "python": n.target.python,
                "complete": n.complete,
                "wheels": sorted(n.wheels.values()),
                "missing": [str(m) for m in n.missing],
            }
            for n in bundle.needs
        ],
        "failed": [{"platform": t.platform, "python": t.python, "error": e} for t, e in bundle.failed.items()],
    }
    (work / "bundle.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _key(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split("."))


def _machine(platform: str) -> str:
    """The `uname -m` of a POSIX platform tag."""
    first = expand_platform(platform)[0]
    parts = first.split("_", 3) if first.startswith(("manylinux_", "musllinux_", "macosx_")) else first.split("_", 1)
    machine = parts[-1]
    return "arm64" if first.startswith("macosx_") and machine == "universal2" else machine


def _finish(work: Path, final: Path, as_zip: bool, force: bool) -> None:
    """Move the finished bundle under its name: the folder renamed, or zipped as one folder."""
    for leftover in work.glob("dl-*"):
        shutil.rmtree(leftover, ignore_errors=True)
    if as_zip:
        tmp = final.with_name(f".{final.name}.tmp-{os.getpid()}")
        try:
            with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
                for path in sorted(work.rglob("*")):
                    if path.is_file():
                        info = zipfile.ZipInfo.from_file(path, f"{final.stem}/{path.relative_to(work).as_posix()}")
                        info.external_attr = (0o755 if path.name.endswith(".sh") else 0o644) << 16
                        info.compress_type = zipfile.ZIP_DEFLATED
                        z.writestr(info, path.read_bytes())
            os.replace(tmp, final)
        finally:
            tmp.unlink(missing_ok=True)
        return
    if force and final.exists():
        shutil.rmtree(final) if final.is_dir() and not final.is_symlink() else final.unlink()
    os.replace(work, final)
