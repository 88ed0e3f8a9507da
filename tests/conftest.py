"""Suite-wide settings: torch runs on one thread in tests.

On a busy 2-core machine two OpenMP threads collapse (see ../shared/notes); one thread
keeps the suite's run time steady.
"""

import torch


def pytest_configure(config):
    torch.set_num_threads(1)
