"""Write samples/key_tasks_2026.xlsx, the sample key-task catalogue (demo province units).

Run `python tools/make_catalogue_sample.py` after changing the rows below.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

ROWS = [
    (
        1,
        "深化营商环境优化升级“一号改革工程”",
        "省委工作要点",
        "营商环境评价进入全国第一方阵",
        "FGW",
        "FGW、SWT、SCJGJ",
    ),
    (
        2,
        "推进制造业重点产业链现代化建设",
        "省政府工作报告",
        "制造业增加值占GDP比重稳中有升",
        "GXT",
        "GXT、FGW、KJT",
    ),
    (
        3,
        "实施科技创新能力提升行动",
        "省政府工作报告",
        "研发经费投入强度提高0.1个百分点",
        "KJT",
        "KJT、JYT",
    ),
    (
        4,
        "推动数字经济做优做强",
        "省委工作要点",
        "数字经济核心产业增加值增长10%以上",
        "GXT",
        "GXT、FGW",
    ),
    (
        5,
        "扎实推进乡村全面振兴",
        "中央一号文件及省委实施意见",
        "粮食播种面积稳定、农民收入增长快于城镇居民",
        "NYT",
        "NYT、SLT、ZRT",
    ),
]


def main() -> None:
    """Write the workbook next to the README that describes it."""
    book = Workbook()
    sheet = book.active
    sheet.title = "2026年度重点工作任务"
    sheet.append(["序号", "任务名称", "任务来源", "目标要求", "牵头单位", "责任单位"])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in ROWS:
        sheet.append(list(row))
    for column, width in zip("ABCDEF", (6, 40, 24, 40, 12, 28), strict=True):
        sheet.column_dimensions[column].width = width
    target = Path(__file__).resolve().parent.parent / "samples" / "key_tasks_2026.xlsx"
    book.save(target)
    print(f"wrote {target}")  # noqa: T201


if __name__ == "__main__":
    main()
