"""``remission model``: fit, validate and store the prediction models; show a stored model's card.

    remission model fit [--as USER] [--bootstrap N] [--seed S] [--json | --brief]
    remission model show [VERSION] [--json]
    remission model report [VERSION] --out FILE.html|FILE.pdf

``fit`` (a write; a registry statistician or administrator, or the operator) loads the analysis set
(each patient's first autologous HSCT, :func:`remission.analysis.dataset.load_analysis_set`), fits the OS,
PFS and NRM models (:func:`remission.analysis.prediction.fit_prediction_models`), validates them with
``N`` bootstrap resamples (:func:`remission.analysis.prediction.validate.validate_model_set`; default 200)
when the validation module is installed, stores the set as a new version
(``analysis.prediction.stored.store_model_set``, audited) and prints its model card (``--brief``: one line,
the version and each model's events per parameter; ``remission demo`` fits its models this way).
Exit codes: 0 stored (or already stored: the same data and settings give the same version), 2 refused or
not fittable (the reason printed).

``show`` reads only: the model card of ``VERSION`` (default the current, latest model set) — version,
data cut-off, patients, events and events per parameter, coefficients with their confidence intervals,
the predictors with their ranges, and the validation if one was stored. Exit 2 when there is none.

``report`` reads only and writes the model report (``remission.reports.model_report``: the card and the
validation) of ``VERSION`` (default the current) as HTML or PDF.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Callable, Mapping
from typing import Any

from remission.cli._django import acting_user, database_label, require_registry
from remission.cli._documents import add_language_argument, document_path, in_language, write_document
from remission.settings.startup import start_django

DEFAULT_BOOTSTRAP = 200
VALIDATE_MODULE = "remission.analysis.prediction.validate"
NO_VALIDATION_MODULE = (
    "note: the validation module ({module}) is not installed; the model set is stored without validation"
)
STORED = "Stored prediction model set {version} in the {where}"


def _validator() -> Callable[..., Any] | None:
    """``validate_model_set`` when its module exists, else None (imported only when fitting)."""
    try:
        module = importlib.import_module(VALIDATE_MODULE)
    except ModuleNotFoundError as exc:
        if exc.name != VALIDATE_MODULE:
            raise
        return None
    return module.validate_model_set


def fit(args: argparse.Namespace) -> int:
    start_django()
    if not require_registry("model fit"):
        return 2
    from remission.analysis.dataset import load_analysis_set
    from remission.analysis.prediction import DEFAULT_PREDICTION_SETTINGS, fit_prediction_models
    from remission.analysis.prediction.stored import model_card, store_model_set
    from remission.registry.errors import RegistryError
    from remission.registry.services.prediction_models import ModelSetExists, already_stored, require_fit

    def fail(message: object) -> int:
        print(f"remission model fit: {message}", file=sys.stderr)
        return 2

    if args.bootstrap < 0:
        return fail(f"--bootstrap must be 0 or more, not {args.bootstrap}")
    try:
        actor = acting_user(args.as_user)
        require_fit(actor)  # before the (long) fit, not only at the store
    except (LookupError, RegistryError) as exc:
        return fail(exc)
    settings = DEFAULT_PREDICTION_SETTINGS
    print(f"Fitting the prediction models on the registry in the {database_label()}", file=sys.stderr)
    try:
        analysis_set = load_analysis_set(user=actor)
        model_set = fit_prediction_models(analysis_set, settings)
    except (KeyError, ValueError) as exc:
        return fail(f"the models cannot be fitted: {exc.args[0] if exc.args else exc}")
    stored = already_stored(model_set.version)
    if stored is not None:  # the same data and settings: nothing to validate or store
        print(f"note: {stored}", file=sys.stderr)
        _print_card(model_card(model_set.version), as_json=args.json, brief=args.brief)
        return 0
    validation = None
    validate = _validator()
    if validate is None:
        print(NO_VALIDATION_MODULE.format(module=VALIDATE_MODULE), file=sys.stderr)
    else:
        options: dict[str, Any] = {"bootstrap": args.bootstrap}
        if args.seed is not None:
            options["seed"] = args.seed
        print(f"Validating ({args.bootstrap} bootstrap resamples, each centre left out)", file=sys.stderr)
        try:
            validation = validate(analysis_set.frame, model_set, settings, **options)
        except ValueError as exc:
            return fail(f"the models cannot be validated: {exc}")
    try:
        row = store_model_set(model_set, by=actor, validation=validation)
    except ModelSetExists as exc:  # stored meanwhile by another fit
        print(f"note: {exc}", file=sys.stderr)
        row = exc.row
    except (RegistryError, ValueError) as exc:
        return fail(exc)
    else:
        print(STORED.format(version=row.version, where=database_label()), file=sys.stderr)
    _print_card(model_card(row.version), as_json=args.json, brief=args.brief)
    return 0


def show(args: argparse.Namespace) -> int:
    start_django()
    if not require_registry("model show"):
        return 2
    from remission.analysis.prediction.stored import model_card
    from remission.registry.errors import RegistryError

    try:
        card = model_card(args.version)
    except RegistryError as exc:
        print(f"remission model show: {exc}", file=sys.stderr)
        return 2
    _print_card(card, as_json=args.json)
    return 0


def report(args: argparse.Namespace) -> int:
    start_django()
    if not require_registry("model report"):
        return 2
    return in_language("model report", args.language, lambda: _report(args))


def _report(args: argparse.Namespace) -> int:
    """The model report, written in the active language (:func:`report` sets it from ``--language``)."""
    from remission.analysis.prediction.stored import current_model_set, model_set_get
    from remission.registry.errors import RegistryError
    from remission.registry.selectors.prediction_models import NO_MODEL, model_validation
    from remission.reports.model_report import model_report_document

    try:
        model_set = model_set_get(args.version) if args.version else current_model_set()
        if model_set is None:
            raise LookupError(NO_MODEL)
        validation = model_validation(model_set.version)
    except (RegistryError, LookupError) as exc:
        print(f"remission model report: {exc}", file=sys.stderr)
        return 2
    document = model_report_document(model_set, validation)
    write_document(document, args.out)
    print(f"Model report of {model_set.version}: {args.out}")
    return 0


def _print_card(card: Mapping[str, Any], *, as_json: bool, brief: bool = False) -> None:
    if as_json:
        print(json.dumps(card, indent=2, ensure_ascii=False, sort_keys=True))
    elif brief:
        print(brief_line(card))
    else:
        print(card_text(card))


def brief_line(card: Mapping[str, Any]) -> str:
    """The model set in one line: version, patients and each model's events per parameter."""
    models = ", ".join(
        f"{m['endpoint']} {m['events']} events ({_num(m['events_per_parameter'], 1)} per parameter)"
        for m in card["models"]
    )
    return f"Prediction models {card['version']}: {card['n']} patients; {models}"


def _num(value: Any, digits: int = 3) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    return f"{value:.{digits}f}"


def _p(value: float | None) -> str:
    if value is None:
        return "—"
    return "<0.001" if value < 0.001 else f"{value:.3f}"


def _days(days: float) -> str:
    years = days / 365.25
    return f"{years:g} y" if abs(years - round(years)) < 1e-9 else f"{days:g} d"


def card_text(card: Mapping[str, Any]) -> str:
    """The model card as text: what ``remission model show`` prints."""
    level = round(100 * card["conf_level"])
    lines = [f"Prediction model set {card['version']}"]
    stored = card.get("stored")
    if stored:
        lines.append(f"  stored {stored['created_at']} by {stored['created_by']}")
    lines += [
        f"  data cut-off: {card['data_cutoff'] or 'not given'}",
        f"  patients: {card['n']} (first autologous HSCT, complete cases)",
        "  patients per disease: "
        + ", ".join(f"{d} {n}" for d, n in card["disease_counts"].items())
        + (
            f"; left out (fewer than {card['min_patients_per_disease']}): "
            + ", ".join(card["diseases_left_out"])
            if card["diseases_left_out"]
            else ""
        ),
        "  horizons: "
        + "; ".join(f"{e} " + ", ".join(_days(d) for d in days) for e, days in card["horizons_days"].items()),
        "",
        "Predictors (as coded; ranges in the fitted data)",
    ]
    for p in card["predictors"]:
        detail = ""
        if "range" in p:
            detail = f"range {_num(p['range'][0], 2)} to {_num(p['range'][1], 2)}"
            if "knots" in p:
                detail += "; knots " + ", ".join(_num(k, 2) for k in p["knots"])
        elif "diseases" in p:  # subtypes, within each disease
            detail = (
                "; ".join(
                    f"{d['disease']}: " + ", ".join(d["levels"]) + f" (reference {d['reference']})"
                    for d in p["diseases"]
                )
                or "none with enough patients"
            )
        else:
            detail = "levels " + ", ".join(p["levels"]) + f" (reference {p['reference']})"
        if "era_boundaries" in p:
            detail += "; boundaries " + ", ".join(str(b) for b in p["era_boundaries"])
        if "threshold" in p:
            detail += f"; threshold {p['threshold']}"
        lines.append(f"  {p['name']:<12} {p['coding']}: {detail}")
    for m in card["models"]:
        competing = f", {m['competing']} competing" if m["competing"] is not None else ""
        ratio = "sHR" if m["endpoint"] == "NRM" else "HR"
        lines += [
            "",
            f"{m['endpoint']}: {m['method']}",
            f"  n {m['n']}, events {m['events']}{competing}, parameters {m['parameters']}, "
            f"events per parameter {_num(m['events_per_parameter'], 1)}"
            + ("" if m["converged"] else " — DID NOT CONVERGE"),
            f"  {'term':<24} {'coef':>9} {'se':>8} {ratio:>8} {f'{level} % CI':>19} {'p':>7}",
        ]
        for c in m["coefficients"]:
            ci = f"{_num(c['lower'])}–{_num(c['upper'])}"
            lines.append(
                f"  {c['term']:<24} {_num(c['coef'], 4):>9} {_num(c['se'], 4):>8} "
                f"{_num(c['hazard_ratio']):>8} {ci:>19} {_p(c['p']):>7}"
            )
    lines.append("")
    lines += validation_lines(card.get("validation"))
    return "\n".join(lines)


# The validation metrics a card shows, in order, with their names for a person.
VALIDATION_METRICS: tuple[tuple[str, str], ...] = (
    ("auc", "AUC(t)"),
    ("harrell_c", "Harrell's C"),
    ("uno_c", "Uno's C"),
    ("brier", "Brier"),
    ("scaled_brier", "scaled Brier"),
    ("calibration_slope", "calibration slope"),
)


def validation_lines(validation: Mapping[str, Any] | None) -> list[str]:
    """The stored validation as text: for each endpoint and horizon, each metric apparent, its bootstrap
    optimism, optimism-corrected, and on the left-out centres (pooled); raw JSON for another shape."""
    if validation is None:
        return ["Validation: none stored"]
    results = validation.get("results")
    if not isinstance(results, list) or not all(isinstance(r, Mapping) and "apparent" in r for r in results):
        return ["Validation:"] + [
            "  " + line for line in json.dumps(validation, indent=2, ensure_ascii=False).splitlines()
        ]
    lines = [
        f"Validation: {validation.get('n')} patients; {validation.get('bootstrap')} bootstrap resamples "
        f"({validation.get('bootstrap_fitted')} refitted, seed {validation.get('seed')}); "
        "internal-external: each centre left out"
    ]
    for failure in validation.get("bootstrap_failures") or ():
        lines.append(f"  resamples not refitted: {failure.get('count')} ({failure.get('reason')})")
    if validation.get("centre_note"):
        lines.append(f"  no internal-external validation: {validation['centre_note']}")
    skipped = validation.get("centres_skipped") or ()
    if skipped:
        lines.append(f"  centres not scored: {len(skipped)}")
    for r in results:
        apparent = r.get("apparent") or {}
        optimism = r.get("optimism") or {}
        corrected = r.get("corrected") or {}
        pooled = r.get("pooled") or {}
        competing = apparent.get("competing")
        lines += [
            "",
            f"  {r.get('endpoint')} at {r.get('horizon')}: {apparent.get('events')} events by then"
            + (f", {competing} competing" if competing is not None else "")
            + f", {apparent.get('censored')} censored before (n {apparent.get('n')}); "
            f"left-out centres scored: {r.get('centres_scored', '—')}",
            f"    {'metric':<18} {'apparent':>9} {'optimism':>9} {'corrected':>9} {'centres':>9}",
        ]
        for key, words in VALIDATION_METRICS:
            lines.append(
                f"    {words:<18} {_num(apparent.get(key), 4):>9} {_num(optimism.get(key), 4):>9} "
                f"{_num(corrected.get(key), 4):>9} {_num(pooled.get(key), 4):>9}"
            )
    if validation.get("methods"):
        lines += ["", f"  Methods: {validation['methods']}"]
    return lines


def register_fit(actions: argparse._SubParsersAction) -> None:
    parser = actions.add_parser(
        "fit", help="fit, validate and store the prediction models (a new version) and print the card"
    )
    parser.add_argument("--as", dest="as_user", help="act as this account (default: the operator)")
    parser.add_argument(
        "--bootstrap",
        type=int,
        default=DEFAULT_BOOTSTRAP,
        metavar="N",
        help=f"bootstrap resamples for the optimism correction (default {DEFAULT_BOOTSTRAP})",
    )
    parser.add_argument("--seed", type=int, help="random seed of the validation (default: its own)")
    printed = parser.add_mutually_exclusive_group()
    printed.add_argument("--json", action="store_true", help="print the model card as JSON")
    printed.add_argument(
        "--brief", action="store_true", help="print one line (version, events per parameter), not the card"
    )
    parser.set_defaults(func=fit)


def register_show(actions: argparse._SubParsersAction) -> None:
    parser = actions.add_parser("show", help="print the model card of a stored model set (read only)")
    parser.add_argument("version", nargs="?", metavar="VERSION", help="the version (default: the current)")
    parser.add_argument("--json", action="store_true", help="print the model card as JSON")
    parser.set_defaults(func=show)


def register_report(actions: argparse._SubParsersAction) -> None:
    parser = actions.add_parser(
        "report", help="the model report (card and validation) of a stored model set as HTML or PDF"
    )
    parser.add_argument("version", nargs="?", metavar="VERSION", help="the version (default: the current)")
    parser.add_argument("--out", type=document_path, required=True, help="report file: .html or .pdf")
    add_language_argument(parser)
    parser.set_defaults(func=report)


# The actions of ``remission model``, in the order ``remission model --help`` lists them.
ACTIONS: tuple[Callable[[argparse._SubParsersAction], None], ...] = (
    register_fit,
    register_show,
    register_report,
)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("model", help="prediction models: fit and store, show the model card")
    actions = parser.add_subparsers(dest="model_action", metavar="ACTION")
    for register_action in ACTIONS:
        register_action(actions)
    parser.set_defaults(func=lambda args: _help(parser))


def _help(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2
