"""Every UI string is in the zh-CN catalogue (issue 2 §6)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def test_every_message_in_the_code_has_a_chinese_translation(tmp_path: Path) -> None:
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as handle:
        wanted = {m.id for m in read_po(handle) if m.id}
    with (ROOT / "app/translations/zh/LC_MESSAGES/messages.po").open("rb") as handle:
        catalogue = {m.id: m.string for m in read_po(handle) if m.id}
    missing = sorted(str(m) for m in wanted if not catalogue.get(m))
    assert missing == [], f"untranslated: {missing}"


def test_translations_keep_their_placeholders() -> None:
    with (ROOT / "app/translations/zh/LC_MESSAGES/messages.po").open("rb") as handle:
        for message in read_po(handle):
            if message.id and message.string:
                assert set(PLACEHOLDER.findall(str(message.id))) == set(
                    PLACEHOLDER.findall(str(message.string))
                ), message.id
