"""`python -m cnoatlas` starts the same program as the `cnoatlas` command."""

import sys

from cnoatlas.cli import main

sys.exit(main())
