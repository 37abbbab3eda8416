"""Lets `python -m alonchat` run the CLI."""

import sys

from .cli import main

sys.exit(main())
