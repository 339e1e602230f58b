"""Which wheels a target machine needs, read from a folder of wheels alone (no index, no installing).

A target is a platform tag (``win_amd64``, ``manylinux2014_aarch64``) and a CPython version. Starting from
the requirements given (speechgen's own wheel and pip), each requirement whose marker holds *on the target*
is matched to the best wheel of the folder that the target can install (its tags, its version, its
Requires-Python), and that wheel's own requirements (read with importlib.metadata from inside the wheel)
are followed in turn. What no wheel satisfies is reported as missing: ``pip download --platform`` evaluates
markers on the machine it runs on, so a dependency only Windows needs is missed by a bundle made on Linux,
and this walk is what finds it.

Tags, markers and versions are those of the ``packaging`` copy inside pip: the same rules as the pip that
downloads and installs the wheels.
"""

from __future__ import annotations

import functools
import re
import zipfile
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from pip._vendor.packaging import tags
from pip._vendor.packaging.requirements import InvalidRequirement, Requirement
from pip._vendor.packaging.specifiers import InvalidSpecifier, SpecifierSet
from pip._vendor.packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename
from pip._vendor.packaging.version import Version

_MANYLINUX = re.compile(r"manylinux_(\d+)_(\d+)_(\w+)")
_LEGACY = {"manylinux2014": 17, "manylinux2010": 12, "manylinux1": 5}
_MUSL = re.compile(r"musllinux_(\d+)_(\d+)_(\w+)")
_MAC = re.compile(r"macosx_(\d+)_(\d+)_(\w+)")
_MACHINE = {"win_amd64": "AMD64", "win32": "x86", "win_arm64": "ARM64"}


@dataclass(frozen=True)
class Target:
    platform: str  # a wheel platform tag: win_amd64, manylinux2014_aarch64, manylinux_2_28_x86_64, macosx_11_0_arm64
    python: str  # "3.11"

    def __str__(self) -> str:
        return f"{self.platform}, Python {self.python}"

    @property
    def abi(self) -> str:
        return "cp" + self.python.replace(".", "")

    @property
    def version(self) -> tuple[int, int]:
        major, minor = self.python.split(".")
        return int(major), int(minor)


@dataclass(frozen=True)
class Missing:
    requirement: str  # as its project wrote it: "lxml>=3.1.0"
    wanted_by: str = ""  # the project that needs it ("" for a root)

    def __str__(self) -> str:
        return self.requirement + (f" (for {self.wanted_by})" if self.wanted_by else "")

    @property
    def request(self) -> str:
        """The requirement as pip should be asked for it: without its marker, which pip would judge on this
        machine ("colorama" rather than 'colorama; platform_system == "Windows"'); "" if it cannot be read."""
        req = _requirement(self.requirement)
        if req is None:
            return ""
        extras = f"[{','.join(sorted(req.extras))}]" if req.extras else ""
        return f"{req.name}{extras}{req.specifier}"


@dataclass
class Needs:
    """The outcome of the walk for one target: the wheel of each project, and what no wheel satisfies."""

    target: Target
    wheels: dict[str, str] = field(default_factory=dict)  # project (canonical) → wheel file name
    missing: list[Missing] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.missing


def expand_platform(platform: str) -> list[str]:
    """The platform tags a machine of this tag also runs, best first (manylinux_2_28 runs manylinux2014 …)."""
    legacy = platform.split("_", 1)
    if legacy[0] in _LEGACY and len(legacy) == 2:
        platform = f"manylinux_2_{_LEGACY[legacy[0]]}_{legacy[1]}"
    if m := _MANYLINUX.fullmatch(platform):
        major, minor, arch = int(m[1]), int(m[2]), m[3]
        if major != 2:
            return [platform]
        floor = 5 if arch in ("x86_64", "i686") else 17
        out = []
        for glibc in range(minor, floor - 1, -1):
            out.append(f"manylinux_2_{glibc}_{arch}")
            out += [f"{name}_{arch}" for name, at in _LEGACY.items() if at == glibc]
        return out
    if m := _MUSL.fullmatch(platform):
        return [f"musllinux_{m[1]}_{minor}_{m[3]}" for minor in range(int(m[2]), 0, -1)]
    if m := _MAC.fullmatch(platform):
        return list(tags.mac_platforms((int(m[1]), int(m[2])), m[3]))
    return [platform]


def supported_tags(target: Target) -> list[tags.Tag]:
    """Every tag the target installs, best first (pip's own order)."""
    platforms = expand_platform(target.platform)
    found = list(tags.cpython_tags(target.version, abis=[target.abi], platforms=platforms))
    found += tags.compatible_tags(target.version, target.abi, platforms)
    return found


def marker_environment(target: Target) -> dict[str, str]:
    """The values of environment markers on the target (PEP 508)."""
    platform = target.platform
    if platform.startswith("win"):
        system, sys_platform, os_name = "Windows", "win32", "nt"
        machine = _MACHINE.get(platform, platform.rsplit("_", 1)[-1].upper())
    elif platform.startswith("macosx"):
        system, sys_platform, os_name = "Darwin", "darwin", "posix"
        machine = platform.rsplit("_", 1)[-1].replace("universal2", "arm64")
    else:
        system, sys_platform, os_name = "Linux", "linux", "posix"
        arch = expand_platform(platform)[0]
        machine = arch.split("_", 3)[-1] if arch.startswith(("manylinux_", "musllinux_")) else arch.split("_", 1)[-1]
    full = f"{target.python}.0"
    return {
        "implementation_name": "cpython",
        "implementation_version": full,
        "os_name": os_name,
        "platform_machine": machine,
        "platform_python_implementation": "CPython",
        "platform_release": "",
        "platform_system": system,
        "platform_version": "",
        "python_full_version": full,
        "python_version": target.python,
        "sys_platform": sys_platform,
        "extra": "",
    }


@dataclass(frozen=True)
class Wheel:
    path: Path
    project: str  # canonical name
    version: Version
    tags: frozenset[tags.Tag]


def wheels_in(folder: Path) -> list[Wheel]:
    out = []
    for path in sorted(folder.glob("*.whl")):
        try:
            name, version, _, wheel_tags = parse_wheel_filename(path.name)
        except InvalidWheelFilename:
            continue
        out.append(Wheel(path, canonicalize_name(name), version, wheel_tags))
    return out


@functools.lru_cache(maxsize=512)
def read_metadata(path: Path) -> tuple[tuple[str, ...], str | None]:
    """(Requires-Dist lines, Requires-Python) of a wheel, read with importlib.metadata from inside it."""
    with zipfile.ZipFile(path) as z:
        info = next((n.split("/")[0] for n in z.namelist() if re.fullmatch(r"[^/]+\.dist-info/METADATA", n)), None)
    if info is None:
        return (), None
    dist = metadata.PathDistribution(zipfile.Path(path, at=f"{info}/"))
    return tuple(dist.requires or ()), dist.metadata["Requires-Python"]


def needs(folder: Path, roots: list[str], target: Target) -> Needs:
    """Walk the dependency tree of roots for target over the wheels in folder."""
    env = marker_environment(target)
    order = {tag: i for i, tag in reversed(list(enumerate(supported_tags(target))))}
    available = wheels_in(folder)
    found = Needs(target)
    queue: list[tuple[str, str]] = [(r, "") for r in roots]
    seen: set[tuple[str, str]] = set()
    while queue:
        text, wanted_by = queue.pop(0)
        req = _requirement(text)
        if req is None:
            found.missing.append(Missing(f"{text} (cannot be read)", wanted_by))
            continue
        if not wanted_by and not _applies(req, env, ""):
            continue
        wheel = _best(available, req, target, order)
        if wheel is None:
            found.missing.append(Missing(text, wanted_by))
            continue
        found.wheels.setdefault(wheel.project, wheel.path.name)
        for extra in ("", *sorted(canonicalize_name(e) for e in req.extras)):
            if (wheel.project, extra) in seen:
                continue
            seen.add((wheel.project, extra))
            for line in read_metadata(wheel.path)[0]:
                sub = _requirement(line)
                if sub is None or _applies(sub, env, extra):
                    queue.append((line, wheel.project))
    found.missing = list(dict.fromkeys(found.missing))
    return found


def _requirement(text: str) -> Requirement | None:
    try:
        return Requirement(text)
    except InvalidRequirement:
        return None


def _applies(req: Requirement, env: dict[str, str], extra: str) -> bool:
    """Whether a requirement applies on the target: for extra="" without any extra, else only through it."""
    if req.marker is None:
        return extra == ""
    if not req.marker.evaluate({**env, "extra": extra}):
        return False
    return extra == "" or not req.marker.evaluate({**env, "extra": ""})


def _best(available: list[Wheel], req: Requirement, target: Target, order: dict[tags.Tag, int]) -> Wheel | None:
    """The wheel pip would take for req on target: the highest fitting version, then the best tag."""
    name = canonicalize_name(req.name)
    python = Version(target.python)
    fitting = []
    for wheel in available:
        if wheel.project != name or not req.specifier.contains(wheel.version, prereleases=True):
            continue
        rank = min((order[t] for t in wheel.tags if t in order), default=None)
        if rank is None:
            continue
        requires_python = read_metadata(wheel.path)[1]
        if requires_python and not _python_fits(requires_python, python):
            continue
        fitting.append((wheel.version, -rank, wheel))
    return max(fitting, key=lambda f: (f[0], f[1]))[2] if fitting else None


def _python_fits(spec: str, python: Version) -> bool:
    try:
        return SpecifierSet(spec).contains(python, prereleases=True)
    except InvalidSpecifier:
        return True
