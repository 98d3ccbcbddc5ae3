"""Typed records of the JSON documents the core writes and reads (the model card, the
evaluation report): one base, so every document is read and written the same way.

A record is a frozen pydantic model. What was given is what is written back: a field
that was never set (absent from an older document, or not computed) stays absent in
:meth:`Record.to_dict`, so reading a document and writing it again gives the same keys,
and a document written for the same inputs gives the same bytes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Self

import numpy as np
from pydantic import BaseModel, ConfigDict

#: A number of a document: None when it could not be computed (NaN in the computation).
Number = float | None


class Record(BaseModel):
    """A frozen, typed part of a JSON document; unknown keys are ignored when read."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | Self) -> Self:
        """The record of a JSON object (a record is returned as it is)."""
        return cls.model_validate(data)

    def to_dict(self) -> dict[str, Any]:
        """The JSON object: the fields that were set, in the order they are declared."""
        return self.model_dump(exclude_unset=True)


def json_safe(value: Any) -> Any:
    """Plain Python for JSON: numpy scalars to numbers, NaN/inf to None, tuples to lists."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [json_safe(v) for v in value]
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, np.integer | int):
        return int(value)
    if isinstance(value, np.floating | float):
        return float(value) if math.isfinite(value) else None
    return value
