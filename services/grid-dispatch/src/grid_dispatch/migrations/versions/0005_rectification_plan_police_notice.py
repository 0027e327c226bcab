"""Joint rectification: the 整治方案 (B.1 注1); a 派出所 can hold both a police notice and a participant task.

Revision ID: 0005
Revises: 0004
Create Date: 2026-01-20
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("joint_rectification") as batch:
        batch.add_column(sa.Column("plan", sa.Text(), nullable=True))
    with op.batch_alter_table("rectification_task") as batch:
        batch.drop_constraint("uq_rectification_task_department", type_="unique")
        batch.create_unique_constraint(
            "uq_rectification_task_department_role", ["rectification_id", "department_code", "role"]
        )


def downgrade() -> None:
    # the notice tasks would break the narrower constraint
    op.execute("DELETE FROM rectification_task WHERE role = 'police_notice'")
    with op.batch_alter_table("rectification_task") as batch:
        batch.drop_constraint("uq_rectification_task_department_role", type_="unique")
        batch.create_unique_constraint("uq_rectification_task_department", ["rectification_id", "department_code"])
    with op.batch_alter_table("joint_rectification") as batch:
        batch.drop_column("plan")
