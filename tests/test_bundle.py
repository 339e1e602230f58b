"""`speechgen bundle` and `speechgen shortcut` (issue: air-gapped, Windows, 信创 Linux on ARM).

Most tests run offline against a fake index of fake wheels and a fake pip that, like the real one, judges
markers on this (Linux) machine; the walk of the dependency tree must find what that leaves out. The tests
marked `network` build real bundles from PyPI: one for this machine, installed with no index reachable and
then drafting an example, and one for Windows and ARM64 Linux, checked against the dependency tree.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import shutil
import socket
import stat
import subprocess
import sys
import urllib.request
import zipfile
from importlib import metadata
from pathlib import Path

import pytest

from speechgen.cli import main
from speechgen.errors import ConfigError, OutputError
from speechgen.run import bundle as B
from speechgen.run import launcher
from speechgen.run.installers import install_bat, install_sh
from speechgen.run.wheels import Target, expand_platform, marker_environment, needs

from .conftest import ROOT, draftable

DEPS = ("jinja2>=3.1.2,<4", "pyyaml>=6.0.1,<7", "python-docx>=1.2,<2", "click>=8.2,<9")
PURE = {  # project, version: Requires-Dist
    ("jinja2", "3.1.6"): ["MarkupSafe>=2.0", 'Babel>=2.7; extra == "i18n"'],
    ("click", "8.2.1"): ['colorama; platform_system == "Windows"'],
    ("colorama", "0.4.6"): [],
    ("python-docx", "1.2.0"): ["lxml>=3.1.0", "typing_extensions>=4.9.0"],
    ("typing_extensions", "4.16.0"): [],
    ("pip", "26.0"): [],
}
BINARY = (("markupsafe", "3.0.4"), ("pyyaml", "6.0.4"), ("lxml", "6.1.3"))


def fake_wheel(folder: Path, name: str, version: str, tag: str = "py3-none-any", requires=(), python=None) -> Path:  # noqa: ANN001
    dist = f"{name.replace('-', '_')}-{version}"
    path = folder / f"{dist}-{tag}.whl"
    meta = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    meta += f"Requires-Python: {python}\n" if python else ""
    meta += "".join(f"Requires-Dist: {r}\n" for r in requires)
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(f"{dist}.dist-info/METADATA", meta)
        z.writestr(f"{dist}.dist-info/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\n")
    return path


def fake_index(folder: Path, without: tuple[str, ...] = ()) -> Path:
    """Every wheel speechgen's dependencies have, for Windows and Linux on x86-64 and ARM64, Python 3.10–3.13."""
    folder.mkdir(parents=True, exist_ok=True)
    for (name, version), requires in PURE.items():
        if name not in without:
            fake_wheel(folder, name, version, requires=requires)
    for name, version in BINARY:
        for py in ("310", "311", "312", "313"):
            for platform in ("win_amd64", "manylinux_2_17_x86_64.manylinux2014_x86_64", "manylinux2014_aarch64"):
                if f"{name}-{py}-{platform}" not in without:
                    fake_wheel(folder, name, version, f"cp{py}-cp{py}-{platform}")
    return folder


class FakePip:
    """pip wheel and pip download over a fake index; like pip, markers are judged on this Linux machine."""

    VALUED = {"--dest", "--implementation", "--python-version", "--abi", "--platform", "--progress-bar", "--find-links"}

    def __init__(self, index: Path) -> None:
        self.index, self.calls = index, []

    def __call__(self, args: list[str]) -> subprocess.CompletedProcess:
        self.calls.append(args)
        if args[0] == "wheel":
            built = fake_wheel(Path(args[args.index("--wheel-dir") + 1]), "speechgen", "0.1.0", requires=DEPS)
            shutil.copy(built, self.index)
            return subprocess.CompletedProcess(args, 0, "", "")
        dest, python = Path(args[args.index("--dest") + 1]), args[args.index("--python-version") + 1]
        wanted, skip = [], False
        for arg in args[1:]:
            if not skip and not arg.startswith("-"):
                wanted.append("speechgen" if arg.endswith(".whl") else arg)
            skip = arg in self.VALUED
        found = needs(self.index, wanted, Target(args[args.index("--platform") + 1], python))
        asked = any(w.startswith("colorama") for w in wanted)
        found.missing = [m for m in found.missing if asked or not m.requirement.startswith("colorama")]
        if found.missing:
            return subprocess.CompletedProcess(
                args, 1, "", f"ERROR: No matching distribution found for {found.missing[0]}"
            )
        for name in found.wheels.values():
            if not name.startswith("colorama") or asked:
                shutil.copy(self.index / name, dest)  # colorama's marker is false here: pip leaves it out
        return subprocess.CompletedProcess(args, 0, "Successfully downloaded", "")


@pytest.fixture
def fake_pip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakePip:
    fake = FakePip(fake_index(tmp_path / "index"))
    monkeypatch.setattr(B, "run_pip", fake)
    return fake


def settings(tmp_path: Path, *platforms: str, **kw) -> B.BundleSettings:  # noqa: ANN003
    return B.BundleSettings(tmp_path / "dist", platforms, kw.pop("pythons", ("3.10", "3.13")), source=ROOT, **kw)


# -- the walk of the dependency tree ------------------------------------------------------------------


def test_the_walk_judges_markers_tags_and_versions_for_the_target(tmp_path: Path) -> None:
    index = fake_index(tmp_path / "index")
    fake_wheel(index, "markupsafe", "9.0", "cp313-cp313-win_amd64", python=">=3.13")
    roots = list(DEPS)
    win = needs(index, roots, Target("win_amd64", "3.12"))
    assert win.complete and "colorama" in win.wheels
    assert win.wheels["lxml"] == "lxml-6.1.3-cp312-cp312-win_amd64.whl"
    assert win.wheels["markupsafe"] == "markupsafe-3.0.4-cp312-cp312-win_amd64.whl"  # 9.0 needs Python 3.13
    assert (
        needs(index, roots, Target("win_amd64", "3.13")).wheels["markupsafe"]
        == "markupsafe-9.0-cp313-cp313-win_amd64.whl"
    )
    arm = needs(index, roots, Target("manylinux2014_aarch64", "3.13"))
    assert arm.complete and "colorama" not in arm.wheels and "babel" not in arm.wheels
    assert arm.wheels["pyyaml"] == "pyyaml-6.0.4-cp313-cp313-manylinux2014_aarch64.whl"
    x86 = needs(index, roots, Target("manylinux_2_28_x86_64", "3.11"))  # a newer glibc runs manylinux2014 wheels
    assert x86.wheels["lxml"] == "lxml-6.1.3-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"


def test_what_no_wheel_satisfies_is_named_with_what_needs_it(tmp_path: Path) -> None:
    index = fake_index(tmp_path / "index", without=("colorama", "lxml-313-manylinux2014_aarch64"))
    win = needs(index, list(DEPS), Target("win_amd64", "3.10"))
    assert [str(m) for m in win.missing] == ['colorama; platform_system == "Windows" (for click)']
    arm = needs(index, list(DEPS), Target("manylinux2014_aarch64", "3.13"))
    assert [str(m) for m in arm.missing] == ["lxml>=3.1.0 (for python-docx)"] and not arm.complete
    assert needs(index, ["python-docx>=2"], Target("win_amd64", "3.10")).missing[0].requirement == "python-docx>=2"


def test_extras_are_followed_only_when_asked_for(tmp_path: Path) -> None:
    index = fake_index(tmp_path / "index")
    fake_wheel(index, "babel", "2.17.0")
    assert "babel" not in needs(index, ["jinja2"], Target("win_amd64", "3.11")).wheels
    assert "babel" in needs(index, ["jinja2[i18n]"], Target("win_amd64", "3.11")).wheels


def test_platform_tags_and_marker_values_of_a_target() -> None:
    assert expand_platform("manylinux2014_aarch64") == ["manylinux_2_17_aarch64", "manylinux2014_aarch64"]
    assert expand_platform("manylinux_2_28_aarch64")[:2] == ["manylinux_2_28_aarch64", "manylinux_2_27_aarch64"]
    assert expand_platform("manylinux2014_x86_64")[-2:] == ["manylinux_2_5_x86_64", "manylinux1_x86_64"]
    assert "manylinux2010_x86_64" in expand_platform("manylinux_2_17_x86_64")
    assert expand_platform("win_amd64") == ["win_amd64"]
    assert "macosx_10_9_x86_64" in expand_platform("macosx_11_0_x86_64")
    env = marker_environment(Target("win_amd64", "3.12"))
    assert (env["platform_system"], env["sys_platform"], env["platform_machine"], env["os_name"]) == (
        "Windows",
        "win32",
        "AMD64",
        "nt",
    )
    env = marker_environment(Target("manylinux2014_aarch64", "3.10"))
    assert (env["platform_system"], env["platform_machine"], env["python_version"]) == ("Linux", "aarch64", "3.10")


@pytest.mark.parametrize(
    ("system", "machine", "libc", "expected"),
    [
        ("Windows", "AMD64", None, "win_amd64"),
        ("Windows", "ARM64", None, "win_arm64"),
        ("Linux", "x86_64", ("glibc", "2.28"), "manylinux_2_28_x86_64"),
        ("Linux", "aarch64", ("glibc", "2.31"), "manylinux_2_31_aarch64"),
    ],
)
def test_this_machines_platform(system: str, machine: str, libc, expected: str) -> None:  # noqa: ANN001
    assert B.this_platform(system, machine, libc) == expected


def test_an_unknown_platform_asks_for_one() -> None:
    with pytest.raises(ConfigError, match=r"^cannot tell this machine's wheel platform \(Linux, x86_64\); give"):
        B.this_platform("Linux", "x86_64", ("musl", "1.2"))


# -- building a bundle (fake pip) ---------------------------------------------------------------------


def test_a_bundle_holds_every_wheel_each_target_needs_and_its_installers(tmp_path: Path, fake_pip: FakePip) -> None:
    made = B.make_bundle(settings(tmp_path, "win_amd64", "manylinux2014_aarch64"))
    folder = tmp_path / "dist" / "speechgen-0.1.0-offline"
    assert made.path == folder and not made.failed and made.uncovered == []
    assert sorted(p.name for p in folder.iterdir()) == [
        "README.txt",
        "bundle.json",
        "install.bat",
        "install.sh",
        "wheels",
    ]
    assert [p.name for p in (tmp_path / "dist").iterdir()] == [folder.name]  # no work folder left
    on_disk = {p.name for p in (folder / "wheels").iterdir()}
    for found in made.needs:
        assert found.complete, found.target
        assert set(found.wheels.values()) <= on_disk
        assert ("colorama" in found.wheels) == (found.target.platform == "win_amd64")  # fetched after the walk
    manifest = json.loads((folder / "bundle.json").read_text(encoding="utf-8"))
    assert [(t["platform"], t["python"], t["complete"]) for t in manifest["targets"]] == [
        ("win_amd64", "3.10", True),
        ("win_amd64", "3.13", True),
        ("manylinux2014_aarch64", "3.10", True),
        ("manylinux2014_aarch64", "3.13", True),
    ]
    downloads = [c for c in fake_pip.calls if c[0] == "download"]
    assert all("--only-binary=:all:" in c and c[c.index("--implementation") + 1] == "cp" for c in downloads)
    assert any(c[6:10] == ["--python-version", "3.13", "--abi", "cp313"] for c in downloads)
    # the whole tree once a platform (Python 3.10); then for each target only what the walk finds missing
    asked = sorted(
        (c[c.index("--platform") + 1], c[7], sorted(Path(r).name for r in c[c.index("--find-links") + 2 :]))
        for c in downloads
    )
    binary = ["MarkupSafe>=2.0", "lxml>=3.1.0", "pyyaml<7,>=6.0.1"]
    assert [a for a in asked if a[1] == "3.10"] == [
        ("manylinux_2_17_aarch64", "3.10", ["pip", "speechgen-0.1.0-py3-none-any.whl"]),
        ("win_amd64", "3.10", ["colorama"]),  # left out by pip, judging its marker on Linux
        ("win_amd64", "3.10", ["pip", "speechgen-0.1.0-py3-none-any.whl"]),
    ]
    assert [a for a in asked if a[1] == "3.13"] == [
        ("manylinux_2_17_aarch64", "3.13", binary),
        ("win_amd64", "3.13", sorted([*binary, "colorama"])),
    ]
    sh = (folder / "install.sh").read_text(encoding="utf-8")
    assert 'VERSIONS="3.13 3.10"' in sh and 'MACHINES="aarch64"' in sh and os.access(folder / "install.sh", os.X_OK)
    assert 'set "VERSIONS=3.13 3.10"' in (folder / "install.bat").read_text(encoding="ascii")
    readme = (folder / "README.txt").read_bytes()
    assert readme.startswith(b"\xef\xbb\xbf") and "win_amd64: Python 3.10, 3.13" in readme.decode("utf-8-sig")


def test_a_zip_holds_one_folder_with_an_executable_install_sh(tmp_path: Path, fake_pip: FakePip) -> None:
    made = B.make_bundle(settings(tmp_path, "manylinux2014_aarch64", as_zip=True))
    assert made.path == tmp_path / "dist" / "speechgen-0.1.0-offline.zip"
    assert [p.name for p in (tmp_path / "dist").iterdir()] == [made.path.name]
    with zipfile.ZipFile(made.path) as z:
        names = z.namelist()
        assert all(n.startswith("speechgen-0.1.0-offline/") for n in names)
        assert "speechgen-0.1.0-offline/wheels/speechgen-0.1.0-py3-none-any.whl" in names
        assert stat.S_IMODE(z.getinfo("speechgen-0.1.0-offline/install.sh").external_attr >> 16) == 0o755


def test_an_existing_bundle_is_replaced_only_with_force(tmp_path: Path, fake_pip: FakePip) -> None:
    B.make_bundle(settings(tmp_path, "win_amd64"))
    folder = tmp_path / "dist" / "speechgen-0.1.0-offline"
    (folder / "mine.txt").write_text("x", encoding="utf-8")
    with pytest.raises(OutputError, match=r"speechgen-0.1.0-offline: exists; use --force to overwrite$"):
        B.make_bundle(settings(tmp_path, "win_amd64"))
    B.make_bundle(settings(tmp_path, "win_amd64", force=True))
    assert not (folder / "mine.txt").exists() and (folder / "bundle.json").is_file()
    (folder / "bundle.json").unlink()
    with pytest.raises(OutputError, match=r"exists and is not a bundle; not replacing it$"):
        B.make_bundle(settings(tmp_path, "win_amd64", force=True))
    assert (folder / "mine.txt").exists() is False and (folder / "install.sh").is_file()
    assert [p.name for p in (tmp_path / "dist").iterdir()] == [folder.name]


def test_the_command_lists_the_wheels_and_what_is_missing(runner, tmp_path: Path, monkeypatch) -> None:
    index = fake_index(tmp_path / "index", without=("colorama", "pyyaml-313-manylinux2014_aarch64"))
    monkeypatch.setattr(B, "run_pip", FakePip(index))
    args = ["bundle", "-o", str(tmp_path / "dist"), "--source", str(ROOT), "--python-version", "3.13"]
    result = runner.invoke(main, [*args, "--platform", "win_amd64", "--platform", "manylinux2014_aarch64"])
    assert result.exit_code == 1, result.output
    lines = result.stderr.splitlines()
    assert lines[0].startswith("  win_amd64, Python 3.13: INCOMPLETE, 9 wheels: click-8.2.1-py3-none-any.whl, ")
    assert lines[1] == '    missing: colorama; platform_system == "Windows" (for click)'
    assert lines[2] == (
        "  manylinux2014_aarch64, Python 3.13: no wheels: ERROR: No matching distribution found for "
        "pyyaml>=6.0.1,<7 (for speechgen)"
    )
    assert lines[3] == "error: nothing installs on win_amd64, manylinux2014_aarch64; see above"
    assert result.stdout == f"{tmp_path / 'dist' / 'speechgen-0.1.0-offline'}: speechgen 0.1.0, 9 wheels\n"
    sh = (tmp_path / "dist" / "speechgen-0.1.0-offline" / "install.sh").read_text(encoding="utf-8")
    assert 'VERSIONS=""' in sh  # nothing installs on Linux: the script says so instead of failing in pip


def test_the_command_succeeds_and_says_what_to_do(runner, tmp_path: Path, fake_pip: FakePip) -> None:
    args = ["bundle", "-o", str(tmp_path / "d"), "--source", str(ROOT), "--platform", "win_amd64", "--zip"]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    # 7 pure wheels (speechgen, pip, jinja2, click, colorama, python-docx, typing_extensions), 3 binary ones × 4
    assert result.stdout == f"{tmp_path / 'd' / 'speechgen-0.1.0-offline.zip'}: speechgen 0.1.0, 19 wheels\n"
    assert result.stderr.splitlines()[-1] == (
        "Carry it to the office machine and run install.bat (Windows) or sh install.sh (Linux) there."
    )
    assert len(result.stderr.splitlines()) == 5  # one line per Python version 3.10–3.13


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--platform", "windows"], "--platform windows: not a wheel platform tag (examples: win_amd64, "),
        (["--python-version", "3.9"], "--python-version 3.9: give 3.10 or later, as 3.12 (speechgen needs 3.10)"),
        (["--source", "."], ".: no speechgen pyproject.toml there; give --source with the folder of speechgen's"),
    ],
)
def test_bad_options_are_refused_before_anything_is_written(runner, workdir: Path, args, message: str) -> None:  # noqa: ANN001
    result = runner.invoke(main, ["bundle", "-o", "dist", *args])
    assert result.exit_code == 1 and result.stderr.startswith(message)
    assert not (workdir / "dist").exists()


# -- the installers ----------------------------------------------------------------------------------


def test_install_bat_is_ascii_with_crlf_and_installs_without_an_index() -> None:
    data = install_bat(["3.13", "3.12"], "win_amd64")
    text = data.decode("ascii")
    assert "\r\n" in text and "\n" not in text.replace("\r\n", "")
    assert 'set "VERSIONS=3.13 3.12"' in text and "--no-index --find-links" in text
    assert "-m venv --clear --without-pip" in text and "-m speechgen shortcut" in text
    assert 'set PIPRUN="%PIPWHEEL%\\pip"' in text  # without ensurepip, pip runs from its wheel
    labels = {line[1:] for line in text.splitlines() if line.startswith(":")}
    assert {g.split()[0] for g in text.split("goto ")[1:]} <= labels == {"failed"}
    depth = 0
    for line in text.splitlines():  # blocks balance, and no echo inside one holds a parenthesis
        depth += line.count("(") - line.count(")") if not line.lstrip().startswith(("echo", 'set "CHECK')) else 0
        assert depth >= 0 and not (depth and line.lstrip().startswith("echo") and ")" in line), line
    assert depth == 0


def _installer(tmp_path: Path, machines: list[str]) -> Path:
    folder = tmp_path / "bundle"
    (folder / "wheels").mkdir(parents=True)
    here = f"{sys.version_info[0]}.{sys.version_info[1]}"
    (folder / "install.sh").write_bytes(install_sh([here], machines, "test"))
    return folder / "install.sh"


def test_install_sh_refuses_a_machine_it_has_no_wheels_for(tmp_path: Path) -> None:
    done = subprocess.run(["sh", str(_installer(tmp_path, ["riscv64"])), str(tmp_path / "env")], capture_output=True)
    assert done.returncode == 1 and not (tmp_path / "env").exists()
    err = done.stderr.decode("utf-8")
    assert f"This bundle holds no wheels for {os.uname().machine} (only for: riscv64)" in err


def test_install_sh_never_empties_a_folder_that_is_not_an_environment(tmp_path: Path) -> None:
    mine = tmp_path / "documents"
    mine.mkdir()
    (mine / "讲话稿.docx").write_bytes(b"keep")
    script = _installer(tmp_path, [os.uname().machine])
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin"}
    done = subprocess.run(["sh", str(script), str(mine)], capture_output=True, env=env)
    assert done.returncode == 1 and (mine / "讲话稿.docx").read_bytes() == b"keep"
    assert f"{mine} exists and is not a Python environment; it is left alone." in done.stderr.decode("utf-8")


# -- the launcher ------------------------------------------------------------------------------------


def _home(tmp_path: Path) -> dict[str, str]:
    home = tmp_path / "home"
    (home / ".config").mkdir(parents=True)
    (home / "桌面").mkdir()
    (home / "文档").mkdir()
    dirs = 'XDG_DESKTOP_DIR="$HOME/桌面"\nXDG_DOCUMENTS_DIR="$HOME/文档"\n'
    (home / ".config" / "user-dirs.dirs").write_text(dirs, encoding="utf-8")
    return {"HOME": str(home), "PATH": "/usr/bin:/bin"}


def test_linux_shortcuts_open_a_terminal_with_speechgen_ready(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(launcher, "WORKBENCH", ())  # the terminal mode (the default opens the workbench)
    env = _home(tmp_path)
    home = Path(env["HOME"])
    prefix = tmp_path / "环境 with space"
    (prefix / "bin").mkdir(parents=True)
    os.symlink(Path(sys.executable).parent / "speechgen", prefix / "bin" / "speechgen")
    made = launcher.make_shortcuts(prefix, "Linux", env)
    assert made.notes == [] and made.work == home / "文档" / "讲话稿" and made.work.is_dir()
    assert made.made == [home / ".local/share/applications/speechgen.desktop", home / "桌面" / "speechgen.desktop"]
    entry = made.made[1].read_text(encoding="utf-8")
    assert f'Exec="{prefix}/speechgen-terminal.sh"\n' in entry and "Terminal=true\n" in entry
    assert all(os.access(p, os.X_OK) for p in (*made.made, made.launcher))
    shell = subprocess.run(
        [str(made.launcher)],
        input="pwd\nspeechgen --version\n",
        capture_output=True,
        text=True,
        env={**env, "SHELL": "/bin/sh"},
        timeout=60,
    )
    assert shell.stdout.startswith(launcher.START_TEXT)
    assert f"{made.work}\nspeechgen, version " in shell.stdout


def test_without_a_desktop_folder_the_menu_entry_is_still_made(tmp_path: Path) -> None:
    env = _home(tmp_path)
    shutil.rmtree(Path(env["HOME"]) / "桌面")
    (tmp_path / "prefix").mkdir()
    made = launcher.make_shortcuts(tmp_path / "prefix", "Linux", env)
    assert [p.name for p in made.made] == ["speechgen.desktop"]
    assert made.notes == [f"{Path(env['HOME']) / '桌面'}: no such folder; no shortcut there"]


def test_windows_shortcuts_are_made_through_powershell(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(launcher, "WORKBENCH", ())
    profile = tmp_path / "Users" / "张三"
    (profile / "Desktop").mkdir(parents=True)
    env = {"USERPROFILE": str(profile), "APPDATA": str(profile / "AppData" / "Roaming")}
    calls = []

    def powershell(command, env, **kw):  # noqa: ANN001, ANN003
        calls.append((command, env))
        return subprocess.CompletedProcess(command, 0 if "Desktop" in env["SPEECHGEN_LNK"] else 1, b"", b"")

    (tmp_path / "venv").mkdir()
    made = launcher.make_shortcuts(tmp_path / "venv", "Windows", env, powershell)
    bat = made.launcher.read_bytes()
    assert bat.decode("ascii").endswith("\r\ncmd /k\r\n") and b'"%~dp0Scripts\\python.exe"' in bat
    assert made.made == [profile / "Desktop" / "speechgen.lnk"]
    menu = profile / "AppData" / "Roaming" / "Microsoft" / "Windows" / "Start Menu" / "Programs" / "speechgen.lnk"
    assert made.notes == [f"{menu}: could not be made (PowerShell); open {made.launcher} instead"]
    command, child = calls[0]
    assert command[0] == "powershell" and "CreateShortcut($env:SPEECHGEN_LNK)" in command[-1]
    assert (child["SPEECHGEN_BAT"], child["SPEECHGEN_WORK"]) == (
        str(made.launcher),
        str(profile / "Documents" / "讲话稿"),
    )


def test_macos_gets_a_command_file_on_the_desktop(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / "Desktop").mkdir(parents=True)
    (tmp_path / "venv").mkdir()
    made = launcher.make_shortcuts(tmp_path / "venv", "Darwin", {"HOME": str(home)})
    assert made.made == [home / "Desktop" / "speechgen.command"] and os.access(made.made[0], os.X_OK)


def test_a_place_that_cannot_be_written_is_a_clear_error(tmp_path: Path) -> None:
    not_a_folder = tmp_path / "venv"
    not_a_folder.write_text("a file where the environment should be", encoding="utf-8")
    with pytest.raises(OutputError, match=r"/venv/speechgen-start.txt: cannot write the shortcut: Not a directory$"):
        launcher.make_shortcuts(not_a_folder, "Linux", _home(tmp_path))


def test_the_workbench_hook_replaces_the_terminal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert launcher.WORKBENCH == ("serve",)  # the shortcut opens the workbench
    monkeypatch.setattr(launcher, "WORKBENCH", ("web", "--open"))
    (tmp_path / "venv").mkdir()
    made = launcher.make_shortcuts(tmp_path / "venv", "Linux", _home(tmp_path))
    assert made.launcher.read_text(encoding="utf-8").endswith("\nexec speechgen web --open\n")
    ok = lambda command, **kw: subprocess.CompletedProcess(command, 0)  # noqa: E731
    made = launcher.make_shortcuts(tmp_path / "venv", "Windows", {"USERPROFILE": str(tmp_path / "u")}, ok)
    assert made.launcher.read_bytes().endswith(b"\r\nspeechgen web --open\r\n")


# -- real bundles, from PyPI --------------------------------------------------------------------------


def need_pypi() -> None:
    try:
        socket.create_connection(("pypi.org", 443), timeout=5).close()
    except OSError:
        if os.environ.get("SPEECHGEN_REQUIRE_PYPI"):
            pytest.fail("PyPI is required here (SPEECHGEN_REQUIRE_PYPI) but cannot be reached")
        pytest.skip("PyPI cannot be reached")


def offline_env(home: Path, closed_port: int) -> dict[str, str]:
    """An environment in which pip can reach no index and no folder of wheels but the bundle's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "VIRTUAL_ENV"))}
    env.update(HOME=str(home), PATH="/usr/bin:/bin", PIP_CONFIG_FILE=os.devnull, SHELL="/bin/sh")
    env["PIP_INDEX_URL"] = f"http://127.0.0.1:{closed_port}/simple"
    return env


@pytest.mark.network
def test_a_bundle_for_this_machine_installs_without_an_index_and_drafts(runner, tmp_path: Path) -> None:
    need_pypi()
    here = f"{sys.version_info[0]}.{sys.version_info[1]}"  # the other versions: the test below
    args = ["bundle", "-o", str(tmp_path / "dist"), "--source", str(ROOT), "--python-version", here]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    folder = Path(result.stdout.split(":")[0])
    manifest = json.loads((folder / "bundle.json").read_text(encoding="utf-8"))
    made = [(t["platform"], t["python"], t["complete"]) for t in manifest["targets"]]
    assert made == [(B.this_platform(), here, True)]
    home = tmp_path / "home"
    home.mkdir()
    with socket.socket() as closed:  # bound, never listening: every connection to it is refused
        closed.bind(("127.0.0.1", 0))
        env = offline_env(home, closed.getsockname()[1])
        env["PATH"] = f"{Path(sys.executable).parent}:/usr/bin:/bin"  # a Python of the bundle's versions
        done = subprocess.run(
            ["sh", str(folder / "install.sh"), str(tmp_path / "装好的")], env=env, capture_output=True
        )
        assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    installed = tmp_path / "装好的"
    code = "import speechgen; print(speechgen.__file__)"
    where = subprocess.run([installed / "bin" / "python", "-c", code], cwd=home, capture_output=True, text=True)
    assert where.stdout.startswith(str(installed))
    terminal = installed / "speechgen-terminal.sh"  # what the desktop entry opens
    assert f'Exec="{terminal}"' in (home / ".local/share/applications/speechgen.desktop").read_text(encoding="utf-8")
    env["PATH"] = "/usr/bin:/bin"  # speechgen is found through the launcher only
    work = home / "Documents" / "讲话稿"
    rendered = subprocess.run(
        [installed / "bin" / "speechgen", "render", str(draftable()), "-o", "讲话.docx"], cwd=work, env=env, timeout=300
    )
    assert rendered.returncode == 0
    with zipfile.ZipFile(work / "讲话.docx") as z:
        assert "word/document.xml" in z.namelist()
    # the shortcut opens the workbench, installed from the bundle's wheels alone, on the drafts folder
    env["BROWSER"] = "true"  # no browser to open here
    with subprocess.Popen([terminal], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as server:
        try:
            url = ""
            for line in server.stdout:  # the start text first, then the address with its token
                if line.startswith("http://127.0.0.1:"):
                    url = line.strip()
                    break
            assert url, server.stderr.read()
            # never through a proxy; the token is kept as a cookie over the redirect, as a browser does
            cookies = urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
            local = urllib.request.build_opener(urllib.request.ProxyHandler({}), cookies)
            with local.open(url, timeout=60) as response:
                assert response.status == 200 and "<html" in response.read().decode("utf-8").lower()
        finally:
            server.terminate()
            server.wait(timeout=30)


def expected_projects(target: Target) -> set[str]:
    """speechgen's dependency tree as the installed distributions declare it, markers judged for target."""
    from pip._vendor.packaging.requirements import Requirement
    from pip._vendor.packaging.utils import canonicalize_name

    env = marker_environment(target)
    found: set[tuple[str, str]] = set()
    queue: list[tuple[str, tuple[str, ...]]] = [("speechgen[web]", ()), ("pip", ())]  # the bundle takes the workbench
    while queue:
        text, extras = queue.pop()
        req = Requirement(text)
        name = canonicalize_name(req.name)
        if req.marker and not any(req.marker.evaluate({**env, "extra": e}) for e in (extras or ("",))):
            continue
        for extra in ("", *sorted(req.extras)):
            if (name, extra) in found:
                continue
            found.add((name, extra))
            try:
                requires = metadata.distribution(name).requires or []
            except metadata.PackageNotFoundError:  # needed only on other Pythons (exceptiongroup for 3.10)
                requires = []
            queue += [(r, (extra,)) for r in requires]
    return {name for name, _ in found}


@pytest.mark.network
def test_a_bundle_for_windows_and_arm64_linux_lists_every_wheel_needed(runner, tmp_path: Path) -> None:
    need_pypi()
    args = ["bundle", "-o", str(tmp_path), "--source", str(ROOT), "--zip"]
    result = runner.invoke(main, [*args, "--platform", "win_amd64", "--platform", "manylinux2014_aarch64"])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(tmp_path / "speechgen-0.1.0-offline.zip") as z:
        manifest = json.loads(z.read("speechgen-0.1.0-offline/bundle.json"))
        inside = {Path(n).name for n in z.namelist() if n.endswith(".whl")}
    assert len(manifest["targets"]) == 8 and manifest["failed"] == []
    for entry in manifest["targets"]:
        target = Target(entry["platform"], entry["python"])
        assert entry["complete"] and entry["missing"] == [], target
        assert set(entry["wheels"]) <= inside
        projects = {w.split("-")[0].lower().replace("_", "-") for w in entry["wheels"]}
        assert projects == expected_projects(target), target
        abi = target.abi
        binary = [w for w in entry["wheels"] if not w.endswith("-none-any.whl")]
        assert {w.split("-")[0].lower() for w in binary} >= {"lxml", "markupsafe", "pyyaml"}
        tag = "win_amd64" if target.platform == "win_amd64" else "manylinux2014_aarch64"
        assert all(f"-{abi}-{abi}-" in w and tag in w for w in binary), binary


# -- the README's claims about this issue are true ---------------------------------------------------


def test_the_readme_has_the_offline_section_with_both_systems() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Office machine without internet\n", 1)[1].split("\n## ", 1)[0]
    for command in ("speechgen bundle -o", "--platform win_amd64", "--platform manylinux2014_aarch64", "install.bat"):
        assert command in section, command
    assert "sh install.sh" in section and "Kylin" in section and "UOS" in section
