"""Allow ``python -m sayonce``."""

from sayonce.cli import main

raise SystemExit(main())
