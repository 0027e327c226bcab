"""Projects (bid and actuals), evidence, provider documents, scoring model versions, evaluation rounds, panels,
score sheets and their audit trail, self-evaluations and published results.

Revision ID: 0002
Revises: 0001
Create Date: 2025-11-27
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
        "scoring_model",
        sa.Column("id", sa.String(length=80), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("reason", sa.String(length=1000), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("effective_from"),
    )
    op.create_table(
        "assistance_project",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("provider_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("service_year", sa.Integer(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("target_disability_types", sa.JSON(), nullable=False),
        sa.Column("budget_planned_fen", sa.BigInteger(), nullable=False),
        sa.Column("satisfied_planned", sa.Integer(), nullable=False),
        sa.Column("staffing_plan", sa.JSON(), nullable=False),
        sa.Column("schedule", sa.JSON(), nullable=False),
        sa.Column("quality_targets", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["provider.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_assistance_project_provider_id"), "assistance_project", ["provider_id"], unique=False)
    op.create_table(
        "provider_document",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("provider_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("blob_key", sa.String(length=64), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("uploaded_by", sa.String(length=200), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["provider.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_provider_document_provider_id"), "provider_document", ["provider_id"], unique=False)
    op.create_table(
        "archive_item",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("archived_on", sa.Date(), nullable=False),
        sa.Column("retention_years", sa.Integer(), nullable=True),
        sa.Column("blob_key", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["assistance_project.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_archive_item_project_id"), "archive_item", ["project_id"], unique=False)
    op.create_table(
        "article",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("channel", sa.String(length=40), nullable=False),
        sa.Column("published_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["assistance_project.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_article_project_id"), "article", ["project_id"], unique=False)
    op.create_table(
        "budget_adjustment",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("requested_on", sa.Date(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(length=1000), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["assistance_project.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_budget_adjustment_project_id"), "budget_adjustment", ["project_id"], unique=False)
    op.create_table(
        "complaint",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("summary", sa.String(length=1000), nullable=False),
        sa.Column("valid", sa.Boolean(), nullable=False),
        sa.Column("handled_on", sa.Date(), nullable=True),
        sa.Column("handling", sa.String(length=2000), nullable=True),
        sa.Column("handled_in_time", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["assistance_project.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_complaint_project_id"), "complaint", ["project_id"], unique=False)
    op.create_table(
        "evaluation_round",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("scoring_model_id", sa.String(length=80), nullable=False),
        sa.Column("aggregation", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("observed_measures", sa.JSON(), nullable=False),
        sa.Column("published_version", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["assistance_project.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_evaluation_round_project_id"), "evaluation_round", ["project_id"], unique=False)
    op.create_table(
        "evidence",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("factor_code", sa.String(length=80), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("blob_key", sa.String(length=64), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("uploaded_by", sa.String(length=200), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["assistance_project.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_evidence_project_id"), "evidence", ["project_id"], unique=False)
    op.create_table(
        "expenditure",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("spent_on", sa.Date(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("voucher_no", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["assistance_project.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_expenditure_project_id"), "expenditure", ["project_id"], unique=False)
    op.create_table(
        "mobilisation",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("audience", sa.String(length=20), nullable=False),
        sa.Column("description", sa.String(length=1000), nullable=False),
        sa.Column("mobilised_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["assistance_project.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_mobilisation_project_id"), "mobilisation", ["project_id"], unique=False)
    op.create_table(
        "planned_activity",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("planned_persons", sa.Integer(), nullable=False),
        sa.Column("planned_frequency", sa.Integer(), nullable=False),
        sa.Column("disability_types", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["assistance_project.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_planned_activity_project_id"), "planned_activity", ["project_id"], unique=False)
    op.create_table(
        "recognition",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["assistance_project.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_recognition_project_id"), "recognition", ["project_id"], unique=False)
    op.create_table(
        "safety_incident",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("description", sa.String(length=2000), nullable=False),
        sa.Column("accident", sa.Boolean(), nullable=False),
        sa.Column("response", sa.String(length=2000), nullable=True),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["assistance_project.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_safety_incident_project_id"), "safety_incident", ["project_id"], unique=False)
    op.create_table(
        "satisfaction_survey",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("surveyed_on", sa.Date(), nullable=False),
        sa.Column("respondents", sa.Integer(), nullable=False),
        sa.Column("project_setting", sa.Integer(), nullable=False),
        sa.Column("service_attitude", sa.Integer(), nullable=False),
        sa.Column("service_quality", sa.Integer(), nullable=False),
        sa.Column("work_efficiency", sa.Integer(), nullable=False),
        sa.Column("integrity", sa.Integer(), nullable=False),
        sa.Column("needs_met", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["assistance_project.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_satisfaction_survey_project_id"), "satisfaction_survey", ["project_id"], unique=False)
    op.create_table(
        "activity_record",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("planned_activity_id", sa.Uuid(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("persons_served", sa.Integer(), nullable=False),
        sa.Column("signed_in", sa.Integer(), nullable=False),
        sa.Column("notes", sa.String(length=2000), nullable=True),
        sa.ForeignKeyConstraint(
            ["planned_activity_id"],
            ["planned_activity.id"],
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["assistance_project.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_activity_record_project_id"), "activity_record", ["project_id"], unique=False)
    op.create_table(
        "panel_member",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("round_id", sa.Uuid(), nullable=False),
        sa.Column("assessor_sub", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["evaluation_round.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("round_id", "assessor_sub", name="uq_panel_member_round_assessor"),
    )
    op.create_index(op.f("ix_panel_member_round_id"), "panel_member", ["round_id"], unique=False)
    op.create_table(
        "round_result",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("round_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("total", sa.Float(), nullable=False),
        sa.Column("scoring_model_id", sa.String(length=80), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("reason", sa.String(length=1000), nullable=True),
        sa.Column("published_by", sa.String(length=200), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["evaluation_round.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("round_id", "version", name="uq_round_result_round_version"),
    )
    op.create_index(op.f("ix_round_result_round_id"), "round_result", ["round_id"], unique=False)
    op.create_table(
        "score_sheet",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("round_id", sa.Uuid(), nullable=False),
        sa.Column("assessor_sub", sa.String(length=200), nullable=False),
        sa.Column("scores", sa.JSON(), nullable=False),
        sa.Column("veto_findings", sa.JSON(), nullable=False),
        sa.Column("comments", sa.JSON(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["evaluation_round.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("round_id", "assessor_sub", name="uq_score_sheet_round_assessor"),
    )
    op.create_index(op.f("ix_score_sheet_round_id"), "score_sheet", ["round_id"], unique=False)
    op.create_table(
        "score_sheet_change",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("round_id", sa.Uuid(), nullable=False),
        sa.Column("assessor_sub", sa.String(length=200), nullable=False),
        sa.Column("changed_by", sa.String(length=200), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(length=1000), nullable=True),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["evaluation_round.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_score_sheet_change_round_id"), "score_sheet_change", ["round_id"], unique=False)
    op.create_table(
        "self_evaluation",
        sa.Column("round_id", sa.Uuid(), nullable=False),
        sa.Column("scores", sa.JSON(), nullable=False),
        sa.Column("report", sa.String(length=20000), nullable=False),
        sa.Column("submitted_by", sa.String(length=200), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["evaluation_round.id"],
        ),
        sa.PrimaryKeyConstraint("round_id"),
    )


def downgrade() -> None:
    op.drop_table("self_evaluation")
    op.drop_index(op.f("ix_score_sheet_change_round_id"), table_name="score_sheet_change")
    op.drop_table("score_sheet_change")
    op.drop_index(op.f("ix_score_sheet_round_id"), table_name="score_sheet")
    op.drop_table("score_sheet")
    op.drop_index(op.f("ix_round_result_round_id"), table_name="round_result")
    op.drop_table("round_result")
    op.drop_index(op.f("ix_panel_member_round_id"), table_name="panel_member")
    op.drop_table("panel_member")
    op.drop_index(op.f("ix_activity_record_project_id"), table_name="activity_record")
    op.drop_table("activity_record")
    op.drop_index(op.f("ix_satisfaction_survey_project_id"), table_name="satisfaction_survey")
    op.drop_table("satisfaction_survey")
    op.drop_index(op.f("ix_safety_incident_project_id"), table_name="safety_incident")
    op.drop_table("safety_incident")
    op.drop_index(op.f("ix_recognition_project_id"), table_name="recognition")
    op.drop_table("recognition")
    op.drop_index(op.f("ix_planned_activity_project_id"), table_name="planned_activity")
    op.drop_table("planned_activity")
    op.drop_index(op.f("ix_mobilisation_project_id"), table_name="mobilisation")
    op.drop_table("mobilisation")
    op.drop_index(op.f("ix_expenditure_project_id"), table_name="expenditure")
    op.drop_table("expenditure")
    op.drop_index(op.f("ix_evidence_project_id"), table_name="evidence")
    op.drop_table("evidence")
    op.drop_index(op.f("ix_evaluation_round_project_id"), table_name="evaluation_round")
    op.drop_table("evaluation_round")
    op.drop_index(op.f("ix_complaint_project_id"), table_name="complaint")
    op.drop_table("complaint")
    op.drop_index(op.f("ix_budget_adjustment_project_id"), table_name="budget_adjustment")
    op.drop_table("budget_adjustment")
    op.drop_index(op.f("ix_article_project_id"), table_name="article")
    op.drop_table("article")
    op.drop_index(op.f("ix_archive_item_project_id"), table_name="archive_item")
    op.drop_table("archive_item")
    op.drop_index(op.f("ix_provider_document_provider_id"), table_name="provider_document")
    op.drop_table("provider_document")
    op.drop_index(op.f("ix_assistance_project_provider_id"), table_name="assistance_project")
    op.drop_table("assistance_project")
    op.drop_table("scoring_model")
