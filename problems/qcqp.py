"""Nonconvex QP / QCP / QCQP instances read from the plain JSON format ``qcqp-json-v1``.

A file holds one model::

    min|max  constant + sum(linear[v] * v) + sum(c * vi * vj for [vi, vj, c] in quadratic)
    s.t.     lb <= sum(linear[v] * v) + sum(c * vi * vj) <= ub      (null: no such side)
             variable bounds lb / ub (null: unbounded), domain continuous | integer | binary

with its proven global optimum. The bundled instances (``data/qcqp/``, a few MINLPLib models) are
listed by :func:`qcqp_instances`; any other file in the format is read by :func:`qcqp`. Every
malformed input raises :class:`QCQPFormatError` naming the file, the key and the fix.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pyomo.environ as pyo

from .base import BilinearProblem

DATA = Path(__file__).resolve().parent / "data" / "qcqp"
FORMAT = "qcqp-json-v1"
DOMAINS = {"continuous": pyo.Reals, "integer": pyo.Integers, "binary": pyo.Binary}
REQUIRED = ("name", "format", "sense", "optimum", "variables", "objective", "constraints")
#: The JSON files ``surrogate problems --qcqp ... --out DIR`` writes into ``DIR``: named as such when read as problems.
RUN_OUTPUTS = ("results.json", "summary.json")
#: The keys an entry may hold (a misspelt one would drop its terms or bounds in silence); the top level may
#: hold more (metadata such as ``source`` or ``minlplib``).
FIELDS = {
    "variables": ("name", "lb", "ub", "domain"),
    "objective": ("constant", "linear", "quadratic"),
    "constraints": ("name", "lb", "ub", "linear", "quadratic"),
}


class QCQPFormatError(ValueError):
    """A ``qcqp-json-v1`` file is missing, unreadable, or holds a malformed or non-finite entry."""


def qcqp_instances() -> list[Path]:
    """The bundled instance files (``problems/data/qcqp/*.json``), sorted by name."""
    return sorted(DATA.glob("*.json"))


def family(name: str) -> str:
    """The instance family: the name before its first ``'_'``, else before its first digit group.

    Examples
    --------
    >>> [family(n) for n in ("ex9_1_1", "pooling_adhya1stp", "st_e23", "fdesign50", "himmel11")]
    ['ex9', 'pooling', 'st', 'fdesign', 'himmel']
    """
    head = name.split("_", 1)[0] if "_" in name else re.match(r"\D*", name).group(0)
    return head or name


def qcqp(path: str | Path) -> BilinearProblem:
    """The exact Pyomo model of the ``qcqp-json-v1`` file at ``path`` and its recorded optimum.

    Parameters
    ----------
    path
        A ``.json`` file, or the name of a bundled instance (e.g. ``'st_e23'``).

    Returns
    -------
    BilinearProblem
        Variables ``model.x[name]``, constraints ``model.c[name]``, objective ``model.obj``;
        ``info`` holds the sizes, the product counts and the instance's ``family``.

    Raises
    ------
    QCQPFormatError
        The file is missing or not JSON, a required key is missing, an object names a key twice,
        an entry holds a key outside :data:`FIELDS`, the format version is not ``qcqp-json-v1``,
        a term names an unknown variable, a number is not finite, a side's lb exceeds its ub, or a constraint
        has neither side (both ``lb`` and ``ub`` null: a row that limits nothing; drop it).
    """
    path = _locate(path)
    data = _read(path)
    check = _Checker(path)
    names = check.names(data, "variables")
    if not names:
        check.fail("variables", "is empty", "list the model's variables (a model without any has nothing to solve)")
    raw = data["name"]  # a number names a model too (str(9), as before); as written: Pyomo's m.name quotes some ("'9'")
    if isinstance(raw, float):  # its text as written (1e2, not 100.0; 1e400, not inf): only the parser sees it
        raw = json.loads(path.read_text(encoding="utf-8-sig"), parse_float=str)["name"]
    name = check.label(str(raw) if isinstance(raw, (int, float)) and not isinstance(raw, bool) else raw, "name")
    m = pyo.ConcreteModel(name=name)
    m.x = pyo.Var(names, dense=True)
    for i, entry in enumerate(data["variables"]):
        _set_variable(m.x[names[i]], entry, f"variables[{i}]", check)
    objective = check.mapping(data, "objective")
    check.fields(objective, "objective", "objective")
    obj_expr = check.number(objective.get("constant", 0.0), "objective.constant") + _terms(m, objective, "objective", check)
    m.obj = pyo.Objective(expr=obj_expr, sense=_sense(data, check))
    constraints = check.items(data, "constraints")
    con_names = check.names(data, "constraints")
    m.c = pyo.Constraint(con_names)
    for i, entry in enumerate(constraints):
        m.c[con_names[i]] = _constraint(m, entry, f"constraints[{i}]", check)
    pairs, squares = _products(data)
    unbounded = sum(1 for v in m.x.values() if not (v.has_lb() and v.has_ub()))
    optimum = data["optimum"]
    return BilinearProblem(
        name, m, None if optimum is None else check.number(optimum, "optimum"), data["sense"], _source(data, path),
        {"family": family(name), "path": str(path), "variables": len(names), "constraints": len(con_names),
         "bilinear_pairs": pairs, "square_terms": squares, "bilinear_terms": pairs + squares,
         "unbounded_variables": unbounded, "optimum_source": data.get("optimum_source", "")},
    )


def _source(data: dict, path: Path) -> str:
    """Where the recorded optimum comes from: MINLPLib for a converted instance (its ``minlplib`` record, whose
    ``primalbound`` is the optimum: an edited copy's is not), else the file."""
    record = data.get("minlplib")
    if isinstance(record, dict):  # an optimum other than its record's: an edited copy, whatever its optimum_source says
        return "minlplib" if record.get("primalbound") == data["optimum"] else f"the file {path.name}"
    return str(data.get("optimum_source") or f"the file {path.name}")


def _locate(path: str | Path) -> Path:
    candidate = Path(path)
    if not candidate.suffix and not candidate.exists() and (DATA / f"{candidate}.json").is_file():
        return DATA / f"{candidate}.json"
    return candidate


def _read(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"), object_pairs_hook=_distinct_keys)  # a BOM too (Notepad)
    except _RepeatedKey as exc:
        raise QCQPFormatError(
            f"{path}: an object repeats the key {exc.args[0]!r}; keep one (JSON readers keep the last, dropping the first)"
        ) from None
    except FileNotFoundError:
        raise QCQPFormatError(f"{path}: no such file; pass a qcqp-json-v1 .json file or a folder of them") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise QCQPFormatError(f"{path}: not readable as JSON ({exc}); pass a qcqp-json-v1 .json file") from None
    if path.name in RUN_OUTPUTS and (not isinstance(data, dict) or "format" not in data):
        raise QCQPFormatError(
            f"{path}: this is the {path.name} an earlier 'surrogate problems --out' run wrote, not a {FORMAT} file; "
            "leave it out of --qcqp (write results to a folder apart from the problems)"
        )
    if not isinstance(data, dict):
        raise QCQPFormatError(f"{path}: the top level is a {type(data).__name__}; a qcqp-json-v1 file holds one object")
    if "format" not in data:
        raise QCQPFormatError(
            f"{path}: key 'format' is missing, so this is not a {FORMAT} file (pooling() and boxqp() read only their "
            f"bundled instances); convert the model to {FORMAT} (see problems/data/qcqp/README.md)"
        )
    for key in REQUIRED:
        if key not in data:
            raise QCQPFormatError(f"{path}: key '{key}' is missing; every {FORMAT} file has {', '.join(REQUIRED)}")
    version = data["format"]
    if not isinstance(version, str) or version.split(":", 1)[0].strip() != FORMAT:
        raise QCQPFormatError(
            f"{path}: key 'format' is {str(version)[:40]!r}, not {FORMAT!r}; convert the file to {FORMAT} "
            "(see problems/data/qcqp/README.md)"
        )
    return data


class _RepeatedKey(ValueError):
    """An object of the file names a key twice."""


def _distinct_keys(pairs: list) -> dict:
    """A JSON object as a dict, refused (:class:`_RepeatedKey`) if it names a key twice."""
    out: dict = {}
    for key, value in pairs:
        if key in out:
            raise _RepeatedKey(key)
        out[key] = value
    return out


class _Checker:
    """Type and finiteness checks that name the file, the key and the fix."""

    def __init__(self, path: Path):
        self.path = path
        self.known: set[str] = set()

    def fail(self, key: str, problem: str, fix: str):
        raise QCQPFormatError(f"{self.path}: key '{key}' {problem}; {fix}")

    def names(self, data: dict, key: str) -> list[str]:
        """The ``name`` of every entry of the list ``data[key]``, refused if one repeats (a later entry would replace it)."""
        names = [self.text(entry, f"{key}[{i}].name", "name") for i, entry in enumerate(self.items(data, key))]
        if len(set(names)) != len(names):
            dup = sorted({n for n in names if names.count(n) > 1})
            self.fail(key, f"repeats the name(s) {', '.join(map(repr, dup))}", f"give every entry of '{key}' a distinct name")
        return names

    def fields(self, entry: dict, key: str, kind: str) -> None:
        """Refuse a key of ``entry`` (one of ``kind``: ``variables``, ``objective``, ``constraints``) outside :data:`FIELDS`."""
        unknown = sorted(set(entry) - set(FIELDS[kind]))
        if unknown:
            self.fail(key, f"has the unknown key(s) {', '.join(map(repr, unknown))}", f"use only {', '.join(FIELDS[kind])}")

    def number(self, value, key: str) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.fail(key, f"is {value!r}, not a number", "write a finite number")
        try:
            number = float(value)
        except OverflowError:  # an integer literal beyond a float's range
            self.fail(key, f"is an integer of {len(str(abs(value)))} digits, beyond a float's range", "write a finite number")
        if not math.isfinite(number):
            bound = key.endswith((".lb", ".ub"))
            self.fail(key, f"is {value!r}", "write a finite number" + (" (null for a missing bound)" if bound else ""))
        return number

    def bound(self, value, key: str) -> float | None:
        return None if value is None else self.number(value, key)

    def text(self, entry, key: str, field: str) -> str:
        if not isinstance(entry, dict):
            where = key.rsplit(".", 1)[0]
            self.fail(where, f"is {entry!r}, not an object", f"write each entry as an object with a '{field}'")
        if field not in entry:
            self.fail(key, "is missing", f"give each entry a '{field}'")
        return self.label(entry[field], key)

    def label(self, value, key: str) -> str:
        """``value`` if it is a non-empty string without blanks around it (Pyomo reads ``x[a ]`` back as ``x[a]``)."""
        if not isinstance(value, str) or not value.strip():
            self.fail(key, f"is {'null' if value is None else repr(value)}", "use a non-empty string")
        if value != value.strip():
            self.fail(
                key,
                f"is {value!r}, with blanks around it",
                f"remove them ({value.strip()!r}): Pyomo reads such a name back without its blanks, so it could "
                "stand for another entry",
            )
        return value

    def items(self, data: dict, key: str) -> list:
        if not isinstance(data[key], list):
            self.fail(key, f"is a {type(data[key]).__name__}", "write a list of objects")
        return data[key]

    def mapping(self, data: dict, key: str) -> dict:
        if not isinstance(data[key], dict):
            self.fail(key, f"is a {type(data[key]).__name__}", "write an object with 'linear' and 'quadratic'")
        return data[key]

    def variable(self, m, name, key: str):
        if not isinstance(name, str) or name not in m.x:
            blanks = isinstance(name, str) and name.strip() in m.x
            close = f" (the variable {name.strip()!r} has no blanks around its name)" if blanks else ""
            self.fail(key, f"names the unknown variable {name!r}{close}", "use a name listed in 'variables'")
        return m.x[name]


def _set_variable(var, entry: dict, key: str, check: _Checker) -> None:
    check.fields(entry, key, "variables")
    for side in ("lb", "ub"):
        if side not in entry:
            check.fail(f"{key}.{side}", "is missing", "write a number, or null for no bound")
    domain = entry.get("domain", "continuous")
    if not isinstance(domain, str) or domain not in DOMAINS:
        check.fail(f"{key}.domain", f"is {domain!r}", f"use one of {', '.join(DOMAINS)}")
    var.domain = DOMAINS[domain]
    lb, ub = check.bound(entry["lb"], f"{key}.lb"), check.bound(entry["ub"], f"{key}.ub")
    if lb is not None and ub is not None and lb > ub:
        check.fail(key, f"has lb {lb} > ub {ub}", "swap or correct the bounds")
    var.setlb(lb)
    var.setub(ub)


def _terms(m, entry: dict, key: str, check: _Checker):
    """``sum(linear) + sum(quadratic)`` of ``entry`` (a constraint or the objective)."""
    linear = entry.get("linear", {})
    quadratic = entry.get("quadratic", [])
    if not isinstance(linear, dict):
        check.fail(f"{key}.linear", f"is a {type(linear).__name__}", "write an object {variable: coefficient}")
    if not isinstance(quadratic, list):
        check.fail(f"{key}.quadratic", f"is a {type(quadratic).__name__}", "write a list of [vi, vj, coefficient]")
    expr = 0.0
    for name, coef in linear.items():
        expr = expr + check.number(coef, f"{key}.linear.{name}") * check.variable(m, name, f"{key}.linear")
    for j, term in enumerate(quadratic):
        where = f"{key}.quadratic[{j}]"
        if not isinstance(term, list) or len(term) != 3:
            check.fail(where, f"is {term!r}", "write [vi, vj, coefficient]")
        vi, vj = (check.variable(m, name, where) for name in term[:2])
        expr = expr + check.number(term[2], where) * vi * vj
    return expr


def _constraint(m, entry: dict, key: str, check: _Checker):
    check.fields(entry, key, "constraints")  # first: a misspelt side ('lower') is named as such
    for side in ("lb", "ub"):
        if side not in entry:
            check.fail(f"{key}.{side}", "is missing", "write a number, or null for no bound on this side")
    lb, ub = check.bound(entry["lb"], f"{key}.lb"), check.bound(entry["ub"], f"{key}.ub")
    if lb is None and ub is None:
        check.fail(key, "has neither lb nor ub", "give at least one side, or drop the constraint")
    if lb is not None and ub is not None and lb > ub:
        check.fail(key, f"has lb {lb} > ub {ub}, which no point meets", "swap or correct the sides")
    body = _terms(m, entry, key, check)
    if isinstance(body, float):  # no terms: a constant, which Pyomo refuses as a constraint
        if (lb is not None and body < lb) or (ub is not None and body > ub):
            check.fail(key, f"has no terms and is never met ({lb} <= {body} <= {ub})", "correct or drop the constraint")
        return pyo.Constraint.Skip
    return (lb, body, ub)


def _sense(data: dict, check: _Checker):
    if data["sense"] not in ("min", "max"):
        check.fail("sense", f"is {data['sense']!r}", "use 'min' or 'max'")
    return pyo.minimize if data["sense"] == "min" else pyo.maximize


def _products(data: dict) -> tuple[int, int]:
    """Distinct pairs ``vi != vj`` and distinct squares over the objective and every constraint."""
    terms = list(data["objective"].get("quadratic", []))
    for con in data["constraints"]:
        terms += con.get("quadratic", [])
    pairs = {tuple(sorted(t[:2])) for t in terms}
    squares = sum(1 for a, b in pairs if a == b)
    return len(pairs) - squares, squares
