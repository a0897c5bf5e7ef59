"""``python -m autograder`` is the ``course`` command."""

import sys

from .cli import main

sys.exit(main())
