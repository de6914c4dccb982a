"""``python -m experiments table1 | figures ...``: the experiment harness from a checkout.

The same commands as ``python -m experiments.cli bench table1 | figures`` (see
:mod:`experiments.cli`); the leading ``bench`` may be given or left out.
"""

from __future__ import annotations

import sys

from experiments.cli import main

if __name__ == "__main__":
    argv = sys.argv[1:]
    sys.exit(main(argv if argv[:1] == ["bench"] else ["bench", *argv]))
