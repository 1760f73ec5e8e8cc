"""`flask scores what-if FILE`: CONTRACT's score table from an inputs file, nothing stored."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from app.extensions import db
from app.scoring.grades import DISQUALIFIED_FLAG, Grade, flag_text, tie_flag
from app.scoring.models import ScoreRun
from tests.factories import make_unit
from tests.scoring.builders import worked_example_document


def write(tmp_path: Path, document: dict[str, Any]) -> str:
    path = tmp_path / "inputs.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return str(path)


def two_units() -> dict[str, Any]:
    weaker = worked_example_document("ZZZ")
    weaker["leaders"] = ["60"]
    return {"year": 2026, "units": [weaker, worked_example_document("FGW")]}


def test_what_if_prints_the_score_table_and_stores_nothing(runner: Any, tmp_path: Path) -> None:
    make_unit("FGW", name="省发展改革委")
    result = runner.invoke(args=["scores", "what-if", write(tmp_path, two_units())])
    assert result.exit_code == 0, result.output
    table = json.loads(result.output)  # N = 2: no 优秀 place, one 优秀 or 良好 place
    assert table["year"] == 2026
    assert table["version"] is None
    assert table["units"] == [
        {
            "code": "FGW",
            "name": "省发展改革委",
            "category": "economic",
            "I": "90.00",
            "P": "95.00",
            "E": "90.47",
            "T": "91.39",
            "rank": 1,
            "grade": "良好",
            "flags": [],
            "excellent_places": 46,
        },
        {
            "code": "ZZZ",
            "name": "ZZZ",
            "category": "economic",
            "I": "90.00",
            "P": "95.00",
            "E": "84.47",
            "T": "88.99",
            "rank": 2,
            "grade": "合格",
            "flags": [],
            "excellent_places": 39,
        },
    ]
    assert db.session.execute(select(func.count()).select_from(ScoreRun)).scalar() == 0


def test_half_up_rounding_in_the_file_changes_the_quotas(runner: Any, tmp_path: Path) -> None:
    document = {**two_units(), "quota_rounding": "half_up"}  # N = 2: n1 = 1, n2 = 2
    result = runner.invoke(args=["scores", "what-if", write(tmp_path, document)])
    assert [u["grade"] for u in json.loads(result.output)["units"]] == ["优秀", "良好"]


@pytest.mark.parametrize(
    ("change", "named", "said"),
    [
        (
            lambda u: u["indicators"][1].update(completion="1.5"),
            "indicators[1].completion",
            "1.5 大于 1",
        ),
        (lambda u: u["indicators"][0].update(weight=-30), "indicators[0].weight", "-30 小于 0"),
        (lambda u: u.update(leaders=["eighty"]), "leaders[0]", '"eighty" 不是数字'),
        (lambda u: u.pop("category"), "category", "缺失"),
        (lambda u: u["departmental"].update(sports=["1", "2"]), "departmental.sports", "未知"),
        (
            lambda u: u["departmental"].update(energy=["12", "10"]),
            "departmental.energy",
            "超过满分",
        ),
        (lambda u: u.update(leaders=[]), "leaders", "没有任何省领导评价"),
        (lambda u: u.update(leading_group=[]), "leading_group", "没有领导小组评价"),
        (lambda u: u.update(departmental={}), "departmental", "没有任何部门评价项目"),
        (lambda u: u.update(indicators=[]), "indicators", "没有已核实"),
        (lambda u: (u.pop("Y"), u.update(yearend={})), "yearend", "没有年终社会评价"),
    ],
)
def test_each_bad_input_exits_1_naming_the_unit_and_the_input(
    runner: Any, tmp_path: Path, change: Any, named: str, said: str
) -> None:
    document = two_units()
    change(document["units"][0])
    result = runner.invoke(args=["scores", "what-if", write(tmp_path, document)])
    assert result.exit_code == 1
    assert f"单位 ZZZ，{named}：" in result.output
    assert said in result.output
    assert "FGW" not in result.output


def test_a_file_that_is_not_json_exits_1(runner: Any, tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text("{not json", encoding="utf-8")
    result = runner.invoke(args=["scores", "what-if", str(path)])
    assert result.exit_code == 1
    assert "不是有效的 JSON" in result.output


def test_flags_are_explained_in_chinese(app: Flask) -> None:
    assert (
        flag_text(tie_flag(Grade.EXCELLENT, 2)) == "因得分并列，优秀名额超出 2 个，需由委员会确认。"
    )
    assert flag_text(DISQUALIFIED_FLAG) == "因有记录在案的情形（第二十二条），不得评为优秀。"
