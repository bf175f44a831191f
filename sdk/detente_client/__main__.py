"""``python -m detente_client``: the ``detente`` command line."""

import sys

from .cli import main

sys.exit(main())
