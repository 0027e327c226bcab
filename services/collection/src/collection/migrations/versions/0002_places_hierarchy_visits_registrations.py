"""Places hierarchy (town, committee, area with collectors), sketches and certificates, visits with versioned
rules and room status, residence registrations.

Revision ID: 0002
Revises: 0001
Create Date: 2025-11-26
"""

from collections.abc import Sequence
from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "town",
        sa.Column("code", sa.String(50), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_table(
        "visit_rule_version",
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("occupied_absent_working_days", sa.Integer(), nullable=False),
        sa.Column("vacant_months", sa.Integer(), nullable=False),
        sa.Column("refusal_threshold", sa.Integer(), nullable=False),
        sa.Column("refusal_window_days", sa.Integer(), nullable=False),
        sa.Column("clause", sa.String(300), nullable=False),
        sa.Column("note", sa.String(500), nullable=True),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("version"),
    )
    # DB 31114/Z 001-2025 6.2.4 and 6.2.10, DB 31114/Z 002-2025 6.5-6.7: the first rule version, seeded from the
    # standard. "多次" refusals is read as the 2nd refusal within 90 days (issue 3); later notices add versions.
    rule_table = sa.table(
        "visit_rule_version",
        sa.column("version", sa.Integer()),
        sa.column("effective_from", sa.Date()),
        sa.column("occupied_absent_working_days", sa.Integer()),
        sa.column("vacant_months", sa.Integer()),
        sa.column("refusal_threshold", sa.Integer()),
        sa.column("refusal_window_days", sa.Integer()),
        sa.column("clause", sa.String()),
        sa.column("note", sa.String()),
        sa.column("created_by", sa.String()),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    op.bulk_insert(
        rule_table,
        [
            {
                "version": 1,
                "effective_from": date(2025, 1, 1),
                "occupied_absent_working_days": 2,
                "vacant_months": 1,
                "refusal_threshold": 2,
                "refusal_window_days": 90,
                "clause": "DB 31114/Z 001-2025 6.2.4, 6.2.10; DB 31114/Z 002-2025 6.5, 6.6, 6.7",
                "note": "seeded from the standard",
                "created_by": "migration 0002",
                "created_at": datetime(2025, 11, 26, tzinfo=UTC),
            }
        ],
    )

    op.create_table(
        "committee",
        sa.Column("code", sa.String(50), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("town", sa.String(50), nullable=False),
        sa.ForeignKeyConstraint(["town"], ["town.code"], name="fk_committee_town"),
        sa.PrimaryKeyConstraint("code"),
    )
    with op.batch_alter_table("committee", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_committee_town"), ["town"], unique=False)

    op.create_table(
        "area",
        sa.Column("code", sa.String(50), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("committee", sa.String(50), nullable=False),
        sa.Column("town", sa.String(50), nullable=False),
        sa.Column("grid", sa.String(50), nullable=False),
        sa.Column("police_station", sa.String(50), nullable=False),
        sa.ForeignKeyConstraint(["committee"], ["committee.code"], name="fk_area_committee"),
        sa.PrimaryKeyConstraint("code"),
    )
    with op.batch_alter_table("area", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_area_committee"), ["committee"], unique=False)
        batch_op.create_index(batch_op.f("ix_area_police_station"), ["police_station"], unique=False)
        batch_op.create_index(batch_op.f("ix_area_town"), ["town"], unique=False)

    op.create_table(
        "area_collector",
        sa.Column("area", sa.String(50), nullable=False),
        sa.Column("collector_sub", sa.String(200), nullable=False),
        sa.Column("collector_name", sa.String(200), nullable=False),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["area"], ["area.code"], name="fk_area_collector_area"),
        sa.PrimaryKeyConstraint("area", "collector_sub"),
    )
    with op.batch_alter_table("area_collector", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_area_collector_collector_sub"), ["collector_sub"], unique=False)

    op.create_table(
        "registration",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("room_id", sa.Uuid(), nullable=False),
        sa.Column("area", sa.String(50), nullable=False),
        sa.Column("person_category", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("id_number_cipher", sa.Text(), nullable=True),
        sa.Column("id_number_index", sa.String(64), nullable=True),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("ethnicity", sa.String(length=20), nullable=False),
        sa.Column("household_province", sa.String(50), nullable=False),
        sa.Column("household_city", sa.String(50), nullable=False),
        sa.Column("household_detail", sa.String(200), nullable=True),
        sa.Column("education", sa.String(length=30), nullable=True),
        sa.Column("residence_type", sa.String(length=20), nullable=False),
        sa.Column("residence_reason", sa.String(length=30), nullable=False),
        sa.Column("residence_reason_other", sa.String(200), nullable=True),
        sa.Column("landline_cipher", sa.Text(), nullable=True),
        sa.Column("mobile_cipher", sa.Text(), nullable=True),
        sa.Column("mobile_index", sa.String(64), nullable=True),
        sa.Column("photo_collected", sa.Boolean(), nullable=False),
        sa.Column("filled_by", sa.String(100), nullable=False),
        sa.Column("filled_on", sa.Date(), nullable=False),
        sa.Column("guardian_name", sa.String(100), nullable=True),
        sa.Column("guardian_id_number_cipher", sa.Text(), nullable=True),
        sa.Column("guardian_id_number_index", sa.String(64), nullable=True),
        sa.Column("guardian_relation", sa.String(50), nullable=True),
        sa.Column("guardian_household_address", sa.String(300), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("person_key", sa.String(64), nullable=True),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("visit_id", sa.Uuid(), nullable=True),
        sa.Column("registered_by", sa.String(200), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deregistered_by", sa.String(200), nullable=True),
        sa.Column("deregistered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deregistration_reason", sa.String(300), nullable=True),
        sa.Column("superseded_by", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(["room_id"], ["room.id"], name="fk_registration_room"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("person_key", name="uq_registration_active_person"),
    )
    with op.batch_alter_table("registration", schema=None) as batch_op:
        batch_op.create_index("ix_registration_area_status", ["area", "status"], unique=False)
        batch_op.create_index("ix_registration_id_number_index", ["id_number_index"], unique=False)
        batch_op.create_index("ix_registration_room_status", ["room_id", "status"], unique=False)

    op.create_table(
        "room_status",
        sa.Column("room_id", sa.Uuid(), nullable=False),
        sa.Column("area", sa.String(50), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("last_visit_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("next_visit_due", sa.Date(), nullable=True),
        sa.Column("due_provisional", sa.Boolean(), nullable=False),
        sa.Column("refusal_flagged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("overdue_reported_due", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["room_id"], ["room.id"], name="fk_room_status_room"),
        sa.PrimaryKeyConstraint("room_id"),
    )
    with op.batch_alter_table("room_status", schema=None) as batch_op:
        batch_op.create_index("ix_room_status_area_due", ["area", "next_visit_due"], unique=False)
        batch_op.create_index("ix_room_status_due", ["next_visit_due"], unique=False)

    op.create_table(
        "visit",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("room_id", sa.Uuid(), nullable=False),
        sa.Column("area", sa.String(50), nullable=False),
        sa.Column("visited_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("collector", sa.String(200), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("note", sa.String(2000), nullable=True),
        sa.Column("neighbour_info", sa.String(2000), nullable=True),
        sa.Column("departure_intention", sa.String(1000), nullable=True),
        sa.Column("next_visit_due", sa.Date(), nullable=True),
        sa.Column("due_provisional", sa.Boolean(), nullable=False),
        sa.Column("due_explanation", sa.String(2000), nullable=True),
        sa.Column("refusals_in_window", sa.Integer(), nullable=True),
        sa.Column("refusal_reported", sa.Boolean(), nullable=False),
        sa.Column("rule_version", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["room_id"], ["room.id"], name="fk_visit_room"),
        sa.ForeignKeyConstraint(["rule_version"], ["visit_rule_version.version"], name="fk_visit_rule_version"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("visit", schema=None) as batch_op:
        batch_op.create_index("ix_visit_room_visited_at", ["room_id", "visited_at"], unique=False)

    with op.batch_alter_table("building", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sketch_sha256", sa.String(64), nullable=True))
        batch_op.add_column(sa.Column("sketch_content_type", sa.String(50), nullable=True))
        batch_op.add_column(sa.Column("sketch_size", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("sketch_uploaded_by", sa.String(200), nullable=True))
        batch_op.add_column(sa.Column("sketch_uploaded_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_building_area"), ["area"], unique=False)
        batch_op.create_foreign_key("fk_building_area", "area", ["area"], ["code"])

    with op.batch_alter_table("room", schema=None) as batch_op:
        batch_op.add_column(sa.Column("certificate_no", sa.String(100), nullable=True))
        batch_op.add_column(sa.Column("certificate_holder", sa.String(100), nullable=True))
        batch_op.add_column(
            sa.Column("floor_area_m2", sa.Numeric(precision=10, scale=2, asdecimal=False), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("room", schema=None) as batch_op:
        batch_op.drop_column("floor_area_m2")
        batch_op.drop_column("certificate_holder")
        batch_op.drop_column("certificate_no")

    with op.batch_alter_table("building", schema=None) as batch_op:
        batch_op.drop_constraint("fk_building_area", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_building_area"))
        batch_op.drop_column("sketch_uploaded_at")
        batch_op.drop_column("sketch_uploaded_by")
        batch_op.drop_column("sketch_size")
        batch_op.drop_column("sketch_content_type")
        batch_op.drop_column("sketch_sha256")

    with op.batch_alter_table("visit", schema=None) as batch_op:
        batch_op.drop_index("ix_visit_room_visited_at")

    op.drop_table("visit")
    with op.batch_alter_table("room_status", schema=None) as batch_op:
        batch_op.drop_index("ix_room_status_due")
        batch_op.drop_index("ix_room_status_area_due")

    op.drop_table("room_status")
    with op.batch_alter_table("registration", schema=None) as batch_op:
        batch_op.drop_index("ix_registration_room_status")
        batch_op.drop_index("ix_registration_id_number_index")
        batch_op.drop_index("ix_registration_area_status")

    op.drop_table("registration")
    with op.batch_alter_table("area_collector", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_area_collector_collector_sub"))

    op.drop_table("area_collector")
    with op.batch_alter_table("area", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_area_town"))
        batch_op.drop_index(batch_op.f("ix_area_police_station"))
        batch_op.drop_index(batch_op.f("ix_area_committee"))

    op.drop_table("area")
    with op.batch_alter_table("committee", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_committee_town"))

    op.drop_table("committee")
    op.drop_table("visit_rule_version")
    op.drop_table("town")
