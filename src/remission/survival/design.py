"""Design matrices for the regression models: numbers pass through, factors become dummies.

A pandas column that is categorical, object (strings) or boolean becomes treatment-coded dummy columns
with the first level as the reference, named the way R's ``model.matrix`` names them: the column name
followed by the level (``diseasems``, ``sexM``; a boolean ``male`` gives ``maleTRUE``). The levels are
the Categorical's own category order (unused categories dropped, as R's ``droplevels``) or, for object
and boolean columns, the sorted distinct values. A NumPy array is used as it is, with columns named
``x1 .. xp``.

The encoding is kept in a :class:`DesignSpec`, so that new rows given for prediction are coded with the
same levels and column order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from remission.survival.regression_checks import (
    DUPLICATE_NAME,
    NEW_X_COLUMNS,
    NEW_X_WIDTH,
    X_CATEGORY_MISSING,
    X_NOT_NUMERIC,
    X_NOT_TWO_DIMENSIONAL,
)
from remission.survival.validation import SurvivalInputError

UNKNOWN_LEVEL = "covariate {name!r} has level {level!r} in new_X, which was not in the fitted data"


@dataclass(frozen=True)
class Term:
    """One input column: numeric (``levels is None``) or a factor with its levels (first = reference)."""

    column: str
    levels: tuple[object, ...] | None

    @property
    def names(self) -> list[str]:
        if self.levels is None:
            return [self.column]
        return [f"{self.column}{_level_label(level)}" for level in self.levels[1:]]


@dataclass(frozen=True)
class DesignSpec:
    """How a data frame (or array) was turned into the design matrix."""

    terms: tuple[Term, ...]
    from_frame: bool

    @property
    def names(self) -> list[str]:
        return [name for term in self.terms for name in term.names]

    def encode(self, new_X: ArrayLike | pd.DataFrame) -> NDArray[np.float64]:
        """Code new rows exactly as the fitted data were coded."""
        if self.from_frame and isinstance(new_X, pd.DataFrame):
            missing = [term.column for term in self.terms if term.column not in new_X.columns]
            if missing:
                raise SurvivalInputError(
                    NEW_X_COLUMNS.format(
                        got=list(new_X.columns), expected=[term.column for term in self.terms]
                    )
                )
            return np.column_stack([_encode_term(term, new_X[term.column]) for term in self.terms])
        array = _as_2d(new_X)
        if array.shape[1] != len(self.names):
            raise SurvivalInputError(NEW_X_WIDTH.format(got=array.shape[1], expected=len(self.names)))
        return array


def _level_label(level: object) -> str:
    if isinstance(level, bool | np.bool_):
        return "TRUE" if level else "FALSE"
    return str(level)


def _as_2d(values: ArrayLike) -> NDArray[np.float64]:
    array = np.asarray(values, dtype=np.float64)
    if array.ndim == 1:
        array = array[:, None]
    if array.ndim != 2:
        raise SurvivalInputError(X_NOT_TWO_DIMENSIONAL.format(shape=array.shape))
    return array


def _is_factor(series: pd.Series) -> bool:
    return (
        isinstance(series.dtype, pd.CategoricalDtype)
        or pd.api.types.is_bool_dtype(series.dtype)
        or pd.api.types.is_object_dtype(series.dtype)
        or pd.api.types.is_string_dtype(series.dtype)
    )


def _term_for(name: str, series: pd.Series) -> Term:
    if not _is_factor(series):
        if not pd.api.types.is_numeric_dtype(series.dtype):
            raise SurvivalInputError(X_NOT_NUMERIC.format(name=name, dtype=series.dtype))
        return Term(name, None)
    missing = series.isna().to_numpy()
    if missing.any():
        rows = np.flatnonzero(missing)
        raise SurvivalInputError(X_CATEGORY_MISSING.format(name=name, count=rows.size, row=int(rows[0])))
    if isinstance(series.dtype, pd.CategoricalDtype):
        present = set(series.unique())
        levels = tuple(level for level in series.cat.categories if level in present)  # droplevels
    else:
        levels = tuple(sorted(series.unique()))
    return Term(name, levels)


def _encode_term(term: Term, series: pd.Series) -> NDArray[np.float64]:
    if term.levels is None:
        return np.asarray(series, dtype=np.float64)[:, None]
    codes = pd.Categorical(series, categories=list(term.levels)).codes  # -1: not a level (or missing)
    unknown = np.flatnonzero(codes < 0)
    if unknown.size:
        level = series.iloc[unknown[0]]
        raise SurvivalInputError(UNKNOWN_LEVEL.format(name=term.column, level=level))
    # Treatment contrasts (R's contr.treatment): one 0/1 column per non-reference level.
    return (codes[:, None] == np.arange(1, len(term.levels))[None, :]).astype(np.float64)


def design_matrix(X: ArrayLike | pd.DataFrame) -> tuple[NDArray[np.float64], list[str], DesignSpec]:
    """Turn ``X`` into a float design matrix.

    Parameters
    ----------
    X : array_like, shape (n, p), or pandas.DataFrame
        Covariates. Categorical, object and boolean frame columns are expanded into treatment-coded
        dummies (R's ``contr.treatment``), first level as the reference.

    Returns
    -------
    matrix : ndarray, shape (n, q)
        Column-major (Fortran order) when built from a data frame; an array is passed through.
    names : list of str
        Column names as R's ``model.matrix`` would give them.
    spec : DesignSpec
        The encoding, to code new rows for prediction.
    """
    if isinstance(X, pd.Series):
        X = X.to_frame()
    if isinstance(X, pd.DataFrame):
        terms = tuple(_term_for(str(column), X[column]) for column in X.columns)
        spec = DesignSpec(terms=terms, from_frame=True)
        matrix = np.empty((len(X), len(spec.names)), order="F")  # column by column: contiguous writes
        column = 0
        for term in terms:
            encoded = _encode_term(term, X[term.column])
            matrix[:, column : column + encoded.shape[1]] = encoded
            column += encoded.shape[1]
    else:
        matrix = _as_2d(X)
        spec = DesignSpec(
            terms=tuple(Term(f"x{j + 1}", None) for j in range(matrix.shape[1])), from_frame=False
        )
    names = spec.names
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise SurvivalInputError(DUPLICATE_NAME.format(name=name))
        seen.add(name)
    return np.asarray(matrix, dtype=np.float64), names, spec
