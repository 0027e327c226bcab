from assist_desk import models_registry  # noqa: F401 (register every domain's tables on the metadata)
from assist_desk.tables import metadata
from jiading_shared.migrations import run_env

run_env(metadata)
