"""`python -m jaxgan.explore`: the command lives in `jaxgan.cli.explore`; this module keeps the documented name."""

from absl import app

from jaxgan.cli import explore as _command
from jaxgan.cli import common as cli

__doc__ = _command.__doc__  # absl's --help prints the __main__ module's docstring

if __name__ == "__main__":
    app.run(_command.main, flags_parser=cli.parse)
