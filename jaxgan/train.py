"""`python -m jaxgan.train`: the command lives in `jaxgan.cli.train`; this module keeps the documented name."""

from absl import app

from jaxgan.cli import train as _command

__doc__ = _command.__doc__  # absl's --help prints the __main__ module's docstring

if __name__ == "__main__":
    app.run(_command.main, flags_parser=_command.parse_flags)
