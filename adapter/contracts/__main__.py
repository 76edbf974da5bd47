"""``python -m adapter.contracts check [--update-baseline]``."""

from adapter.contracts.xsd_compat import main

raise SystemExit(main())
