"""`python main.py` starts the same program as the `cnoatlas` command."""

import sys

from cnoatlas.cli import main

if __name__ == "__main__":
    sys.exit(main())
