"""`speechgen fonts` and the stand-in faces, checked against temporary fontconfig setups."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from speechgen.cli import main
from speechgen.export import fonts
from speechgen.export.fontnames import families
from speechgen.export.layout import Fonts, Layout

UKAI = Path("/usr/share/fonts/truetype/arphic/ukai.ttc")


def need_fontconfig() -> None:
    if fonts.has_fontconfig():
        return
    if os.environ.get("SPEECHGEN_REQUIRE_SOFFICE"):
        pytest.fail("fontconfig (fc-list, fc-match) is required here but not installed")
    pytest.skip("fontconfig is not installed")


def any_font_file() -> Path:
    if UKAI.is_file():
        return UKAI
    out = subprocess.run(["fc-list", "--format", "%{file}\n"], capture_output=True, text=True).stdout
    return Path(next(line for line in out.splitlines() if line.endswith((".ttf", ".ttc", ".otf"))))


def fake_setup(tmp: Path, faked: dict[str, str], system: bool) -> Path:
    """A fontconfig file whose font folder holds one link per name in faked, each renamed at scan time
    (an installed 仿宋_GB2312 without having it); with system=True the machine's fonts come too."""
    folder = tmp / "fonts"
    folder.mkdir()
    rules = []
    for i, family in enumerate(faked):
        link = folder / f"fake{i}{any_font_file().suffix}"
        link.symlink_to(any_font_file())
        rules.append(
            f'<match target="scan"><test name="file"><string>{link}</string></test>'
            f'<edit name="family" mode="assign" binding="same"><string>{family}</string></edit></match>'
        )
    include = f'<include ignore_missing="yes">{fonts.system_conf()}</include>' if system else ""
    conf = tmp / "fonts.conf"
    conf.write_text(
        f'<?xml version="1.0"?><fontconfig>{include}<dir>{folder}</dir><cachedir>{tmp / "cache"}</cachedir>'
        f"{''.join(rules)}</fontconfig>",
        encoding="utf-8",
    )
    return conf


def test_shipped_file_maps_every_official_face_to_free_simplified_faces() -> None:
    rules = fonts.shipped_rules()
    for face in ("方正小标宋简体", "仿宋_GB2312", "仿宋", "楷体_GB2312", "楷体", "黑体", "宋体"):
        chain = rules[face].chain
        assert any(n in fonts.FREE_FACES for n in chain), face
        assert not any("JP" in n or "TC" in n for n in chain), face
    assert rules["方正小标宋简体"].weight == "bold" and rules["仿宋_GB2312"].weight is None
    assert rules["仿宋_GB2312"].chain[:3] == ("FangSong_GB2312", "仿宋", "FangSong")
    assert "AR PL UKai CN" in rules["楷体_GB2312"].chain and "Noto Sans CJK SC" in rules["黑体"].chain


def test_other_names_map_by_kind_and_without_their_suffix() -> None:
    assert fonts.rule_for("黑体_GB2312").chain[:2] == ("黑体", "SimHei")
    assert fonts.rule_for("方正仿宋_GBK").chain[:2] == ("方正仿宋", "仿宋_GB2312")
    assert fonts.rule_for("华文楷体").chain[0] == "楷体_GB2312"
    assert fonts.rule_for("方正小标宋_GBK").weight == "bold"
    assert fonts.rule_for("Comic Sans") is None


def test_stand_ins_under_this_machine_are_distinct_simplified_faces(tmp_path: Path) -> None:
    need_fontconfig()
    config = fonts.write_conversion_config(tmp_path, Layout())
    expected = {
        "方正小标宋简体": "Noto Serif CJK SC Bold",
        "仿宋_GB2312": "Noto Serif CJK SC",
        "楷体_GB2312": "AR PL UKai CN",
        "黑体": "Noto Sans CJK SC",
        "宋体": "Noto Serif CJK SC",
    }
    installed = fonts.installed_families()
    for face, stand_in in expected.items():
        if face.lower() in installed:
            continue  # this machine has the office's own font: it wins
        assert fonts.stand_in(face, config) == stand_in, face
    faces = fonts.matched_faces(list(expected), config)
    assert faces["方正小标宋简体"] in ("NotoSerifCJKsc-Bold",) or "方正小标宋简体" in installed


def test_layout_faces_the_shipped_file_does_not_name_get_rules(tmp_path: Path) -> None:
    need_fontconfig()
    layout = Layout(fonts=Fonts(body="方正仿宋_GBK", heading1="黑体_GB2312"))
    config = fonts.write_conversion_config(tmp_path, layout)
    text = config.read_text(encoding="utf-8")
    assert "<string>方正仿宋_GBK</string>" in text and "<string>黑体_GB2312</string>" in text
    assert fonts.stand_in("方正仿宋_GBK", config) == "Noto Serif CJK SC"
    assert fonts.stand_in("黑体_GB2312", config) == "Noto Sans CJK SC"


def test_speechgen_fonts_reports_installed_and_missing_truthfully(tmp_path: Path, runner, monkeypatch) -> None:
    need_fontconfig()
    conf = fake_setup(tmp_path, {"仿宋_GB2312": "", "楷体": ""}, system=False)
    monkeypatch.setenv("FONTCONFIG_FILE", str(conf))
    result = runner.invoke(main, ["fonts"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "仿宋_GB2312  (body and salutation, 1. headings): installed" in out
    blocks = _blocks(out)
    for face in ("方正小标宋简体", "楷体_GB2312", "黑体", "宋体"):
        assert "): MISSING" in blocks[face], face
    # 楷体 is installed in this setup: Word and WPS take the file's fallback, LibreOffice the chain's next face
    assert "Word, WPS: 楷体, the fallback recorded in the file" in blocks["楷体_GB2312"]
    assert "LibreOffice, PDF: 楷体\n" in blocks["楷体_GB2312"] + "\n"
    # no free face in this setup: said so, with the face to install
    assert "no stand-in installed (Noto Sans CJK SC)" in blocks["黑体"]
    assert "their own default (SimHei, the fallback recorded in the file, is missing too)" in blocks["黑体"]
    assert "4 of 5 faces missing" in out
    assert "sudo apt-get install fonts-arphic-ukai fonts-arphic-uming fonts-noto-cjk" in out


def _blocks(out: str) -> dict[str, str]:
    """The report's blocks by face: a line `face  (uses): state` and its indented lines."""
    found: dict[str, str] = {}
    current = ""
    for line in out.split("\n\n")[0].splitlines():
        if not line.startswith(" "):
            current = line.split("  (")[0]
            found[current] = line
        else:
            found[current] += "\n" + line
    return found


def test_an_installed_official_face_wins_over_the_stand_in_and_keeps_its_weight(tmp_path: Path, monkeypatch) -> None:
    need_fontconfig()
    conf = fake_setup(tmp_path, {"方正小标宋简体": ""}, system=True)
    monkeypatch.setenv("FONTCONFIG_FILE", str(conf))
    (tmp_path / "conversion").mkdir()
    config = fonts.write_conversion_config(tmp_path / "conversion", Layout())
    env = dict(os.environ, FONTCONFIG_FILE=str(config))
    out = subprocess.run(
        ["fc-match", "--format", "%{family[0]}|%{weight}|%{embolden}|%{file}", "方正小标宋简体:lang=zh-cn"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    family, weight, embolden, file = out.split("|")
    assert family == "方正小标宋简体" and file.startswith(str(tmp_path / "fonts"))
    assert embolden in ("False", "") and int(float(weight)) <= 100  # its own (regular) weight, no fake bold
    report = {r.name: r for r in fonts.report(Layout())}
    assert report["方正小标宋简体"].installed and not report["仿宋_GB2312"].installed


def test_font_folders_are_read_where_there_is_no_fontconfig(tmp_path: Path, monkeypatch) -> None:
    source = UKAI if UKAI.is_file() else None
    if source is None:
        pytest.skip("fonts-arphic-ukai is not installed")
    (tmp_path / "Fonts").mkdir()
    shutil.copyfile(Path(__file__), tmp_path / "Fonts" / "broken.ttf")  # not a font: ignored
    (tmp_path / "Fonts" / "ukai.ttc").symlink_to(source)
    monkeypatch.setenv("SPEECHGEN_FONT_DIRS", str(tmp_path / "Fonts"))
    monkeypatch.setattr(fonts, "has_fontconfig", lambda: False)
    assert "ar pl ukai cn" in fonts.installed_families()
    assert families(tmp_path / "Fonts" / "broken.ttf") == set()
    report = {r.name: r for r in fonts.report(Layout(fonts=Fonts(speaker="AR PL UKai CN")))}
    assert report["AR PL UKai CN"].installed and not report["仿宋_GB2312"].installed
    assert "no fontconfig here" in report["仿宋_GB2312"].pdf
