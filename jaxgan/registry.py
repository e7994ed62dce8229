"""One `Registry` for every kind of part: networks, priors, objectives, regularisers, monitors,
augmentations, metrics, population backends.

A part registers itself where it is defined, with a decorator, and declares what it can do:

    GENERATORS = Registry("generator")

    @GENERATORS.register("mlp", conditional=False)
    class MLPGenerator(nn.Module): ...

and is looked up (or built from a config section `{name: ..., **fields}`) by name; an unknown name or field is
a one-line `ValueError` that lists what exists. Code that holds a built part asks what it declared with
`REG.declared(part, "conditional")`, never by probing the part. A capability that depends on the part's
settings is declared as a function of the built part: `conditional=lambda d: d.conditioning != "none"`. A package whose modules register parts calls
`import_submodules(__name__)` in its `__init__`, so a new part is one new module and no edit elsewhere.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any, Callable, Generic, Iterator, Mapping, TypeVar

T = TypeVar("T")


class Registry(Generic[T]):
    """A named table of one kind of part, with each entry's declared capabilities."""

    def __init__(self, kind: str):
        self.kind = kind
        self._entries: dict[str, T] = {}
        self._capabilities: dict[str, dict[str, Any]] = {}

    def register(self, name: str, **capabilities: Any) -> Callable[[T], T]:
        """Decorator: registers the decorated class or function under `name` (once), with `capabilities`."""
        def decorate(entry: T) -> T:
            if name in self._entries and self._entries[name] is not entry:
                raise ValueError(f"{self.kind} {name!r} is registered twice")
            self._entries[name] = entry
            self._capabilities[name] = dict(capabilities)
            return entry
        return decorate

    def get(self, name: str) -> T:
        """The entry called `name`; ValueError (one line, listing the known names) otherwise."""
        if name not in self._entries:
            raise ValueError(f"unknown {self.kind} {name!r}; known: {', '.join(self.names()) or 'none'}")
        return self._entries[name]

    def capabilities(self, name: str) -> dict[str, Any]:
        """What `name` declared when it registered (e.g. `{"conditional": True}`)."""
        self.get(name)
        return dict(self._capabilities[name])

    def name_of(self, part: Any) -> str:
        """The name of the class entry that built `part` (an instance of that exact class)."""
        for name, entry in self._entries.items():
            if type(part) is entry:
                return name
        raise ValueError(f"{type(part).__name__} is not a registered {self.kind}; known: "
                         f"{', '.join(self.names()) or 'none'}")

    def declared(self, part: Any, capability: str, default: Any = None) -> Any:
        """What the class that built `part` declared as `capability`, else `default`.

        A capability declared as a function (of the built part's settings) is evaluated on `part`.
        """
        value = self._capabilities[self.name_of(part)].get(capability, default)
        return value(part) if callable(value) and not isinstance(value, type) else value

    def create(self, name: str, *args: Any, **settings: Any) -> Any:
        """`get(name)(*args, **settings)`, with one-line errors for a bad name or setting."""
        entry = self.get(name)
        try:
            return entry(*args, **settings)
        except TypeError as e:
            raise ValueError(f"bad {self.kind} config for {name!r}: {e}") from None

    def build(self, cfg: Mapping[str, Any], **fixed: Any) -> Any:
        """`get(cfg["name"])(**fixed, **other cfg fields)`, with one-line errors for a bad name or field."""
        cfg = dict(cfg)
        name = cfg.pop("name", None)
        return self.create(name, **fixed, **cfg)

    def copy(self) -> "Registry[T]":
        """An independent copy (e.g. for a test that registers a throwaway entry: monkeypatch the copy in)."""
        new = Registry(self.kind)
        new._entries, new._capabilities = dict(self._entries), {k: dict(v) for k, v in self._capabilities.items()}
        return new

    def names(self) -> tuple[str, ...]:
        return tuple(sorted(self._entries))

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"Registry({self.kind!r}: {', '.join(self.names())})"


def import_submodules(package: str) -> None:
    """Imports every module of `package` (not subpackages' modules), so that their registrations run."""
    pkg = importlib.import_module(package)
    for info in pkgutil.iter_modules(pkg.__path__):
        if not info.name.startswith("_"):
            importlib.import_module(f"{package}.{info.name}")

