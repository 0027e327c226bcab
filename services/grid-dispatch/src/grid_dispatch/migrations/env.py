from grid_dispatch import main  # noqa: F401 (importing the app registers every domain's tables)
from grid_dispatch.tables import metadata
from jiading_shared.migrations import run_env

run_env(metadata)
