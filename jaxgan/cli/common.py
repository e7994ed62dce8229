"""What the command-line tools share: one-line errors with exit status 2, flag parsing that reports bad flags
the same way (absl's own parser prints a usage dump and exits with 1), `--help` that exits 0, and a console
that shows the run's own progress and warnings (absl's `--verbosity` brings back every library's INFO lines)."""

from __future__ import annotations

import logging
import os
import sys
from typing import NoReturn

from absl import app, flags
from absl import logging as absl_logging

USAGE_ERROR = 2
HELP_FLAGS = ("--help", "-h", "-?", "--helpshort", "--helpfull")
LOGGING_NOTE = ("Console: this run's progress and warnings only; --verbosity=0 shows every library's INFO lines "
                "(orbax, JAX), --verbosity=1 debug lines too; TensorFlow's C++ start-up lines need "
                "TF_CPP_MIN_LOG_LEVEL=0.")
# INFO lines kept without --verbosity: jaxgan's own, and clu's progress/metric lines (its logging writer).
_OWN_INFO = (os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep,)  # the jaxgan package
_OWN_INFO_FILES = (os.path.join("clu", "metric_writers", "logging_writer.py"), os.path.join("clu", "periodic_actions.py"))


def fail(message: str) -> NoReturn:
    print(f"error: {message}", file=sys.stderr)
    sys.exit(USAGE_ERROR)


def wants_help(argv: list[str]) -> bool:
    return any(arg in HELP_FLAGS for arg in argv[1:])


def parse(argv: list[str]) -> list[str]:
    """absl flag parsing with a one-line error (exit 2) for unknown flags and bad values; `--help` prints the
    module's docstring and flags and exits 0 (absl's exits 1); then the console is kept quiet (see `quiet`)."""
    if wants_help(argv):
        app.usage(shorthelp="--helpfull" not in argv, writeto_stdout=True, detailed_error=LOGGING_NOTE, exitcode=0)
    try:
        rest = flags.FLAGS(argv)
    except flags.Error as e:
        fail(str(e).splitlines()[0])
    except (AttributeError, KeyError, TypeError, ValueError) as e:  # ml_collections' config overrides
        fail(bad_override_message(argv, e))
    quiet()
    return rest


class _OwnProgress(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return (record.levelno >= logging.WARNING or record.pathname.startswith(_OWN_INFO)
                or record.pathname.endswith(_OWN_INFO_FILES))


def quiet(own_info: bool = True) -> None:
    """Unless `--verbosity` was given: the console drops other libraries' INFO lines (orbax writes ~80 per
    checkpoint save, JAX its backend probing); with `own_info=False` it keeps warnings only."""
    if flags.FLAGS["verbosity"].present:
        return
    if own_info:
        absl_logging.get_absl_handler().addFilter(_OwnProgress())
    else:
        absl_logging.set_verbosity(absl_logging.WARNING)


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
