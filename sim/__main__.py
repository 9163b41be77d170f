"""``python -m sim``: the ``sim`` command line (:mod:`sim.cli`)."""

from .cli import main

raise SystemExit(main())
