"""`python -m escape_desktop` is the same program as `escape-desktop`."""

import sys

from escape_desktop.cli import main

sys.exit(main())
