"""CNO Atlas: an offline teaching atlas of chronic nonbacterial osteomyelitis and its WB-MRI."""

import os

__version__ = "0.1.0"
APP_NAME = "CNO Atlas"
# The format of the shipped data (assets/data-version.json) this code reads; see paths.check_data.
DATA_VERSION = 1

# numpy asks Linux for transparent huge pages for every array of 4 MB or more (madvise). Where
# the system's policy is "madvise", as on Debian, a fresh volume then faults in 2 MB pages that
# the kernel may compact memory for: measured on this kind of machine (2 cores, a VM), reading a
# 40 x 512x512 series into a new volume took 46 ms instead of 6 whenever the memory came fresh
# from the system, while the phantom generator ran no faster with huge pages. numpy reads this
# documented switch when it is imported ("Global state" in its reference); a user's own setting
# wins.
os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")
