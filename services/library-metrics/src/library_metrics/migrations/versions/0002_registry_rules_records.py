"""Facility registry completed (accessibility, equipment, free service items, committee), towns and committees,
the indicator rule table (versions and rows), facility records (opening calendar, closures, events, collection,
acquisitions, usage, shelving, shelf checks, requests, reference questions, complaints, surveys, staff, training,
volunteers) and published indicator breaches.

Revision ID: 0002
Revises: 0001
Create Date: 2026-05-10
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "indicator_breach",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("subject", sa.String(60), nullable=False),
        sa.Column("facility_id", sa.Uuid(), nullable=True),
        sa.Column("town", sa.String(50), nullable=False),
        sa.Column("rule_id", sa.String(80), nullable=False),
        sa.Column("clause", sa.String(80), nullable=False),
        sa.Column("period_key", sa.String(10), nullable=False),
        sa.Column("rule_version", sa.Integer(), nullable=False),
        sa.Column("value", sa.Numeric(precision=20, scale=4), nullable=True),
        sa.Column("threshold", sa.Numeric(precision=16, scale=4), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("detected_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("subject", "rule_id", "period_key", name="uq_indicator_breach_subject_rule"),
    )
    op.create_index(("ix_indicator_breach_facility_id"), "indicator_breach", ["facility_id"], unique=False)
    op.create_index(("ix_indicator_breach_town"), "indicator_breach", ["town"], unique=False)
    op.create_table(
        "rule_version",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("based_on", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("version", name="uq_rule_version_version"),
    )
    op.create_table(
        "town",
        sa.Column("code", sa.String(50), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("residents", sa.Integer(), nullable=True),
        sa.Column("area_km2", sa.Numeric(precision=10, scale=2), nullable=True),
        sa.Column("updated_by", sa.String(200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_table(
        "acquisition",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("facility_id", sa.Uuid(), nullable=False),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=30), nullable=False),
        sa.Column("titles", sa.Integer(), nullable=False),
        sa.Column("volumes", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["facility_id"], ["facility.id"], name="fk_acquisition_facility"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_acquisition_facility_received", "acquisition", ["facility_id", "received_on"], unique=False)
    op.create_table(
        "closure",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("facility_id", sa.Uuid(), nullable=False),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("announced_on", sa.Date(), nullable=False),
        sa.Column("emergency", sa.Boolean(), nullable=False),
        sa.Column("approved", sa.Boolean(), nullable=False),
        sa.Column("reported_to_town", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.ForeignKeyConstraint(["facility_id"], ["facility.id"], name="fk_closure_facility"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_closure_facility_starts", "closure", ["facility_id", "starts_on"], unique=False)
    op.create_table(
        "collection_count",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("facility_id", sa.Uuid(), nullable=False),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("books", sa.Integer(), nullable=True),
        sa.Column("newspaper_titles", sa.Integer(), nullable=True),
        sa.Column("magazine_titles", sa.Integer(), nullable=True),
        sa.Column("digital_storage_local_tb", sa.Numeric(precision=12, scale=3), nullable=True),
        sa.Column("digital_storage_self_built_tb", sa.Numeric(precision=12, scale=3), nullable=True),
        sa.Column("digital_resources_total", sa.Integer(), nullable=True),
        sa.Column("digital_resources_remote", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["facility_id"], ["facility.id"], name="fk_collection_count_facility"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("facility_id", "as_of", name="uq_collection_count_facility_as_of"),
    )
    op.create_table(
        "committee",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("town", sa.String(50), nullable=False),
        sa.Column("code", sa.String(50), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("running", sa.Boolean(), nullable=False),
        sa.Column("residents", sa.Integer(), nullable=True),
        sa.Column("area_km2", sa.Numeric(precision=10, scale=2), nullable=True),
        sa.Column("updated_by", sa.String(200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["town"], ["town.code"], name="fk_committee_town"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("town", "code", name="uq_committee_town_code"),
    )
    op.create_index(("ix_committee_town"), "committee", ["town"], unique=False)
    op.create_table(
        "complaint",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("facility_id", sa.Uuid(), nullable=False),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["facility_id"], ["facility.id"], name="fk_complaint_facility"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_complaint_facility_at", "complaint", ["facility_id", "received_at"], unique=False)
    op.create_table(
        "document_request",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("facility_id", sa.Uuid(), nullable=False),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("held", sa.Boolean(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["facility_id"], ["facility.id"], name="fk_document_request_facility"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_document_request_facility_at", "document_request", ["facility_id", "requested_at"], unique=False
    )
    op.create_table(
        "event",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("facility_id", sa.Uuid(), nullable=False),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("attendance", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["facility_id"], ["facility.id"], name="fk_event_facility"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_event_facility_held", "event", ["facility_id", "held_on"], unique=False)
    op.create_table(
        "indicator_rule",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("version_id", sa.Uuid(), nullable=False),
        sa.Column("rule_id", sa.String(80), nullable=False),
        sa.Column("clause", sa.String(80), nullable=False),
        sa.Column("scope", sa.String(length=20), nullable=False),
        sa.Column("tiers", sa.JSON(), nullable=False),
        sa.Column("metric", sa.String(60), nullable=False),
        sa.Column("comparison", sa.String(length=4), nullable=False),
        sa.Column("threshold", sa.Numeric(precision=16, scale=4), nullable=False),
        sa.Column("unit", sa.String(30), nullable=False),
        sa.Column("period", sa.String(length=20), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("requirement", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["version_id"], ["rule_version.id"], name="fk_indicator_rule_version"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("version_id", "rule_id", name="uq_indicator_rule_version_rule"),
    )
    op.create_table(
        "monthly_usage",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("facility_id", sa.Uuid(), nullable=False),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("loans", sa.Integer(), nullable=False),
        sa.Column("downloads", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["facility_id"], ["facility.id"], name="fk_monthly_usage_facility"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("facility_id", "month", name="uq_monthly_usage_facility_month"),
    )
    op.create_table(
        "opening_exception",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("facility_id", sa.Uuid(), nullable=False),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("on_date", sa.Date(), nullable=False),
        sa.Column("sessions", sa.JSON(), nullable=False),
        sa.Column("note", sa.String(500), nullable=True),
        sa.ForeignKeyConstraint(["facility_id"], ["facility.id"], name="fk_opening_exception_facility"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("facility_id", "on_date", name="uq_opening_exception_facility_date"),
    )
    op.create_table(
        "opening_pattern",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("facility_id", sa.Uuid(), nullable=False),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("sessions", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["facility_id"], ["facility.id"], name="fk_opening_pattern_facility"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("facility_id", "effective_from", name="uq_opening_pattern_facility_from"),
    )
    op.create_table(
        "reference_question",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("facility_id", sa.Uuid(), nullable=False),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("professional", sa.Boolean(), nullable=False),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["facility_id"], ["facility.id"], name="fk_reference_question_facility"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_reference_question_facility_at", "reference_question", ["facility_id", "asked_at"], unique=False
    )
    op.create_table(
        "shelf_check",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("facility_id", sa.Uuid(), nullable=False),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("items_checked", sa.Integer(), nullable=False),
        sa.Column("misplaced", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["facility_id"], ["facility.id"], name="fk_shelf_check_facility"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_shelf_check_facility_at", "shelf_check", ["facility_id", "checked_at"], unique=False)
    op.create_table(
        "shelving",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("facility_id", sa.Uuid(), nullable=False),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("item_type", sa.String(length=30), nullable=False),
        sa.Column("arrived_on", sa.Date(), nullable=False),
        sa.Column("shelved_on", sa.Date(), nullable=True),
        sa.Column("items", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["facility_id"], ["facility.id"], name="fk_shelving_facility"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_shelving_facility_arrived", "shelving", ["facility_id", "arrived_on"], unique=False)
    op.create_table(
        "staff_member",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("facility_id", sa.Uuid(), nullable=False),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("staff_code", sa.String(50), nullable=False),
        sa.Column("full_time", sa.Boolean(), nullable=False),
        sa.Column("joined_on", sa.Date(), nullable=False),
        sa.Column("left_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["facility_id"], ["facility.id"], name="fk_staff_member_facility"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("facility_id", "staff_code", name="uq_staff_member_facility_code"),
    )
    op.create_table(
        "survey",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("facility_id", sa.Uuid(), nullable=False),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("conducted_on", sa.Date(), nullable=False),
        sa.Column("distributed", sa.Integer(), nullable=False),
        sa.Column("returned", sa.Integer(), nullable=False),
        sa.Column("satisfied", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["facility_id"], ["facility.id"], name="fk_survey_facility"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_survey_facility_on", "survey", ["facility_id", "conducted_on"], unique=False)
    op.create_table(
        "training",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("facility_id", sa.Uuid(), nullable=False),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("staff_code", sa.String(50), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("hours", sa.Numeric(precision=8, scale=2), nullable=False),
        sa.Column("days", sa.Numeric(precision=6, scale=2), nullable=False),
        sa.Column("topic", sa.String(300), nullable=False),
        sa.ForeignKeyConstraint(["facility_id"], ["facility.id"], name="fk_training_facility"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_training_facility_started", "training", ["facility_id", "started_on"], unique=False)
    op.create_table(
        "volunteer_roster",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("facility_id", sa.Uuid(), nullable=False),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("active_teams", sa.Integer(), nullable=False),
        sa.Column("active_volunteers", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["facility_id"], ["facility.id"], name="fk_volunteer_roster_facility"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("facility_id", "year", name="uq_volunteer_roster_facility_year"),
    )
    op.add_column("facility", sa.Column("committee_code", sa.String(50), nullable=True))
    op.add_column("facility", sa.Column("seats", sa.Integer(), nullable=True))
    op.add_column("facility", sa.Column("reader_computers", sa.Integer(), nullable=True))
    op.add_column("facility", sa.Column("free_wifi", sa.Boolean(), nullable=True))
    op.add_column("facility", sa.Column("film_projection", sa.Boolean(), nullable=True))
    op.add_column("facility", sa.Column("citywide_borrow_return", sa.Boolean(), nullable=True))
    op.add_column("facility", sa.Column("entrance_ramp", sa.Boolean(), nullable=True))
    op.add_column("facility", sa.Column("accessible_toilet", sa.Boolean(), nullable=True))
    op.add_column("facility", sa.Column("multi_storey", sa.Boolean(), nullable=True))
    op.add_column("facility", sa.Column("lift", sa.Boolean(), nullable=True))
    op.add_column("facility", sa.Column("ground_floor_services", sa.Boolean(), nullable=True))
    op.add_column(
        "facility", sa.Column("free_service_items", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
    )
    op.add_column("facility", sa.Column("updated_by", sa.String(200), nullable=True))
    op.add_column("facility", sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("facility", "updated_at")
    op.drop_column("facility", "updated_by")
    op.drop_column("facility", "free_service_items")
    op.drop_column("facility", "ground_floor_services")
    op.drop_column("facility", "lift")
    op.drop_column("facility", "multi_storey")
    op.drop_column("facility", "accessible_toilet")
    op.drop_column("facility", "entrance_ramp")
    op.drop_column("facility", "citywide_borrow_return")
    op.drop_column("facility", "film_projection")
    op.drop_column("facility", "free_wifi")
    op.drop_column("facility", "reader_computers")
    op.drop_column("facility", "seats")
    op.drop_column("facility", "committee_code")
    op.drop_table("volunteer_roster")
    op.drop_index("ix_training_facility_started", table_name="training")
    op.drop_table("training")
    op.drop_index("ix_survey_facility_on", table_name="survey")
    op.drop_table("survey")
    op.drop_table("staff_member")
    op.drop_index("ix_shelving_facility_arrived", table_name="shelving")
    op.drop_table("shelving")
    op.drop_index("ix_shelf_check_facility_at", table_name="shelf_check")
    op.drop_table("shelf_check")
    op.drop_index("ix_reference_question_facility_at", table_name="reference_question")
    op.drop_table("reference_question")
    op.drop_table("opening_pattern")
    op.drop_table("opening_exception")
    op.drop_table("monthly_usage")
    op.drop_table("indicator_rule")
    op.drop_index("ix_event_facility_held", table_name="event")
    op.drop_table("event")
    op.drop_index("ix_document_request_facility_at", table_name="document_request")
    op.drop_table("document_request")
    op.drop_index("ix_complaint_facility_at", table_name="complaint")
    op.drop_table("complaint")
    op.drop_index(("ix_committee_town"), table_name="committee")
    op.drop_table("committee")
    op.drop_table("collection_count")
    op.drop_index("ix_closure_facility_starts", table_name="closure")
    op.drop_table("closure")
    op.drop_index("ix_acquisition_facility_received", table_name="acquisition")
    op.drop_table("acquisition")
    op.drop_table("town")
    op.drop_table("rule_version")
    op.drop_index(("ix_indicator_breach_town"), table_name="indicator_breach")
    op.drop_index(("ix_indicator_breach_facility_id"), table_name="indicator_breach")
    op.drop_table("indicator_breach")
