"""Imports every domain's tables so that the metadata is complete (alembic, the app, the benchmark)."""

from assist_desk.equipment import models as equipment_models
from assist_desk.institutions import models as institution_models
from assist_desk.matters import models as matter_models
from assist_desk.notices import models as notice_models
from assist_desk.policy import models as policy_models
from assist_desk.reviews import models as review_models
from assist_desk.staff import models as staff_models
from assist_desk.tickets import models as ticket_models

DOMAIN_MODELS = (
    institution_models,
    staff_models,
    matter_models,
    policy_models,
    ticket_models,
    notice_models,
    review_models,
    equipment_models,
)
