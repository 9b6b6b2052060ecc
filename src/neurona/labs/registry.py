"""What a lab is: its metadata and declared targets, and the registry that finds labs by id.

A lab module (``neurona/labs/claseN.py``) defines ``LAB = Lab(...)`` and
``run(ctx: LabContext) -> None``. Ids are short and memorable: ``clase1`` is also ``1`` and
its slug (``forward-pass``).
"""

from __future__ import annotations

import importlib
import math
import operator
from dataclasses import dataclass, field
from typing import Any

_OPS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


@dataclass(frozen=True)
class Target:
    """A declared target: ``metric op value`` (``'~'`` means |metric − value| ≤ tol).

    ``profiles`` says where it is asserted: the fast profile (``make run``, tests) and/or
    the full one; in the other profiles the value is reported but not required.
    """

    metric: str
    op: str
    value: float
    tol: float = 0.0
    profiles: tuple[str, ...] = ("fast", "full")
    description: str = ""

    def __post_init__(self) -> None:
        if self.op not in (*_OPS, "~"):
            raise ValueError(f"unknown comparison {self.op!r}")

    def check(self, measured: float | None) -> bool:
        if measured is None or (isinstance(measured, float) and math.isnan(measured)):
            return False
        if self.op == "~":
            return abs(measured - self.value) <= self.tol
        return bool(_OPS[self.op](measured, self.value))

    def describe(self) -> str:
        if self.op == "~":
            return f"{self.metric} ≈ {self.value:g} (±{self.tol:g})"
        return f"{self.metric} {self.op} {self.value:g}"


@dataclass(frozen=True)
class Lab:
    """A lab's metadata: id, class number, title, what it shows, its targets."""

    id: str
    number: int
    slug: str
    title: str
    summary: str
    targets: tuple[Target, ...] = ()
    module: str = ""
    aliases: tuple[str, ...] = field(default=())

    def names(self) -> tuple[str, ...]:
        return (self.id, str(self.number), self.slug, *self.aliases)


# The course, in order. Each entry: module name under neurona.labs.
COURSE: tuple[str, ...] = ("clase1", "clase2", "clase3", "clase4", "clase5", "clase6", "clase7",
                           "clase8")


def available() -> list[Lab]:
    """Every lab that exists in this installation, in course order."""
    labs = []
    for name in COURSE:
        try:
            mod = importlib.import_module(f"neurona.labs.{name}")
        except ModuleNotFoundError as e:
            if e.name == f"neurona.labs.{name}":
                continue
            raise
        lab = mod.LAB
        labs.append(Lab(**{**lab.__dict__, "module": mod.__name__}))
    return labs


def find(name: str) -> Lab:
    """The lab whose id, number, slug or alias is ``name`` (case-insensitive)."""
    key = str(name).strip().lower()
    labs = available()
    for lab in labs:
        if key in (n.lower() for n in lab.names()):
            return lab
    choices = ", ".join(f"{lab.number} ({lab.id}, {lab.slug})" for lab in labs)
    raise KeyError(f"unknown lab '{name}'; available: {choices}")


def load_run(lab: Lab) -> Any:
    """The lab's ``run`` function."""
    return importlib.import_module(lab.module).run
