import sys
from pathlib import Path

# The tests import their helper module `grid_testkit` by name (a name no other service uses).
sys.path.insert(0, str(Path(__file__).parent))
