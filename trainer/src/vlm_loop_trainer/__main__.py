import os
import sys

# Before torch (and its OpenMP runtime) is loaded: idle OpenMP threads sleep
# instead of spinning. On a CPU shared with other processes spinning workers
# make every parallel region wait for a descheduled thread (measured here:
# 2.5-5x slower iterations under load); on an idle machine the cost is small.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from .cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
