"""CNO Atlas: an offline teaching atlas of chronic nonbacterial osteomyelitis and its WB-MRI."""

__version__ = "0.1.0"
APP_NAME = "CNO Atlas"
# The format of the shipped data (assets/data-version.json) this code reads; see paths.check_data.
DATA_VERSION = 1
