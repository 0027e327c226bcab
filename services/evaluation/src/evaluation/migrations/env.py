from evaluation.providers import models  # noqa: F401 (register the tables on the metadata)
from evaluation.tables import metadata
from jiading_shared.migrations import run_env

run_env(metadata)
