"""What the command-line tools share: one-line errors with exit status 2, and flag parsing that reports
bad flags the same way (absl's own parser prints a usage dump and exits with 1)."""

from __future__ import annotations

import sys
from typing import NoReturn

from absl import flags

USAGE_ERROR = 2


def fail(message: str) -> NoReturn:
    print(f"error: {message}", file=sys.stderr)
    sys.exit(USAGE_ERROR)


def parse(argv: list[str]) -> list[str]:
    """absl flag parsing with a one-line error (exit 2) for unknown flags and bad values."""
    try:
        return flags.FLAGS(argv)
    except flags.Error as e:
        fail(str(e).splitlines()[0])
    except (AttributeError, KeyError, TypeError, ValueError) as e:  # ml_collections' config overrides
        fail(bad_override_message(argv, e))


def bad_override_message(argv: list[str], error: Exception) -> str:
    overrides = [a.split("=")[0] for a in argv if a.startswith("--config.")]
    # ml_collections nests reprs of KeyErrors; flatten them into one readable line.
    reason = " ".join(str(error).replace("\\n", " ").replace("\\'", "'").split()).strip("\"' ")
    return f"bad config override among {', '.join(overrides)}: {reason or type(error).__name__}"


def flag_value(argv: list[str], name: str) -> str | None:
    """The value of `--name=V` or `--name V` in argv, before absl has parsed it."""
    for i, arg in enumerate(argv):
        if arg.startswith(f"--{name}="):
            return arg.split("=", 1)[1]
        if arg == f"--{name}" and i + 1 < len(argv):
            return argv[i + 1]
    return None
