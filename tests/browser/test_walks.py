"""Browser walks of the shipped procedures (issue 18): for each, the people of each step sign in,
open their task from the inbox, see read-only what the decision is about (the earlier values and
opinions), fill the form and submit it, to the end of the procedure."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from app.auth.models import RoleGrant, User
from app.auth.roles import Role
from app.auth.services import actor_for
from app.db import utcnow
from app.evaluations.demo import load_evaluations_demo
from app.evaluations.departments import ItemEntry, save_item
from app.evaluations.grid import GridEntry, save_grid
from app.evaluations.models import DepartmentItem, SheetKind
from app.evaluations.procedure import save_sheet
from app.extensions import db
from app.org.demo_data import LEADERS
from app.org.models import Unit
from app.org.services import memberships
from app.scoring.inputs import parse_inputs
from app.scoring.services import store_scores
from app.workflow.instances.runtime import start_instance
from app.workflow.models import HumanTask, HumanTaskState, InstanceStatus, ProcessInstance
from tests.browser.conftest import DEMO_PASSWORD, ROOT, screenshot, serve_demo, sign_in_as
from tests.factories import SYSTEM, make_user
from tests.scoring.builders import worked_example_document

# One demo server for the file, and the walks in file order (annual_cycle, which starts every
# unit's procedures, last): the file runs on one xdist worker.
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("walks")]
IN_THE_DEMO_YEAR = datetime(2026, 12, 3, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
YEAR = 2026
INSTANCES: dict[str, int] = {}


def _unit(code: str) -> Unit:
    return db.session.execute(select(Unit).where(Unit.code == code)).scalar_one()


def _open_instance(key: str, unit_code: str) -> int:
    return db.session.execute(
        select(ProcessInstance.id).where(
            ProcessInstance.process_key == key,
            ProcessInstance.unit_id == _unit(unit_code).id,
            ProcessInstance.status == InstanceStatus.WAITING,
        )
    ).scalar_one()


def _start(name: str, key: str, unit_code: str | None, data: dict[str, Any]) -> None:
    office = db.session.execute(select(User).where(User.username == "office1")).scalar_one()
    started = start_instance(
        db.session, actor=actor_for(office), key=key, unit_code=unit_code, data=data, now=utcnow()
    )
    db.session.commit()
    INSTANCES[name] = started.id


def _prepare_evaluations() -> None:
    """The demo's evaluations (leader2 and leader3 have submitted) with every other leader's
    sheet submitted but leader1's; group1's sheet and dept1's item finished on their pages
    but not yet confirmed on their tasks; the lead units' sheets submitted, their tasks done."""
    load_evaluations_demo(db.session, bpmn_dir=ROOT / "bpmn", now=utcnow())
    db.session.commit()
    INSTANCES["evaluations"] = db.session.execute(
        select(ProcessInstance.id).where(ProcessInstance.process_key == "evaluations")
    ).scalar_one()
    codes = [m.unit.code for m in memberships(db.session, YEAR)]
    entries = {code: GridEntry("85") for code in codes}

    def actor(username: str) -> Any:
        user = db.session.execute(select(User).where(User.username == username)).scalar_one()
        return actor_for(user)

    for number in range(4, len(LEADERS) + 1):
        save_sheet(
            db.session,
            actor=actor(f"leader{number}"),
            year=YEAR,
            kind=SheetKind.LEADER,
            entries=entries,
            submit=True,
            now=utcnow(),
        )
    save_grid(
        db.session,
        actor=actor("group1"),
        year=YEAR,
        kind=SheetKind.LEADING_GROUP,
        entries=entries,
        submit=True,
        now=utcnow(),
    )
    save_item(
        db.session,
        actor=actor("dept1"),
        year=YEAR,
        item=DepartmentItem.LEADERSHIP,
        entries={code: ItemEntry("13") for code in codes},
        now=utcnow(),
    )
    # Each staffed lead unit's staff submit their sheet (the grid keeps only the units it
    # leads), which completes its task, as the lead-unit tests show on the page.
    lead_unit_tasks = db.session.execute(
        select(HumanTask.scope_unit_id).where(
            HumanTask.instance_id == INSTANCES["evaluations"],
            HumanTask.spec_id == "lead_unit_rating",
            HumanTask.state == HumanTaskState.READY,
        )
    ).scalars()
    for unit_id in list(lead_unit_tasks):
        staff = db.session.execute(
            select(User)
            .join(RoleGrant, RoleGrant.user_id == User.id)
            .where(RoleGrant.unit_id == unit_id, RoleGrant.role == Role.UNIT_STAFF)
            .limit(1)
        ).scalar_one()
        save_sheet(
            db.session,
            actor=actor_for(staff),
            year=YEAR,
            kind=SheetKind.LEAD_UNIT,
            entries=entries,
            submit=True,
            now=utcnow(),
            unit_code=db.session.get(Unit, unit_id).code,
        )
    db.session.commit()


def _prepare() -> None:
    """Accounts the demo lacks (a lead unit's staff) and the instances the walks work."""
    make_user("gxt1", (Role.UNIT_STAFF, _unit("GXT")), password=DEMO_PASSWORD)
    make_user("swt1", (Role.UNIT_STAFF, _unit("SWT")), password=DEMO_PASSWORD)
    make_user("swthead1", (Role.UNIT_HEAD, _unit("SWT")), password=DEMO_PASSWORD)
    db.session.commit()
    INSTANCES["setting"] = _open_instance("indicator_setting", "SWT")  # the demo's, at its draft
    INSTANCES["adjustment"] = _open_instance("indicator_adjustment", "FGW")  # at its request
    INSTANCES["report"] = _open_instance("progress_reporting", "FGW")  # last month's, open
    _prepare_evaluations()
    _start("verification", "year_end_verification", "FGW", {"year": YEAR})
    units = [
        {**worked_example_document(m.unit.code), "category": m.category.value}
        for m in memberships(db.session, YEAR)
    ]
    store_scores(
        db.session,
        SYSTEM,
        YEAR,
        parse_inputs({"year": YEAR, "units": units}),
        "年度计分",
        now=utcnow(),
    )
    db.session.commit()
    _start("appeal", "appeal", "FGW", {"year": YEAR, "delivered_at": utcnow().isoformat()})
    _start("signoff", "signoff", None, {"year": YEAR})
    _start(
        "rectification",
        "rectification",
        "FGW",
        {"year": YEAR, "kind": "results", "subject": "考核结果反馈：重点任务推进偏慢"},
    )


@pytest.fixture(scope="module")
def server(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("walks")
    shutil.copy(sqlite_template, folder / "demo.sqlite")
    with time_machine.travel(IN_THE_DEMO_YEAR, tick=True):
        yield from serve_demo(folder, _prepare)


class People:
    """One signed-in browser page per person, kept for the module's walks (signing in is the
    slow part of a step)."""

    def __init__(self, browser: Browser, server: str) -> None:
        self.browser, self.server, self.pages = browser, server, {}  # type: dict[str, Page]

    def page(self, username: str) -> Page:
        if username not in self.pages:
            page = self.browser.new_context(locale="zh-CN").new_page()
            sign_in_as(page, self.server, username)
            expect(page).not_to_have_url(f"{self.server}/login")
            self.pages[username] = page
        return self.pages[username]

    def close(self) -> None:
        for page in self.pages.values():
            page.context.close()


@pytest.fixture(scope="module")
def people(browser: Browser, server: str) -> Iterator[People]:
    found = People(browser, server)
    yield found
    found.close()


def step(
    people: People,
    username: str,
    task: str,
    instance: str,
    *,
    sees: Iterable[str] = (),
    fill: Callable[[Page], None] | None = None,
    shot: str | None = None,
) -> Page:
    """`username` opens `task` of the walk's instance from the inbox, sees each of `sees` on
    the page, fills the form and submits it; the task is done."""
    page = people.page(username)
    page.goto(f"{people.server}/tasks")
    row = page.locator('[data-testid="inbox"] tbody tr').filter(
        has=page.locator(f'a[href="/instances/{INSTANCES[instance]}"]')
    )
    row.get_by_role("link", name=task, exact=True).click()
    expect(page.get_by_role("heading", name=task, level=1)).to_be_visible()
    for text in sees:
        expect(page.get_by_text(text).first).to_be_visible()
    if fill is not None:
        fill(page)
    if shot:
        screenshot(page, shot)
    page.get_by_role("button", name="提交", exact=True).click()
    expect(page.get_by_text("任务已办结。")).to_be_visible()
    return page


def instance_page(people: People, instance: str) -> Page:
    """The office's page of the walk's instance."""
    page = people.page("office1")
    page.goto(f"{people.server}/instances/{INSTANCES[instance]}")
    return page


def _table_inputs(page: Page, label: str) -> Any:
    return page.get_by_label(label, exact=True)


def test_year_end_verification(people: People, tmp_path: Path) -> None:
    evidence = tmp_path / "自评报告.pdf"
    evidence.write_bytes(b"%PDF-1.7\n self-evaluation of the year")

    def self_evaluate(page: Page) -> None:
        completions = _table_inputs(page, "完成程度（%）")
        for row in range(completions.count()):
            completions.nth(row).fill("90")
            _table_inputs(page, "自评得分").nth(row).fill("1")
            _table_inputs(page, "完成情况说明").nth(row).fill(f"第{row + 1}项全年任务按计划完成")
        page.locator('input[type="file"][name="evidence"]').set_input_files(str(evidence))

    step(people, "unit1", "逐项自查自评", "verification", fill=self_evaluate)
    step(
        people,
        "head1",
        "单位主要负责人审核签字",
        "verification",
        sees=["第1项全年任务按计划完成"],
        fill=lambda p: (
            expect(p.get_by_test_id("file-link")).to_have_text("自评报告.pdf"),
            p.get_by_label("审核意见").select_option(label="同意报送核验"),
        ),
    )

    def lead(page: Page) -> None:
        expect(page.get_by_test_id("file-link")).to_have_text("自评报告.pdf")
        page.get_by_label("核验意见").select_option(label="部分属实")
        page.get_by_label("具体意见").fill("第二项佐证不全")

    step(
        people,
        "gxt1",
        "牵头单位核验意见",
        "verification",
        sees=["第1项全年任务按计划完成"],
        fill=lead,
    )

    def verify(page: Page) -> None:
        expect(page.get_by_test_id("file-link")).to_have_text("自评报告.pdf")
        page.get_by_label("核验结论").select_option(label="核验完成，进入抽样实地核查")

    step(
        people,
        "office1",
        "省绩效办核验",
        "verification",
        sees=["第1项全年任务按计划完成", "第二项佐证不全", "部分属实"],
        fill=verify,
        shot="walk-verification-office",
    )

    def field_check(page: Page) -> None:
        findings = page.get_by_label("核查结论")
        for row in range(findings.count()):
            findings.nth(row).select_option(index=1)

    step(
        people,
        "office1",
        "实地核查抽样指标",
        "verification",
        sees=["第二项佐证不全"],
        fill=field_check,
    )
    page = instance_page(people, "verification")
    expect(page.get_by_test_id("instance-status")).to_contain_text("已完成")
    diagram = page.locator(".jx-diagram")
    expect(diagram).to_contain_text("被考评单位经办人")  # the lanes by their names only
    expect(diagram).not_to_contain_text("unit_staff")
    data = page.get_by_test_id("instance-data")
    expect(data.get_by_role("columnheader", name="完成情况说明").first).to_be_visible()
    expect(data.get_by_test_id("file-link").first).to_have_text("自评报告.pdf")
    screenshot(page, "walk-verification-instance")


def test_appeal(people: People, tmp_path: Path) -> None:
    document = tmp_path / "申诉书.pdf"
    document.write_bytes(b"%PDF-1.7\n the unit's appeal")

    def respond(page: Page) -> None:
        page.get_by_label("对考核结果").select_option(label="有异议，提出申诉")
        page.get_by_label("申诉理由").fill("第1项指标已全部完成，请予复核。")
        page.locator('input[type="file"][name="appeal_document"]').set_input_files(str(document))

    step(people, "unit1", "确认考核结果或提出申诉", "appeal", sees=["送达的考核结果"], fill=respond)

    def head(page: Page) -> None:
        expect(page.get_by_test_id("file-link")).to_have_text("申诉书.pdf")
        page.get_by_label("审核意见").select_option(label="同意申诉，签字报省绩效办")
        page.get_by_label("说明").fill("同意申诉")

    step(
        people,
        "head1",
        "单位主要负责人审核签字",
        "appeal",
        sees=["第1项指标已全部完成，请予复核。"],
        fill=head,
    )

    def review(page: Page) -> None:
        expect(page.get_by_test_id("file-link")).to_have_text("申诉书.pdf")
        page.get_by_label("复核结论").select_option(label="申诉不成立，维持原结果")
        page.get_by_label("答复意见").fill("经复核，第1项佐证不足，维持原结果。")

    step(
        people,
        "office1",
        "复核并答复申诉",
        "appeal",
        sees=["第1项指标已全部完成，请予复核。", "同意申诉", "计分依据（本单位当前各项输入）"],
        fill=review,
        shot="walk-appeal-office",
    )
    step(
        people,
        "unit1",
        "查看申诉答复",
        "appeal",
        sees=["经复核，第1项佐证不足，维持原结果。", "第1项指标已全部完成，请予复核。"],
        fill=lambda p: p.get_by_label("已阅知答复").check(),
    )
    expect(instance_page(people, "appeal").get_by_test_id("instance-status")).to_contain_text(
        "已完成"
    )


def test_signoff(people: People, tmp_path: Path) -> None:
    minutes = tmp_path / "会议纪要.pdf"
    minutes.write_bytes(b"%PDF-1.7\n minutes")

    def propose(page: Page) -> None:
        page.get_by_label("办理").select_option(label="报送领导小组审议")
        page.get_by_label("报送说明（退回后请说明修改情况）").fill("请审议")

    step(people, "office1", "报送考核等次建议", "signoff", sees=["优秀"], fill=propose)

    def group(page: Page) -> None:
        page.get_by_label("审议结论").select_option(label="同意")
        page.get_by_label("审议意见").fill("同意省绩效办建议")

    step(
        people,
        "group1",
        "领导小组审议考核等次",
        "signoff",
        sees=["请审议", "优秀"],
        fill=group,
    )

    def meeting(day: str) -> Callable[[Page], None]:
        def fill(page: Page) -> None:
            page.get_by_label("会议日期").fill(day)
            page.get_by_label("会议决定").select_option(label="同意")
            page.get_by_label("会议纪要（摘要）").fill("会议同意考核等次")
            page.locator('input[type="file"][name="minutes_document"]').set_input_files(
                str(minutes)
            )

        return fill

    step(
        people,
        "secretary1",
        "记录省政府常务会议审定结果",
        "signoff",
        sees=["同意省绩效办建议", "请审议"],
        fill=meeting("2026-12-03"),
    )
    step(
        people,
        "secretary1",
        "记录省委常委会会议审定结果",
        "signoff",
        sees=["同意省绩效办建议", "会议同意考核等次"],
        fill=meeting("2026-12-04"),
    )
    expect(instance_page(people, "signoff").get_by_test_id("instance-status")).to_contain_text(
        "已完成"
    )


def test_rectification(people: People, tmp_path: Path) -> None:
    evidence = tmp_path / "整改报告.pdf"
    evidence.write_bytes(b"%PDF-1.7\n rectification")

    def reply(page: Page) -> None:
        page.get_by_label("整改情况及答复").fill("已制定整改方案，按月推进。")
        page.locator('input[type="file"][name="evidence"]').set_input_files(str(evidence))

    step(
        people,
        "unit1",
        "答复并整改",
        "rectification",
        sees=["考核结果反馈：重点任务推进偏慢", "考核结果反馈问题整改"],
        fill=reply,
    )

    def sign(page: Page) -> None:
        expect(page.get_by_test_id("file-link")).to_have_text("整改报告.pdf")
        page.get_by_label("签发意见").select_option(label="退回经办人修改")
        page.get_by_label("说明").fill("请写明完成时限")

    step(
        people,
        "head1",
        "单位负责人签发",
        "rectification",
        sees=["已制定整改方案，按月推进。"],
        fill=sign,
    )

    def reply_again(page: Page) -> None:
        expect(page.get_by_label("整改情况及答复")).to_have_value("已制定整改方案，按月推进。")
        page.get_by_label("整改情况及答复").fill("已制定整改方案，按月推进，年底前完成。")

    step(people, "unit1", "答复并整改", "rectification", sees=["请写明完成时限"], fill=reply_again)

    def sign_again(page: Page) -> None:
        page.get_by_label("签发意见").select_option(label="同意，报省绩效办")

    step(
        people,
        "head1",
        "单位负责人签发",
        "rectification",
        sees=["已制定整改方案，按月推进，年底前完成。", "请写明完成时限"],
        fill=sign_again,
    )

    def review(page: Page) -> None:
        expect(page.get_by_test_id("file-link")).to_have_text("整改报告.pdf")
        page.get_by_label("审核意见").select_option(
            label="整改到位，办结（留有联系方式的，答复评价人）"
        )

    step(
        people,
        "office1",
        "省绩效办审核整改情况",
        "rectification",
        sees=["已制定整改方案，按月推进，年底前完成。", "请写明完成时限"],
        fill=review,
    )
    expect(
        instance_page(people, "rectification").get_by_test_id("instance-status")
    ).to_contain_text("已完成")


def test_indicator_setting(people: People) -> None:
    def draft(page: Page) -> None:
        weights, titles = page.get_by_label("权重（分）"), page.get_by_label("指标名称")
        drafted = [r for r in range(titles.count()) if titles.nth(r).input_value()]  # not blank
        assert drafted
        share = 80 // len(drafted)
        for row in drafted:
            last = row == drafted[-1]
            weights.nth(row).fill(str(80 - share * (len(drafted) - 1) if last else share))
        expect(page.locator('[data-total-for="indicators"]')).to_contain_text("80 / 80")
        page.get_by_label("编制说明").fill("按省重点工作任务逐项分解")

    step(people, "swt1", "编制绩效指标", "setting", fill=draft)

    def head(page: Page) -> None:
        page.get_by_label("本人已审阅以上全部内容").check()
        page.get_by_label("审核意见").select_option(label="同意报送省绩效办")

    step(
        people,
        "swthead1",
        "主要负责人审核签字",
        "setting",
        sees=["按省重点工作任务逐项分解", "报送的绩效指标"],
        fill=head,
    )

    def office(page: Page) -> None:
        page.get_by_label("审核结论").select_option(label="提交专家评审")
        page.get_by_label("评审专家 周敏").check()
        page.get_by_label("评审专家 吴磊").check()
        page.get_by_label("审核意见（专家评审要求或退回理由）").fill("请重点审查目标值的可考核性")

    step(
        people,
        "office1",
        "审核并选定评审专家",
        "setting",
        sees=["按省重点工作任务逐项分解"],
        fill=office,
    )
    for expert, opinion in (("expert1", "目标值清晰"), ("expert2", "第二项目标偏低")):

        def review(page: Page, opinion: str = opinion) -> None:
            page.get_by_label("评审意见").fill(opinion)
            page.get_by_label("评审建议").select_option(label="建议通过")

        step(
            people,
            expert,
            "专家评审",
            "setting",
            sees=["请重点审查目标值的可考核性", "按省重点工作任务逐项分解"],
            fill=review,
        )

    def consolidate(page: Page) -> None:
        page.get_by_label("汇总结论").select_option(label="报分管省领导审定")
        page.get_by_label("汇总意见").fill("专家均建议通过")

    step(
        people,
        "office1",
        "汇总专家意见",
        "setting",
        sees=["目标值清晰", "第二项目标偏低"],
        fill=consolidate,
    )
    step(
        people,
        "leader4",
        "分管省领导审定",
        "setting",
        sees=["专家均建议通过", "第二项目标偏低", "按省重点工作任务逐项分解"],
        fill=lambda p: p.get_by_label("审定意见").select_option(label="审定通过"),
        shot="walk-setting-leader",
    )
    expect(instance_page(people, "setting").get_by_test_id("instance-status")).to_contain_text(
        "已完成"
    )


def test_indicator_adjustment_rebalancing_weights(people: People, tmp_path: Path) -> None:
    document = tmp_path / "调整请示.pdf"
    document.write_bytes(b"%PDF-1.7\n the written request")

    def request(page: Page) -> None:
        page.get_by_label("调整的指标").select_option(index=1)
        page.get_by_label("调整方式").select_option(label="修改指标内容或权重")
        page.get_by_label("调整后的目标值（不改留空）").fill("全年完成率100%，并完成整改")
        weights = page.locator('[data-field="weights"]').get_by_label("权重（分）")
        first, second = (float(weights.nth(r).input_value()) for r in (0, 1))
        weights.nth(0).fill(f"{first + 2:g}")  # two points moved from the second to the first
        weights.nth(1).fill(f"{second - 2:g}")
        page.get_by_label("调整理由").fill("根据省政府最新部署调整目标和权重")
        page.locator('input[type="file"][name="document"]').set_input_files(str(document))

    step(people, "unit1", "填写调整请示", "adjustment", fill=request)

    def head(page: Page) -> None:
        expect(page.get_by_test_id("file-link")).to_have_text("调整请示.pdf")
        page.get_by_label("本人已审阅以上全部内容").check()
        page.get_by_label("审核意见").select_option(label="同意报分管省领导")
        page.get_by_label("说明").fill("同意调整")

    step(
        people,
        "head1",
        "主要负责人审核签字",
        "adjustment",
        sees=["全年完成率100%，并完成整改", "根据省政府最新部署调整目标和权重"],
        fill=head,
    )

    def leader(page: Page) -> None:
        weights = page.locator('[data-field="weight_changes"] tbody tr')
        expect(weights.first).to_be_visible()
        expect(page.get_by_role("columnheader", name="调整后权重（分）")).to_be_visible()
        expect(page.get_by_test_id("file-link")).to_have_text("调整请示.pdf")
        page.get_by_label("审批意见").select_option(label="同意调整")

    step(
        people,
        "leader1",
        "分管省领导审批",
        "adjustment",
        sees=["全年完成率100%，并完成整改", "根据省政府最新部署调整目标和权重", "同意调整"],
        fill=leader,
        shot="walk-adjustment-leader",
    )
    expect(instance_page(people, "adjustment").get_by_test_id("instance-status")).to_contain_text(
        "已完成"
    )


def test_progress_reporting(people: People, tmp_path: Path) -> None:
    evidence = tmp_path / "进展材料.pdf"
    evidence.write_bytes(b"%PDF-1.7\n progress")

    def report(page: Page) -> None:
        percents, summaries = page.get_by_label("完成进度（%）"), page.get_by_label("本期主要工作")
        for row in range(percents.count()):
            percents.nth(row).fill(str(60 + row))
            summaries.nth(row).fill(f"第{row + 1}项按月推进")
        page.locator('input[type="file"][name="evidence"]').set_input_files(str(evidence))

    step(people, "unit1", "填报月度进展", "report", sees=["报送月份"], fill=report)

    def head(page: Page) -> None:
        expect(page.get_by_test_id("file-link")).to_have_text("进展材料.pdf")
        page.get_by_label("本人已审阅以上全部内容").check()
        page.get_by_label("审核意见").select_option(label="同意报送")
        page.get_by_label("说明").fill("进展属实")

    step(people, "head1", "主要负责人审核签字", "report", sees=["第1项按月推进"], fill=head)
    step(
        people,
        "gxt1",
        "牵头单位督查指导",
        "report",
        sees=["第1项按月推进", "进展属实"],
        fill=lambda p: (
            expect(p.get_by_test_id("file-link")).to_have_text("进展材料.pdf"),
            p.get_by_label("督查指导意见").fill("请加快第二项进度"),
        ),
    )
    step(
        people,
        "office1",
        "审核进展报告",
        "report",
        sees=["第1项按月推进", "进展属实", "请加快第二项进度"],
        fill=lambda p: (
            expect(p.get_by_test_id("file-link")).to_have_text("进展材料.pdf"),
            p.get_by_label("审核结论").select_option(label="审核通过（公开完成进度）"),
        ),
    )
    expect(instance_page(people, "report").get_by_test_id("instance-status")).to_contain_text(
        "已完成"
    )


def test_evaluations(people: People) -> None:
    # leader1 rates on the grid the task leads to; submitting it completes the task.
    page = people.page("leader1")
    page.goto(f"{people.server}/tasks")
    row = page.locator('[data-testid="inbox"] tbody tr').filter(
        has=page.locator(f'a[href="/instances/{INSTANCES["evaluations"]}"]')
    )
    row.get_by_role("link", name="省领导评价", exact=True).click()
    expect(page.get_by_text("参评单位数")).to_be_visible()
    page.get_by_role("link", name="打开评分页面").click()  # the task leads to the grid
    scores = page.locator("input[id^='score-']")
    assert scores.count() > 60
    for number in range(scores.count()):
        scores.nth(number).fill(str(80 + number % 15))
    page.get_by_role("button", name="提交", exact=True).click()
    expect(page.get_by_text("您的年终评价任务已办结").first).to_be_visible()

    # group1 and dept1 finished their sheet and item on their pages: they confirm on the task,
    # offered only their own finished work.
    page = people.page("group1")
    page.goto(f"{people.server}/tasks")
    page.get_by_role("link", name="领导小组评估指标完成情况", exact=True).click()
    done = page.get_by_label("确认已提交")
    expect(done.locator("option")).to_have_count(2)  # “— 请选择 —” and their own sheet
    done.select_option(label="领导小组成员 徐志强：已提交")
    page.get_by_role("button", name="提交", exact=True).click()
    expect(page.get_by_text("任务已办结。")).to_be_visible()
    step(
        people,
        "dept1",
        "部门评价录入",
        "evaluations",
        sees=["参评单位数"],
        fill=lambda p: p.get_by_label("确认已提交").select_option(label="领导班子考核：已录入完毕"),
    )

    def close(page: Page) -> None:
        page.get_by_label("问卷处理").select_option(label="已关闭问卷，停止收集答卷")
        page.get_by_label("说明").fill("年终社会评价问卷已关闭")

    step(
        people,
        "office1",
        "关闭年终社会评价问卷",
        "evaluations",
        sees=["leader1", "group1", "dept1"],
        fill=close,
        shot="walk-evaluations-close",
    )
    expect(instance_page(people, "evaluations").get_by_test_id("instance-status")).to_contain_text(
        "已完成"
    )


def test_annual_cycle_opens_its_phases_and_their_procedures_start(people: People) -> None:
    """The office opens the year-end evaluations and verification early from /cycle, starts
    the year's cycle, and sees the phases whose dates have passed and those opened early start
    their procedures. (Last of the walks: it starts procedures for every unit.)"""
    page = people.page("office1")
    page.goto(f"{people.server}/cycle/{YEAR}")
    phases = page.get_by_test_id("phases")
    for early in ("evaluations", "verification"):
        row = phases.locator(f'tr[data-phase="{early}"]')
        row.get_by_role("button", name="提前开始").click()
        expect(row).to_contain_text("将提前开始")
    page.get_by_role("button", name="启动年度考核周期").click()
    for phase in ("indicator_setting", "reporting", "evaluations", "verification"):
        expect(phases.locator(f'tr[data-phase="{phase}"]')).to_contain_text("已开始")
    expect(phases.locator('tr[data-phase="scoring"]')).not_to_contain_text("已开始")
    # Their procedures started: every unit drafting its indicators, and the units with approved
    # indicators but no verification yet at their self-evaluation.
    expect(phases.locator('tr[data-phase="indicator_setting"]')).to_contain_text("编制绩效指标")
    verification = phases.locator('tr[data-phase="verification"]')
    expect(verification).to_contain_text("逐项自查自评")
    expect(verification.locator('[data-status="waiting"]')).to_be_visible()
    diagram = page.get_by_test_id("cycle-diagram")
    expect(diagram.locator(".djs-element").first).to_be_attached()
    screenshot(page, "walk-annual-cycle")
