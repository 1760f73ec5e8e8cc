"""Keep the zh catalogue complete: `python tools/translations.py missing` lists untranslated
messages as JSON; `python tools/translations.py fill FILE.json` fills them from a JSON object
(message id → Chinese). Run `pybabel extract` and `pybabel update` first (README)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

CATALOGUE = Path(__file__).resolve().parent.parent / "app/translations/zh/LC_MESSAGES/messages.po"


def main(argv: list[str]) -> int:
    """List or fill the untranslated messages."""
    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle)
    if argv[:1] == ["missing"]:
        missing = {str(m.id): "" for m in catalogue if m.id and not m.string}
        print(json.dumps(missing, ensure_ascii=False, indent=1))  # noqa: T201
        return 0
    if argv[:1] == ["fill"] and len(argv) == 2:
        mapping = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
        for message in catalogue:
            if message.id and not message.string and mapping.get(message.id):
                message.string = mapping[message.id]
                message.flags.discard("fuzzy")
        with CATALOGUE.open("wb") as handle:
            write_po(handle, catalogue, sort_output=True, no_location=True, width=100)
        return 0
    print(__doc__)  # noqa: T201
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
