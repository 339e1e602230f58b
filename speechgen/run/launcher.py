"""Shortcuts that open speechgen for someone who never types a path: `speechgen shortcut`.

A launcher script is written into the environment speechgen runs from (so that it needs no absolute path
of its own on Windows, and moves with nothing): it puts the environment on the PATH, prints how to start,
and leaves a terminal open in the folder where drafts go (讲话稿 in the user's documents). Then an entry
is made for it on the desktop and in the start menu:

- Windows: .lnk shortcuts made through PowerShell (WScript.Shell), their paths passed in the environment
  so that Chinese user names survive; where that fails, the launcher's own path is reported instead.
- Linux (Kylin, UOS, Debian …): a .desktop entry (Terminal=true) in ~/.local/share/applications and on
  the desktop named by ~/.config/user-dirs.dirs (桌面 on a Chinese system), made executable.
- macOS: a .command file on the desktop (Terminal opens it).

The launcher ends by starting the web workbench (WORKBENCH: `speechgen serve`, which opens the browser on
the drafts folder); the terminal it runs in stays open while the workbench runs, and closing it stops it.
"""

from __future__ import annotations

import os
import platform
import re
import shlex
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from speechgen.errors import OutputError
from speechgen.i18n import _

WORKBENCH: tuple[str, ...] = ("serve",)  # what the shortcut opens; () leaves a terminal open instead
NAME = "speechgen"
WORK_FOLDER = "讲话稿"
START_TEXT = """speechgen 已就绪。工作台在浏览器中打开（关闭这个窗口即停止）；不用浏览器时，在终端输入命令，例如：
  speechgen new village_stay -o 会议.yaml     生成会议信息文件（用文本编辑器填写）
  speechgen render 会议.yaml                  起草讲话稿，Word 文件保存在这个文件夹
  speechgen fonts                             本机的公文字体
  speechgen --help                            全部命令
"""
Runner = Callable[..., subprocess.CompletedProcess]


@dataclass
class Shortcuts:
    launcher: Path  # the script that opens speechgen
    work: Path  # the folder it opens in
    made: list[Path] = field(default_factory=list)  # desktop and menu entries
    notes: list[str] = field(default_factory=list)  # what could not be made, and why


def make_shortcuts(
    prefix: Path | None = None,
    system: str | None = None,
    env: Mapping[str, str] | None = None,
    run: Runner = subprocess.run,
) -> Shortcuts:
    """Write the launcher into the environment at prefix and put entries for it where the system shows them."""
    prefix = Path(prefix or sys.prefix)
    system = system or platform.system()
    env = os.environ if env is None else env
    try:
        (prefix / "speechgen-start.txt").write_text(START_TEXT, encoding="utf-8")
        if system == "Windows":
            return _windows(prefix, env, run)
        return _posix(prefix, system, env)
    except OSError as exc:
        where = exc.filename or prefix
        raise OutputError(
            _("{where}: cannot write the shortcut: {value}").format(where=where, value=exc.strerror or exc)
        ) from None


def _posix(prefix: Path, system: str, env: Mapping[str, str]) -> Shortcuts:
    home = Path(env.get("HOME") or Path.home())
    work = _user_dir(home, env, "DOCUMENTS", "Documents") / WORK_FOLDER
    work.mkdir(parents=True, exist_ok=True)
    launcher = prefix / "speechgen-terminal.sh"
    last = f"exec speechgen {shlex.join(WORKBENCH)}" if WORKBENCH else 'exec "${SHELL:-/bin/sh}" -i'
    launcher.write_text(
        "#!/bin/sh\n# Opens a terminal with speechgen ready; made by `speechgen shortcut`.\n"
        f'VIRTUAL_ENV={shlex.quote(str(prefix))}\nPATH="$VIRTUAL_ENV/bin:$PATH"\nexport VIRTUAL_ENV PATH\n'
        f'cd {shlex.quote(str(work))} 2>/dev/null || cd "$HOME"\n'
        f'cat "$VIRTUAL_ENV/speechgen-start.txt"\n{last}\n',
        encoding="utf-8",
    )
    launcher.chmod(0o755)
    out = Shortcuts(launcher, work)
    desktop = _user_dir(home, env, "DESKTOP", "Desktop")
    if system == "Darwin":
        entries = [(desktop / f"{NAME}.command", f"#!/bin/sh\nexec {shlex.quote(str(launcher))}\n")]
    else:
        entry = _desktop_entry(launcher)
        menu = Path(env.get("XDG_DATA_HOME") or home / ".local" / "share") / "applications"
        menu.mkdir(parents=True, exist_ok=True)
        entries = [(menu / f"{NAME}.desktop", entry), (desktop / f"{NAME}.desktop", entry)]
    for path, text in entries:
        if not path.parent.is_dir():
            out.notes.append(_("{parent}: no such folder; no shortcut there").format(parent=path.parent))
            continue
        path.write_text(text, encoding="utf-8")
        path.chmod(0o755)  # the desktops of UOS and Kylin open only executable entries
        out.made.append(path)
    return out


def _desktop_entry(launcher: Path) -> str:
    quoted = re.sub(r'(["`$\\])', r"\\\1", str(launcher)).replace("\\", "\\\\")
    return (
        "[Desktop Entry]\nType=Application\nVersion=1.0\n"
        f"Name={NAME}\nName[zh_CN]=讲话稿起草 (speechgen)\n"
        "Comment=Draft leaders' speeches\nComment[zh_CN]=起草讲话稿\n"
        f'Exec="{quoted}"\nTerminal=true\nCategories=Office;\n'
    )


def _user_dir(home: Path, env: Mapping[str, str], key: str, default: str) -> Path:
    """An XDG user folder (XDG_DESKTOP_DIR="$HOME/桌面" in ~/.config/user-dirs.dirs), else ~/default."""
    config = Path(env.get("XDG_CONFIG_HOME") or home / ".config") / "user-dirs.dirs"
    try:
        text = config.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        text = ""
    m = re.search(rf'^XDG_{key}_DIR="([^"\n]*)"', text, re.M)
    if m:
        value = m[1].replace("$HOME", str(home))
        if value and Path(value).is_absolute():
            return Path(value)
    return home / default


def _windows(prefix: Path, env: Mapping[str, str], run: Runner) -> Shortcuts:
    profile = Path(env.get("USERPROFILE") or Path.home())
    work = _shell_folder(5, profile / "Documents") / WORK_FOLDER  # CSIDL_PERSONAL
    work.mkdir(parents=True, exist_ok=True)
    launcher = prefix / "speechgen-terminal.bat"
    last = f"speechgen {' '.join(WORKBENCH)}" if WORKBENCH else "cmd /k"
    launcher.write_bytes(  # ASCII only: every path is relative to the script's own folder
        (
            "@echo off\r\nrem Opens a console with speechgen ready; made by `speechgen shortcut`.\r\n"
            'set "VIRTUAL_ENV=%~dp0."\r\nset "PATH=%~dp0Scripts;%PATH%"\r\n'
            '"%~dp0Scripts\\python.exe" -c "import sys; print(open(sys.argv[1], encoding=\'utf-8\').read())" '
            f'"%~dp0speechgen-start.txt"\r\n{last}\r\n'
        ).encode("ascii")
    )
    out = Shortcuts(launcher, work)
    appdata = Path(env.get("APPDATA") or profile / "AppData" / "Roaming")
    places = [
        _shell_folder(0x10, profile / "Desktop"),  # CSIDL_DESKTOPDIRECTORY
        _shell_folder(2, appdata / "Microsoft" / "Windows" / "Start Menu" / "Programs"),  # CSIDL_PROGRAMS
    ]
    script = (
        "$s = (New-Object -ComObject WScript.Shell).CreateShortcut($env:SPEECHGEN_LNK); "
        "$s.TargetPath = $env:SPEECHGEN_BAT; $s.WorkingDirectory = $env:SPEECHGEN_WORK; "
        "$s.Description = 'speechgen'; $s.Save()"
    )
    for folder in places:
        lnk = folder / f"{NAME}.lnk"
        child = {**env, "SPEECHGEN_LNK": str(lnk), "SPEECHGEN_BAT": str(launcher), "SPEECHGEN_WORK": str(work)}
        command = ["powershell", "-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass", "-Command", script]
        try:
            done = run(command, env=child, capture_output=True, timeout=60, check=False)
            ok = done.returncode == 0
        except (OSError, subprocess.TimeoutExpired):
            ok = False
        if ok:
            out.made.append(lnk)
        else:
            out.notes.append(
                _("{lnk}: could not be made (PowerShell); open {launcher} instead").format(lnk=lnk, launcher=launcher)
            )
    return out


def _shell_folder(csidl: int, fallback: Path) -> Path:
    """A Windows shell folder (redirected ones included), else fallback."""
    if sys.platform == "win32":
        import ctypes

        buf = ctypes.create_unicode_buffer(260)
        if ctypes.windll.shell32.SHGetFolderPathW(None, csidl, None, 0, buf) == 0 and buf.value:
            return Path(buf.value)
    return fallback
