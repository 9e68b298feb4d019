"""``remission demo``: build the embedded demo registry (once, dated up to the day it is built), fit its
prediction models when none is stored (``remission model fit --brief``, the same road: validated with
:data:`DEMO_BOOTSTRAP` resamples, stored and audited; when the models cannot be fitted the reason is
printed and the demo serves without predictions), then serve it with ``remission serve``'s waitress
server and options (127.0.0.1:8000 by default)."""

from __future__ import annotations

import argparse
import datetime as dt

from tqdm import tqdm

from remission.cli import model
from remission.cli._django import database_label
from remission.cli.migrate import migrate_database
from remission.cli.serve import add_server_options, serve
from remission.settings.startup import start_django

DEMO_BOOTSTRAP = model.DEFAULT_BOOTSTRAP
NO_MODELS = "The demo serves without predictions: the prediction models could not be fitted (reason above)."


def run(args: argparse.Namespace) -> int:
    start_django()
    from remission.synth import demo

    seconds = migrate_database()
    print(f"Database ready: {database_label()} (migrated in {seconds:.1f} s)")
    if demo.demo_exists():
        print("Demo registry already built; using it.")
    else:
        from remission.synth.hazards import calibrated

        calibrated()  # solve the outcome model once, before the progress bar starts
        today = dt.date.today()
        with tqdm(total=demo.demo_patient_count(), unit="patient", desc="Building demo registry") as bar:
            written = demo.build_demo(seed=args.seed, progress=bar.update, today=today)
        print(
            f"Demo registry built: {written} synthetic patients, as a registry in use holds them on {today}."
        )
    fit_models(args.seed)
    print(f"\nDemo logins (password for all: {demo.DEMO_PASSWORD}):")
    for login in demo.DEMO_LOGINS:
        where = f" at {login.centre}" if login.centre else " (all centres)"
        print(f"  {login.username:<14} {login.role}{where}")
    url = f"http://{args.host}:{args.port}/"
    print(f"\nRemission demo: {url}")
    if args.no_serve:
        return 0
    serve(args.host, args.port, args.threads)
    return 0


def fit_models(seed: int) -> None:
    """Fit and store the demo's prediction models, as the operator, unless a model set is stored."""
    from remission.analysis.prediction.stored import current_model_set

    if current_model_set() is not None:
        return
    print(f"Fitting the prediction models ({DEMO_BOOTSTRAP} bootstrap resamples)")
    fitted = model.fit(
        argparse.Namespace(as_user=None, bootstrap=DEMO_BOOTSTRAP, seed=seed, json=False, brief=True)
    )
    if fitted != 0:
        print(NO_MODELS)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("demo", help="build the demo registry (embedded SQLite) and serve it")
    add_server_options(parser)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-serve", action="store_true", help="build and print the logins, then stop")
    parser.set_defaults(func=run)
