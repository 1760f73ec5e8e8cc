"""Demo data for the Jiangxi provincial-agency performance-management demo.

Jixiao manages the annual performance assessment of the provincial-level
agencies of Jiangxi province (江西省省直机关绩效管理).  This module provides
seed data for the *demo* province:

* ``UNITS`` lists real Jiangxi provincial-level agencies under their real
  official Chinese names, with a faithful English rendering.  Headcounts are
  plausible round figures, not official staffing quotas (编制数).
* ``LEADERS`` are FICTIONAL provincial leaders.  Their names are invented and
  do not refer to any real official, past or present.
* The assignment of each agency to one of the six ``CATEGORIES`` and to a
  leader in charge (``leader_key``) is a demo assignment made for this data
  set only.  It is not the official classification used by the province.

Nothing in this module is authoritative; it only exists so that a fresh
installation has realistic-looking data to display.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

__all__ = [
    "CATEGORIES",
    "LEADERS",
    "UNITS",
    "DemoLeader",
    "DemoUnit",
]

#: The six assessment categories, in display order:
#: 党政综合类, 经济发展类, 执法监督类, 社会服务类, 人民团体和民主党派类, 中央驻赣类.
CATEGORIES: Final[tuple[str, ...]] = (
    "party_gov",
    "economic",
    "law_enforcement",
    "social_service",
    "people_org",
    "central",
)


@dataclass(frozen=True)
class DemoLeader:
    """A fictional provincial leader who is in charge of several units."""

    key: str
    name: str
    title_zh: str
    title_en: str


@dataclass(frozen=True)
class DemoUnit:
    """A real Jiangxi provincial-level agency, placed in a demo category."""

    code: str
    name_zh: str
    name_en: str
    category: str
    headcount: int
    leader_key: str


# Fictional people only: none of these names belongs to a real official.
LEADERS: Final[tuple[DemoLeader, ...]] = (
    DemoLeader("leader1", "王明远", "常务副省长", "Executive Vice Governor"),
    DemoLeader(
        "leader2",
        "周清和",
        "省委副书记",
        "Deputy Secretary of the CPC Jiangxi Provincial Committee",
    ),
    DemoLeader(
        "leader3",
        "陈立川",
        "省委常委、秘书长",
        "Member of the Standing Committee and Secretary-General"
        " of the CPC Jiangxi Provincial Committee",
    ),
    DemoLeader("leader4", "赵文博", "副省长", "Vice Governor"),
    DemoLeader("leader5", "孙静怡", "副省长", "Vice Governor"),
    DemoLeader(
        "leader6",
        "吴德安",
        "副省长、省公安厅厅长",
        "Vice Governor and Director of the Provincial Department of Public Security",
    ),
    DemoLeader("leader7", "郑海峰", "副省长", "Vice Governor"),
    DemoLeader(
        "leader8",
        "黄书韵",
        "省委常委、统战部部长",
        "Member of the Standing Committee and Head of the United Front"
        " Work Department of the CPC Jiangxi Provincial Committee",
    ),
)

# Real agency names; category and leader_key are a demo assignment only.
UNITS: Final[tuple[DemoUnit, ...]] = (
    # ----------------------------------------------------------------- economic
    DemoUnit(
        "FGW",
        "江西省发展和改革委员会",
        "Jiangxi Provincial Development and Reform Commission",
        "economic",
        260,
        "leader1",
    ),
    # ---------------------------------------------------------------- party_gov
    DemoUnit(
        "SWBGT",
        "中共江西省委办公厅",
        "General Office of the CPC Jiangxi Provincial Committee",
        "party_gov",
        180,
        "leader3",
    ),
    DemoUnit(
        "SZFBGT",
        "江西省人民政府办公厅",
        "General Office of the Jiangxi Provincial People's Government",
        "party_gov",
        210,
        "leader3",
    ),
    DemoUnit(
        "RDBGT",
        "江西省人民代表大会常务委员会办公厅",
        "General Office of the Standing Committee of the Jiangxi Provincial People's Congress",
        "party_gov",
        150,
        "leader3",
    ),
    DemoUnit(
        "ZXBGT",
        "中国人民政治协商会议江西省委员会办公厅",
        "General Office of the Jiangxi Provincial Committee of the Chinese"
        " People's Political Consultative Conference",
        "party_gov",
        120,
        "leader8",
    ),
    DemoUnit(
        "JW",
        "中共江西省纪律检查委员会",
        "Jiangxi Provincial Commission for Discipline Inspection of the CPC",
        "party_gov",
        330,
        "leader2",
    ),
    DemoUnit(
        "ZZB",
        "中共江西省委组织部",
        "Organization Department of the CPC Jiangxi Provincial Committee",
        "party_gov",
        160,
        "leader2",
    ),
    DemoUnit(
        "XCB",
        "中共江西省委宣传部",
        "Publicity Department of the CPC Jiangxi Provincial Committee",
        "party_gov",
        140,
        "leader3",
    ),
    DemoUnit(
        "TZB",
        "中共江西省委统一战线工作部",
        "United Front Work Department of the CPC Jiangxi Provincial Committee",
        "party_gov",
        130,
        "leader8",
    ),
    DemoUnit(
        "ZFW",
        "中共江西省委政法委员会",
        "Political and Legal Affairs Commission of the CPC Jiangxi Provincial Committee",
        "party_gov",
        90,
        "leader2",
    ),
    DemoUnit(
        "ZYS",
        "中共江西省委政策研究室",
        "Policy Research Office of the CPC Jiangxi Provincial Committee",
        "party_gov",
        60,
        "leader3",
    ),
    DemoUnit(
        "BB",
        "中共江西省委机构编制委员会办公室",
        "Office of the Jiangxi Provincial Commission for Public Sector Reform",
        "party_gov",
        50,
        "leader2",
    ),
    DemoUnit(
        "WXB",
        "中共江西省委网络安全和信息化委员会办公室",
        "Office of the Cyberspace Affairs Commission of the CPC Jiangxi Provincial Committee",
        "party_gov",
        70,
        "leader3",
    ),
    DemoUnit(
        "GY",
        "江西省高级人民法院",
        "Jiangxi Provincial Higher People's Court",
        "party_gov",
        380,
        "leader2",
    ),
    DemoUnit(
        "JCY",
        "江西省人民检察院",
        "Jiangxi Provincial People's Procuratorate",
        "party_gov",
        300,
        "leader2",
    ),
    DemoUnit(
        "XFJ",
        "江西省信访局",
        "Jiangxi Provincial Bureau of Letters and Calls",
        "party_gov",
        80,
        "leader6",
    ),
    DemoUnit(
        "JGSWJ",
        "江西省机关事务管理局",
        "Jiangxi Provincial Government Offices Administration",
        "party_gov",
        110,
        "leader3",
    ),
    # ----------------------------------------------------------------- economic
    DemoUnit(
        "GXT",
        "江西省工业和信息化厅",
        "Jiangxi Provincial Department of Industry and Information Technology",
        "economic",
        190,
        "leader4",
    ),
    DemoUnit(
        "CZT",
        "江西省财政厅",
        "Jiangxi Provincial Department of Finance",
        "economic",
        230,
        "leader1",
    ),
    DemoUnit(
        "SWT",
        "江西省商务厅",
        "Jiangxi Provincial Department of Commerce",
        "economic",
        150,
        "leader4",
    ),
    DemoUnit(
        "JTT",
        "江西省交通运输厅",
        "Jiangxi Provincial Department of Transport",
        "economic",
        170,
        "leader7",
    ),
    DemoUnit(
        "NYT",
        "江西省农业农村厅",
        "Jiangxi Provincial Department of Agriculture and Rural Affairs",
        "economic",
        210,
        "leader7",
    ),
    DemoUnit(
        "ZRT",
        "江西省自然资源厅",
        "Jiangxi Provincial Department of Natural Resources",
        "economic",
        200,
        "leader7",
    ),
    DemoUnit(
        "ZJT",
        "江西省住房和城乡建设厅",
        "Jiangxi Provincial Department of Housing and Urban-Rural Development",
        "economic",
        140,
        "leader7",
    ),
    DemoUnit(
        "SLT",
        "江西省水利厅",
        "Jiangxi Provincial Department of Water Resources",
        "economic",
        150,
        "leader7",
    ),
    DemoUnit(
        "LYJ",
        "江西省林业局",
        "Jiangxi Provincial Forestry Bureau",
        "economic",
        120,
        "leader7",
    ),
    DemoUnit(
        "GZW",
        "江西省人民政府国有资产监督管理委员会",
        "State-owned Assets Supervision and Administration Commission"
        " of the Jiangxi Provincial People's Government",
        "economic",
        110,
        "leader1",
    ),
    DemoUnit(
        "TJJ",
        "江西省统计局",
        "Jiangxi Provincial Bureau of Statistics",
        "economic",
        100,
        "leader1",
    ),
    DemoUnit(
        "KJT",
        "江西省科学技术厅",
        "Jiangxi Provincial Department of Science and Technology",
        "economic",
        130,
        "leader4",
    ),
    DemoUnit(
        "LSJ",
        "江西省粮食和物资储备局",
        "Jiangxi Provincial Food and Strategic Reserves Administration",
        "economic",
        90,
        "leader4",
    ),
    DemoUnit(
        "GXS",
        "江西省供销合作社联合社",
        "Jiangxi Provincial Federation of Supply and Marketing Cooperatives",
        "economic",
        70,
        "leader7",
    ),
    # ---------------------------------------------------------- law_enforcement
    DemoUnit(
        "GAT",
        "江西省公安厅",
        "Jiangxi Provincial Department of Public Security",
        "law_enforcement",
        400,
        "leader6",
    ),
    DemoUnit(
        "SFT",
        "江西省司法厅",
        "Jiangxi Provincial Department of Justice",
        "law_enforcement",
        160,
        "leader6",
    ),
    DemoUnit(
        "SJT",
        "江西省审计厅",
        "Jiangxi Provincial Audit Office",
        "law_enforcement",
        180,
        "leader1",
    ),
    DemoUnit(
        "SCJGJ",
        "江西省市场监督管理局",
        "Jiangxi Provincial Administration for Market Regulation",
        "law_enforcement",
        240,
        "leader4",
    ),
    DemoUnit(
        "YJT",
        "江西省应急管理厅",
        "Jiangxi Provincial Department of Emergency Management",
        "law_enforcement",
        150,
        "leader6",
    ),
    DemoUnit(
        "STHJT",
        "江西省生态环境厅",
        "Jiangxi Provincial Department of Ecology and Environment",
        "law_enforcement",
        170,
        "leader7",
    ),
    DemoUnit(
        "YJJ",
        "江西省药品监督管理局",
        "Jiangxi Provincial Medical Products Administration",
        "law_enforcement",
        90,
        "leader5",
    ),
    DemoUnit(
        "JYJ",
        "江西省监狱管理局",
        "Jiangxi Provincial Prison Administration Bureau",
        "law_enforcement",
        120,
        "leader6",
    ),
    DemoUnit(
        "JDJ",
        "江西省戒毒管理局",
        "Jiangxi Provincial Drug Rehabilitation Administration",
        "law_enforcement",
        60,
        "leader6",
    ),
    DemoUnit(
        "RFB",
        "江西省人民防空办公室",
        "Jiangxi Provincial Civil Air Defense Office",
        "law_enforcement",
        60,
        "leader6",
    ),
    # ----------------------------------------------------------- social_service
    DemoUnit(
        "JYT",
        "江西省教育厅",
        "Jiangxi Provincial Department of Education",
        "social_service",
        200,
        "leader5",
    ),
    DemoUnit(
        "WJW",
        "江西省卫生健康委员会",
        "Jiangxi Provincial Health Commission",
        "social_service",
        220,
        "leader5",
    ),
    DemoUnit(
        "MZT",
        "江西省民政厅",
        "Jiangxi Provincial Department of Civil Affairs",
        "social_service",
        130,
        "leader5",
    ),
    DemoUnit(
        "RST",
        "江西省人力资源和社会保障厅",
        "Jiangxi Provincial Department of Human Resources and Social Security",
        "social_service",
        190,
        "leader5",
    ),
    DemoUnit(
        "WHT",
        "江西省文化和旅游厅",
        "Jiangxi Provincial Department of Culture and Tourism",
        "social_service",
        140,
        "leader5",
    ),
    DemoUnit(
        "TYJ",
        "江西省体育局",
        "Jiangxi Provincial Sports Bureau",
        "social_service",
        80,
        "leader5",
    ),
    DemoUnit(
        "TYJRT",
        "江西省退役军人事务厅",
        "Jiangxi Provincial Department of Veterans Affairs",
        "social_service",
        90,
        "leader6",
    ),
    DemoUnit(
        "YBJ",
        "江西省医疗保障局",
        "Jiangxi Provincial Healthcare Security Administration",
        "social_service",
        80,
        "leader5",
    ),
    DemoUnit(
        "GDJ",
        "江西省广播电视局",
        "Jiangxi Provincial Radio and Television Administration",
        "social_service",
        70,
        "leader3",
    ),
    DemoUnit(
        "HSZH",
        "江西省红十字会",
        "Jiangxi Branch of the Red Cross Society of China",
        "social_service",
        40,
        "leader5",
    ),
    # --------------------------------------------------------------- people_org
    DemoUnit(
        "ZGH",
        "江西省总工会",
        "Jiangxi Provincial Federation of Trade Unions",
        "people_org",
        120,
        "leader2",
    ),
    DemoUnit(
        "TSW",
        "共青团江西省委员会",
        "Jiangxi Provincial Committee of the Communist Youth League of China",
        "people_org",
        60,
        "leader2",
    ),
    DemoUnit(
        "FL",
        "江西省妇女联合会",
        "Jiangxi Provincial Women's Federation",
        "people_org",
        60,
        "leader2",
    ),
    DemoUnit(
        "KX",
        "江西省科学技术协会",
        "Jiangxi Provincial Association for Science and Technology",
        "people_org",
        70,
        "leader4",
    ),
    DemoUnit(
        "WL",
        "江西省文学艺术界联合会",
        "Jiangxi Provincial Federation of Literary and Art Circles",
        "people_org",
        60,
        "leader3",
    ),
    DemoUnit(
        "SKL",
        "江西省社会科学界联合会",
        "Jiangxi Provincial Federation of Social Science Circles",
        "people_org",
        50,
        "leader3",
    ),
    DemoUnit(
        "GSL",
        "江西省工商业联合会",
        "Jiangxi Provincial Federation of Industry and Commerce",
        "people_org",
        70,
        "leader8",
    ),
    DemoUnit(
        "CL",
        "江西省残疾人联合会",
        "Jiangxi Provincial Disabled Persons' Federation",
        "people_org",
        50,
        "leader5",
    ),
    DemoUnit(
        "QL",
        "江西省归国华侨联合会",
        "Jiangxi Provincial Federation of Returned Overseas Chinese",
        "people_org",
        35,
        "leader8",
    ),
    DemoUnit(
        "MG",
        "民革江西省委员会",
        "Jiangxi Provincial Committee of the Revolutionary Committee of the Chinese Kuomintang",
        "people_org",
        35,
        "leader8",
    ),
    DemoUnit(
        "MM",
        "民盟江西省委员会",
        "Jiangxi Provincial Committee of the China Democratic League",
        "people_org",
        40,
        "leader8",
    ),
    DemoUnit(
        "MJ",
        "民建江西省委员会",
        "Jiangxi Provincial Committee of the China National Democratic Construction Association",
        "people_org",
        38,
        "leader8",
    ),
    DemoUnit(
        "MJIN",
        "民进江西省委员会",
        "Jiangxi Provincial Committee of the China Association for Promoting Democracy",
        "people_org",
        36,
        "leader8",
    ),
    DemoUnit(
        "NGD",
        "农工党江西省委员会",
        "Jiangxi Provincial Committee of the Chinese Peasants' and Workers' Democratic Party",
        "people_org",
        34,
        "leader8",
    ),
    DemoUnit(
        "ZGD",
        "致公党江西省委员会",
        "Jiangxi Provincial Committee of the China Zhi Gong Party",
        "people_org",
        30,
        "leader8",
    ),
    DemoUnit(
        "JSXS",
        "九三学社江西省委员会",
        "Jiangxi Provincial Committee of the Jiusan Society",
        "people_org",
        33,
        "leader8",
    ),
    # ------------------------------------------------------------------ central
    DemoUnit(
        "SWJ",
        "国家税务总局江西省税务局",
        "Jiangxi Provincial Tax Service, State Taxation Administration",
        "central",
        400,
        "leader1",
    ),
    DemoUnit(
        "NCHG",
        "南昌海关",
        "Nanchang Customs",
        "central",
        300,
        "leader4",
    ),
    DemoUnit(
        "QXJ",
        "江西省气象局",
        "Jiangxi Provincial Meteorological Bureau",
        "central",
        150,
        "leader6",
    ),
    DemoUnit(
        "DCZD",
        "国家统计局江西调查总队",
        "Jiangxi Survey Office of the National Bureau of Statistics",
        "central",
        120,
        "leader4",
    ),
    DemoUnit(
        "RMYH",
        "中国人民银行江西省分行",
        "Jiangxi Provincial Branch of the People's Bank of China",
        "central",
        260,
        "leader1",
    ),
    DemoUnit(
        "JRJGJ",
        "国家金融监督管理总局江西监管局",
        "Jiangxi Office of the National Financial Regulatory Administration",
        "central",
        230,
        "leader1",
    ),
    DemoUnit(
        "ZJJGJ",
        "中国证券监督管理委员会江西监管局",
        "Jiangxi Office of the China Securities Regulatory Commission",
        "central",
        60,
        "leader1",
    ),
    DemoUnit(
        "WHJ",
        "国家外汇管理局江西省分局",
        "Jiangxi Branch of the State Administration of Foreign Exchange",
        "central",
        80,
        "leader1",
    ),
    DemoUnit(
        "TXGLJ",
        "江西省通信管理局",
        "Jiangxi Communications Administration",
        "central",
        50,
        "leader4",
    ),
    DemoUnit(
        "YZGLJ",
        "江西省邮政管理局",
        "Jiangxi Postal Administration",
        "central",
        45,
        "leader7",
    ),
    DemoUnit(
        "KSJ",
        "国家矿山安全监察局江西局",
        "Jiangxi Bureau of the National Mine Safety Administration",
        "central",
        60,
        "leader6",
    ),
    DemoUnit(
        "DZJ",
        "江西省地震局",
        "Jiangxi Earthquake Agency",
        "central",
        70,
        "leader6",
    ),
)
