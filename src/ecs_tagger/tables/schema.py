"""Arrow schemas for frames: one schema that holds every chunk, and a chunk as an Arrow table.

Used for Parquet output, whatever the input was (`infer_schema` unifies the types over all chunks;
`to_arrow` converts a chunk to a given schema, text columns taking any value as its text).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd

from ecs_tagger.errors import InputError
from ecs_tagger.tables.cells import is_blank, text_cell


def _column_values(series: pd.Series) -> list[Any]:
    return [None if is_blank(v) else v for v in series.tolist()]


def _as_text(value: Any) -> Any:
    if value is None or isinstance(value, str):
        return value
    return text_cell(value)


def infer_schema(frames: Iterable[pd.DataFrame], fixed: Any = None) -> Any:
    """An Arrow schema that holds every frame: types unified over all of them.

    Columns whose cells mix types Arrow cannot unify (text and numbers, say) become text; columns
    with only empty cells become text. Fields of `fixed` (a schema) are taken as they are.
    """
    import pyarrow as pa

    fixed_fields = {f.name: f for f in fixed} if fixed is not None else {}
    types: dict[str, Any] = {}
    order: list[str] = []
    for frame in frames:
        for name in frame.columns:
            name = str(name)
            if name not in types:
                order.append(name)
                types[name] = pa.null()
            if name in fixed_fields or types[name] == pa.string():
                continue
            series = frame[name]
            if isinstance(series.dtype, pd.ArrowDtype):
                found = series.dtype.pyarrow_dtype
            else:
                try:
                    found = pa.array(_column_values(series), from_pandas=True).type
                except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError, OverflowError):
                    found = pa.string()
            try:
                merged = pa.unify_schemas(
                    [pa.schema([(name, types[name])]), pa.schema([(name, found)])],
                    promote_options="permissive",
                )
                types[name] = merged.field(name).type
            except (pa.ArrowInvalid, pa.ArrowTypeError, NotImplementedError):
                types[name] = pa.string()
    fields = []
    for name in order:
        if name in fixed_fields:
            fields.append(fixed_fields[name])
        else:
            kind = types[name]
            fields.append(pa.field(name, pa.string() if kind == pa.null() else kind))
    return pa.schema(fields)


def to_arrow(frame: pd.DataFrame, schema: Any, where: str = "") -> Any:
    """`frame` as an Arrow table of `schema` (text columns take any value as its text)."""
    import pyarrow as pa

    arrays = []
    for schema_field in schema:
        series = frame[schema_field.name]
        try:
            if isinstance(series.dtype, pd.ArrowDtype):
                array = pa.array(series, type=series.dtype.pyarrow_dtype, from_pandas=True)
                if array.type != schema_field.type:
                    array = array.cast(schema_field.type)
            elif pa.types.is_string(schema_field.type) or pa.types.is_large_string(
                schema_field.type
            ):
                array = pa.array(
                    [_as_text(v) for v in _column_values(series)], type=schema_field.type
                )
            else:
                array = pa.array(_column_values(series), type=schema_field.type, from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError, OverflowError) as error:
            raise InputError(
                f"{where}: column {schema_field.name!r} cannot be stored as {schema_field.type} in "
                f"Parquet ({error}); write CSV or JSON Lines instead"
            ) from None
        arrays.append(array)
    return pa.Table.from_arrays(arrays, schema=schema)
