"""The settings of a fit and of a training, declared once and checked in one place.

The Cox model (:class:`~risk.model.cox.CoxModel`), the training use case
(:class:`~risk.model.training.TrainingSettings`) and the command line's argument types
all call :func:`check_setting`, so a setting is refused with the same message wherever it
is given: "The 'penalizer' setting (ridge penalty) must be 'auto' or a number >= 0; got
-1." The rules are pydantic types (strict: ``True`` is not a number of resamples).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Literal

from risk.errors import ModelError

if TYPE_CHECKING:
    from pydantic import TypeAdapter

#: Most bootstrap resamples one training may ask for.
MAX_BOOTSTRAP = 1000


@dataclass(frozen=True)
class Setting:
    """A setting: its words for a reader, what is allowed in words, and its type."""

    words: str
    allowed: str
    kind: Any


@functools.cache
def _specs() -> dict[str, Setting]:
    from pydantic import Field

    penalty = Annotated[float, Field(ge=0, allow_inf_nan=False, strict=True)]
    return {
        "penalizer": Setting("ridge penalty", "'auto' or a number >= 0",
                             Literal["auto"] | penalty),
        "seed": Setting("random seed", "a whole number >= 0",
                        Annotated[int, Field(ge=0, strict=True)]),
        "cv_folds": Setting("cross-validation folds", "a whole number >= 2",
                            Annotated[int, Field(ge=2, strict=True)]),
        "bootstrap": Setting("Bootstrap resamples", f"a whole number from 0 to {MAX_BOOTSTRAP}",
                             Annotated[int, Field(ge=0, le=MAX_BOOTSTRAP, strict=True)]),
    }


@functools.cache
def _adapter(name: str) -> TypeAdapter[Any]:  # the setting's own type, checked at run time
    from pydantic import TypeAdapter

    return TypeAdapter(_specs()[name].kind)


def check_setting(name: str, value: object, shown: object = None) -> Any:
    """``value`` if it is allowed for setting ``name``, else :class:`ModelError` naming the
    setting, what is allowed and what was got (``shown``: the value as the user typed it)."""
    from pydantic import ValidationError

    spec = _specs()[name]
    if type(value).__module__ == "numpy" and hasattr(value, "item"):
        value = value.item()  # a numpy number is the number it holds
    try:
        return _adapter(name).validate_python(value)
    except ValidationError:
        got = value if shown is None else shown
        raise ModelError(f"The '{name}' setting ({spec.words}) must be {spec.allowed}; "
                         f"got {got!r}.") from None


def argument_type(name: str, parse: Callable[[str], object] = float
                  ) -> Callable[[str], Any]:
    """An argparse type for setting ``name``: text -> checked value ("auto" kept as is)."""
    import argparse

    def convert(text: str) -> Any:  # what check_setting returns for this setting
        value: object = "auto" if text.strip().lower() == "auto" else text
        if value != "auto":
            try:
                value = parse(text)
            except ValueError:
                value = text
        try:
            return check_setting(name, value, shown=text)
        except ModelError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    convert.__name__ = name
    return convert
