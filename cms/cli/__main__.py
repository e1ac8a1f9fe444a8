"""``python -m cms.cli`` runs the command line."""

import sys

from cms.cli import main

sys.exit(main())
