"""The scripts an offline bundle carries: install.sh (Linux: Kylin, UOS, Debian …; macOS), install.bat
(Windows) and README.txt (in Chinese, for the person who carries the bundle over).

Each installer finds a Python the bundle has wheels for, makes a virtual environment and installs pip and
speechgen into it from the bundle's wheels alone (`pip install --no-index --find-links wheels …`: no index
is ever asked), then lets speechgen make its shortcut (`speechgen shortcut`). install.sh makes the
environment without pip and runs the pip wheel of the bundle itself (`python pip-….whl/pip install …`), so
that Debian-family systems without the python3-venv package (no ensurepip) work too; install.bat uses the
environment's own pip (python.org's Windows installer always brings ensurepip) and the wheel only where
that is missing. An existing folder is
replaced only when it is a Python environment (it holds pyvenv.cfg), so that a mistyped target never
empties a user's folder. install.bat is ASCII only: cmd.exe reads a batch file in the console's code page,
and Chinese text there would break on a machine whose code page differs; what the user must read in
Chinese is printed by speechgen (Python writes Unicode to the Windows console).
"""

from __future__ import annotations

INSTALL_SH = r"""#!/bin/sh
# speechgen: install from this folder without internet (Linux: Kylin, UOS, Debian ...; macOS).
#   sh install.sh [FOLDER]     FOLDER: where speechgen goes (default: ~/.local/share/speechgen)
# Made by `speechgen bundle` for: @TARGETS@
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
WHEELS="$HERE/wheels"
VERSIONS="@VERSIONS@"
MACHINES="@MACHINES@"
TARGET=${1:-${XDG_DATA_HOME:-$HOME/.local/share}/speechgen}

say() { printf '%s\n' "$@" >&2; }
fail() { say "$@" "安装未完成 / speechgen is not installed."; exit 1; }

[ -n "$VERSIONS" ] || fail "这个安装包没有 Linux 或 macOS 的文件（它适用于：@TARGETS@）。" \
  "This bundle holds no wheels for Linux or macOS (it is for: @TARGETS@); make one with --platform."
MACHINE=$(uname -m)
case " $MACHINES " in
  *" $MACHINE "*) ;;
  *) fail "这个安装包没有本机处理器 $MACHINE 的文件（它适用于：$MACHINES）。" \
       "This bundle holds no wheels for $MACHINE (only for: $MACHINES); make one with --platform." ;;
esac
PY=""
for v in $VERSIONS; do
  if command -v "python$v" >/dev/null 2>&1; then PY="python$v"; break; fi
done
if [ -z "$PY" ] && command -v python3 >/dev/null 2>&1; then
  have=$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)
  for v in $VERSIONS; do [ "$have" = "$v" ] && PY=python3; done
fi
[ -n "$PY" ] || fail "需要 Python（以下版本之一：$VERSIONS），本机没有找到。" \
  "Python $VERSIONS is needed and none was found."
if [ -e "$TARGET" ] && [ ! -f "$TARGET/pyvenv.cfg" ]; then
  fail "$TARGET 已存在，且不是 speechgen 的安装目录，不会改动它。" \
    "$TARGET exists and is not a Python environment; it is left alone."
fi
PIP=$(ls "$WHEELS"/pip-*.whl 2>/dev/null | tail -n 1)
[ -n "$PIP" ] || fail "wheels 文件夹中缺少 pip。" "The wheels folder holds no pip wheel."
say "正在安装到 / installing into: $TARGET ($PY)"
"$PY" -m venv --clear --without-pip "$TARGET" || fail "无法创建 Python 环境。" "Cannot make the environment."
"$TARGET/bin/python" "$PIP/pip" install --quiet --no-index --find-links "$WHEELS" --no-warn-script-location \
  pip "speechgen[web]" || fail "安装失败（见上方信息）。" "pip could not install speechgen (see above)."
"$TARGET/bin/python" -m speechgen shortcut || say "（未能创建快捷方式 / no shortcut was made）"
say "完成 / done: $TARGET/bin/speechgen"
"""

INSTALL_BAT = r"""@echo off
rem speechgen: install from this folder without internet (Windows).
rem   install.bat [FOLDER]   FOLDER: where speechgen goes (default: %LOCALAPPDATA%\speechgen)
rem Made by `speechgen bundle` for: @TARGETS@
setlocal
set "HERE=%~dp0"
set "WHEELS=%HERE%wheels"
set "VERSIONS=@VERSIONS@"
if "%VERSIONS%"=="" (
  echo This bundle holds no wheels for Windows; it is for: @TARGETS@
  goto failed
)
if "%~1"=="" (set "TARGET=%LOCALAPPDATA%\speechgen") else (set "TARGET=%~f1")
set "PY="
for %%V in (%VERSIONS%) do if not defined PY py -%%V -c "import sys" >nul 2>nul && set "PY=py -%%V"
set "CHECK=import sys; v = sys.version_info; sys.exit(str(v[0]) + '.' + str(v[1]) not in '%VERSIONS%'.split())"
if not defined PY python -c "%CHECK%" >nul 2>nul && set "PY=python"
if not defined PY (
  echo Python %VERSIONS% is needed and none was found.
  echo Install Python for Windows from its installer, ticking "Add python.exe to PATH", then run install.bat again.
  goto failed
)
if exist "%TARGET%\" if not exist "%TARGET%\pyvenv.cfg" (
  echo %TARGET% exists and is not a Python environment; it is left alone.
  goto failed
)
set "PIPWHEEL="
for %%W in ("%WHEELS%\pip-*.whl") do set "PIPWHEEL=%%~fW"
if not defined PIPWHEEL (
  echo The wheels folder holds no pip wheel.
  goto failed
)
echo Installing speechgen into %TARGET% with %PY% ...
set "PIPRUN=-m pip"
set "NOPIP="
%PY% -m venv --clear "%TARGET%" >nul 2>nul || set "NOPIP=1"
if defined NOPIP %PY% -m venv --clear --without-pip "%TARGET%" || goto failed
if defined NOPIP set PIPRUN="%PIPWHEEL%\pip"
"%TARGET%\Scripts\python.exe" %PIPRUN% install --quiet --no-index --find-links "%WHEELS%" ^
  --no-warn-script-location pip "speechgen[web]" || goto failed
"%TARGET%\Scripts\python.exe" -m speechgen shortcut
echo.
echo speechgen is installed: %TARGET%\Scripts\speechgen.exe
if not defined SPEECHGEN_NO_PAUSE pause
exit /b 0
:failed
echo.
echo speechgen is not installed; see the messages above.
if not defined SPEECHGEN_NO_PAUSE pause
exit /b 1
"""

README_TXT = """speechgen @VERSION@ 离线安装包（offline bundle）

这个文件夹可以拷到不能上网的电脑（内网）上安装 speechgen，不需要连接任何软件源。
适用于：
@TARGETS@

一、Windows
  1. 本机需要已安装 Python（@WINDOWS_VERSIONS@ 之一）。没有的话，请把 Python 的 Windows 安装程序一并拷来，
     安装时勾选 “Add python.exe to PATH”。
  2. 双击 install.bat。
  3. 安装完成后，桌面和开始菜单里会出现 “speechgen”。双击它，打开一个可以直接输入 speechgen 命令的窗口，
     文件保存在 “文档\\讲话稿” 文件夹。

二、麒麟（Kylin）、统信（UOS）等 Linux
  1. 本机需要 Python（@POSIX_VERSIONS@ 之一），在终端里用 python3 --version 查看。
  2. 在本文件夹中打开终端，运行：sh install.sh
  3. 桌面和开始菜单里会出现 “speechgen”，双击即打开可以直接使用 speechgen 的终端。

起草一篇讲话稿：
  speechgen new village_stay -o 会议.yaml     生成会议信息文件，用文本编辑器填写
  speechgen render 会议.yaml                  起草讲话稿，保存为 Word 文件

公文字体（方正小标宋简体、仿宋_GB2312、楷体_GB2312）请向单位信息部门索取并安装；
speechgen fonts 会列出本机缺少哪些字体、Word/WPS 用什么代替。
"""


def fill(template: str, **values: str) -> str:
    for key, value in values.items():
        template = template.replace(f"@{key.upper()}@", value)
    return template


def install_sh(versions: list[str], machines: list[str], targets: str) -> bytes:
    text = fill(INSTALL_SH, versions=" ".join(versions), machines=" ".join(machines), targets=targets)
    return text.encode("utf-8")


def install_bat(versions: list[str], targets: str) -> bytes:
    text = fill(INSTALL_BAT, versions=" ".join(versions), targets=targets)
    return text.replace("\n", "\r\n").encode("ascii")


def readme_txt(version: str, targets: list[str], windows: list[str], posix: list[str]) -> bytes:
    text = fill(
        README_TXT,
        version=version,
        targets="\n".join(f"  {t}" for t in targets),
        windows_versions="、".join(windows) or "（本安装包不含 Windows 的文件）",
        posix_versions="、".join(posix) or "（本安装包不含 Linux 的文件）",
    )
    return ("\ufeff" + text.replace("\n", "\r\n")).encode("utf-8")  # a BOM: Notepad on Windows 7 reads it right
