"""``python -m scripts.smoke``: what scripts/test-latest runs after its pytest suite."""

from __future__ import annotations

import sys

from .run import main

sys.exit(main())
