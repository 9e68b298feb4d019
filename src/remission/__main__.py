"""``python -m remission`` runs the command line."""

from remission.cli import main

raise SystemExit(main())
