import sys
from pathlib import Path

# stack.py and support.py are plain modules next to the tests (shared with bench/).
sys.path.insert(0, str(Path(__file__).resolve().parent))
