from jiading_shared.migrations import run_env
from library_metrics import main  # noqa: F401 (importing the app registers every domain's tables)
from library_metrics.tables import metadata

run_env(metadata)
