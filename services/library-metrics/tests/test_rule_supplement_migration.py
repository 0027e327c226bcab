"""Migration 0005 brings the rule rows of DB 31114/Z 005-2025 8.1 and 006-2025 6.3 as new versions, never by editing
one: also into a database where the bureau already made a later version (which would otherwise shadow them)."""

import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import sqlalchemy as sa

from jiading_shared.migrations import downgrade, upgrade
from library_metrics.indicators.rules import version_in_force

SUPPLEMENT = {"005-8.1-supervision-channels", "006-6.3-plaza-lighting-power"}
LATER = date(2027, 1, 1)


VERSION = sa.table(
    "rule_version",
    *(
        sa.column(name, kind)
        for name, kind in (("id", sa.Uuid()), ("version", sa.Integer()), ("based_on", sa.Integer()))
    ),
    sa.column("effective_from", sa.Date()),
    sa.column("reason", sa.Text()),
    sa.column("created_by", sa.String()),
    sa.column("created_at", sa.DateTime(timezone=True)),
)
RULE_COLUMNS = ("rule_id", "clause", "scope", "tiers", "metric", "comparison", "threshold", "unit", "period")
RULE = sa.table(
    "indicator_rule",
    sa.column("id", sa.Uuid()),
    sa.column("version_id", sa.Uuid()),
    sa.column("tiers", sa.JSON()),
    sa.column("params", sa.JSON()),
    sa.column("threshold", sa.Numeric(16, 4)),
    sa.column("requirement", sa.Text()),
    *(
        sa.column(name, sa.String())
        for name in ("rule_id", "clause", "scope", "metric", "comparison", "unit", "period")
    ),
)


def versions(url: str) -> dict[int, dict[str, Any]]:
    """Each version with its rows' thresholds by rule id."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            found = {row.version: dict(row._mapping) for row in connection.execute(sa.select(VERSION))}
            for version in found.values():
                version["rules"] = {
                    row.rule_id: float(row.threshold)
                    for row in connection.execute(
                        sa.select(RULE.c.rule_id, RULE.c.threshold).where(RULE.c.version_id == version["id"])
                    )
                }
            return found
    finally:
        engine.dispose()


def bureau_version_before_0005(url: str) -> None:
    """What POST /indicator-rule-versions would have written before 0005: version 2 = version 1 with town seats 120,
    effective 2027-01-01."""
    engine = sa.create_engine(url)
    try:
        with engine.begin() as connection:
            first = connection.execute(sa.select(VERSION.c.id).where(VERSION.c.version == 1)).scalar_one()
            version_id = uuid.uuid4()
            connection.execute(
                sa.insert(VERSION).values(
                    id=version_id,
                    version=2,
                    effective_from=LATER,
                    reason="嘉文旅通知：镇（街道）图书馆阅览座位不少于120个",
                    based_on=1,
                    created_by="bureau-1",
                    created_at=datetime.now(UTC),
                )
            )
            copies = [
                {
                    **dict(row._mapping),
                    "id": uuid.uuid4(),
                    "version_id": version_id,
                    "threshold": 120 if row.rule_id == "005-5.1.2.2-seats-town_library" else row.threshold,
                }
                for row in connection.execute(sa.select(RULE).where(RULE.c.version_id == first))
            ]
            connection.execute(sa.insert(RULE), copies)
    finally:
        engine.dispose()


def check_reissued(url: str) -> None:
    # DB31114/Z 005-2025 8.1 and 006-2025 6.3: the rows are in force from 2025-02-12 and after the bureau's change,
    # which is kept; the versions that existed are not edited.
    upgrade("library_metrics", url, "0004")
    bureau_version_before_0005(url)
    upgrade("library_metrics", url, "head")
    found = versions(url)
    assert sorted(found) == [1, 2, 3, 4]
    assert not SUPPLEMENT & set(found[1]["rules"])
    assert not SUPPLEMENT & set(found[2]["rules"])
    assert (found[3]["effective_from"], found[3]["based_on"]) == (date(2025, 2, 12), 1)
    assert set(found[3]["rules"]) == set(found[1]["rules"]) | SUPPLEMENT
    assert (found[4]["effective_from"], found[4]["based_on"]) == (LATER, 2)
    assert set(found[4]["rules"]) == set(found[2]["rules"]) | SUPPLEMENT
    assert found[4]["rules"]["005-5.1.2.2-seats-town_library"] == 120
    listed = [SimpleNamespace(**version) for version in found.values()]
    assert [version_in_force(listed, day).version for day in (date(2025, 2, 12), date(2026, 6, 1), LATER)] == [3, 3, 4]
    # and back: only what 0005 wrote goes
    downgrade("library_metrics", url, "0004")
    assert sorted(versions(url)) == [1, 2]


def test_later_versions_are_reissued_with_the_supplement_sqlite(tmp_path: Path) -> None:
    check_reissued(f"sqlite:///{tmp_path}/library.db")


@pytest.mark.postgres
def test_later_versions_are_reissued_with_the_supplement_postgres(postgres_url: str) -> None:
    check_reissued(postgres_url)
