"""A candidate checked before it is screened: every problem at once, each naming its field and rule.

The command line (``remission screen``), the web form and the API screening endpoint all check a
candidate here, so they report the same problems in the same words:

1. every error against the candidate JSON schema (:func:`remission.clinical.screening.candidate_schema`,
   committed as ``candidate.schema.json``) — not only the first. The field is the JSON path, dotted
   (``findings.lvef_pct``, ``regimen_overrides.cy.days[0]``); the rule is the JSON Schema keyword that
   failed (``maximum``, ``type``, ``enum``, ``required``, ``additionalProperties``, …); an unknown field is
   one problem per field;
2. when the schema passes, the rules it cannot express, each with a named rule: a guideline of another
   disease (``guideline_of_disease``), regimen overrides without a regimen (``needs_regimen``) or for an
   agent the regimen does not have (``agent_of_regimen``), a rule-set setting the rule set refuses
   (``setting``).

Pure Python (``jsonschema``); no Django, no I/O.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any

from remission.clinical.eligibility import GUIDELINE_TITLES, RULESETS, guidelines_for
from remission.clinical.regimens import get_regimen
from remission.clinical.screening import (
    OVERRIDE_WITHOUT_REGIMEN,
    ScreeningReport,
    candidate_schema,
    screen_candidate,
)
from remission.clinical.words import Words, gettext_noop

UNKNOWN_FIELD = gettext_noop("{key!r} is not a field of {where}")
UNKNOWN_FIELD_HINT = gettext_noop("{key!r} is not a field of {where} (did you mean {hint!r}?)")
WRONG_GUIDELINE = gettext_noop("guideline {value!r} does not apply to {disease}; choose one of: {allowed}")
UNKNOWN_TOP_FIELD = gettext_noop("{key!r} is not a field of the candidate")
UNKNOWN_TOP_FIELD_HINT = gettext_noop("{key!r} is not a field of the candidate (did you mean {hint!r}?)")
TOP = "candidate"  # the field of a problem with the whole candidate

GUIDELINE_OF_DISEASE = "guideline_of_disease"
NEEDS_REGIMEN = "needs_regimen"
AGENT_OF_REGIMEN = "agent_of_regimen"
SETTING = "setting"
SCREENING = "screening"


@dataclass(frozen=True)
class CandidateProblem:
    field: str  # the JSON path, dotted: findings.lvef_pct
    rule: str  # the JSON Schema keyword that failed, or one of the named rules above
    message: str
    # the message as a template and its values, when this package wrote it (not the JSON Schema library):
    # a face translates the template and formats it with the values (clinical/words.py)
    template: str = field(default="", compare=False)
    values: Mapping[str, Any] = field(default_factory=dict, compare=False)

    def to_dict(self) -> dict[str, str]:
        return {"field": self.field, "rule": self.rule, "message": self.message}

    def message_in(self, words: Words) -> str:
        """The message in ``words``; a message this package did not write (the schema's), as it is."""
        return words(self.template).format(**self.values) if self.template else self.message


@cache
def schema() -> dict[str, Any]:
    return candidate_schema()


def json_path(parts: Sequence[Any]) -> str:
    """``["findings", "lvef_pct"]`` -> ``findings.lvef_pct``; list positions as ``[0]``."""
    path = ""
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or TOP


def _unknown(parts: list[Any], key: str, known: Mapping[str, Any]) -> CandidateProblem:
    close = difflib.get_close_matches(key, list(known), n=1)
    values = {"key": key, "where": json_path(parts)} | ({"hint": close[0]} if close else {})
    if parts:
        template = UNKNOWN_FIELD_HINT if close else UNKNOWN_FIELD
    else:
        template = UNKNOWN_TOP_FIELD_HINT if close else UNKNOWN_TOP_FIELD
    return CandidateProblem(
        json_path([*parts, key]), "additionalProperties", template.format(**values), template, values
    )


def schema_problems(candidate: Any) -> tuple[CandidateProblem, ...]:
    """Every error of ``candidate`` against the candidate JSON schema, sorted by field."""
    import jsonschema

    problems: list[CandidateProblem] = []
    for error in jsonschema.Draft202012Validator(schema()).iter_errors(candidate):
        parts = list(error.absolute_path)
        if error.validator == "additionalProperties" and error.validator_value is False:
            known = error.schema.get("properties", {})
            problems += [_unknown(parts, key, known) for key in error.instance if key not in known]
            continue
        if error.validator == "required" and "'" in error.message:
            parts.append(error.message.split("'")[1])
        problems.append(CandidateProblem(json_path(parts), str(error.validator), error.message))
    return tuple(sorted(problems, key=lambda p: (p.field, p.rule, p.message)))


def rule_problems(candidate: Mapping[str, Any]) -> tuple[CandidateProblem, ...]:
    """The rules the schema cannot express, for a candidate that passed the schema."""
    problems: list[CandidateProblem] = []
    disease, guideline = candidate["disease"], candidate.get("guideline")
    if guideline is not None and guideline not in guidelines_for(disease):
        allowed = ", ".join(f"{code} ({GUIDELINE_TITLES[code]})" for code in guidelines_for(disease))
        values = {"value": guideline, "disease": disease, "allowed": allowed}
        message = WRONG_GUIDELINE.format(**values)
        problems.append(CandidateProblem("guideline", GUIDELINE_OF_DISEASE, message, WRONG_GUIDELINE, values))
    overrides = candidate.get("regimen_overrides")
    if overrides and not candidate.get("regimen"):
        problems.append(
            CandidateProblem(
                "regimen_overrides", NEEDS_REGIMEN, OVERRIDE_WITHOUT_REGIMEN, OVERRIDE_WITHOUT_REGIMEN
            )
        )
    elif overrides:
        try:
            get_regimen(candidate["regimen"]).with_overrides(overrides)
        except (KeyError, ValueError) as exc:  # Regimen.agent raises KeyError for an unknown agent
            problems.append(CandidateProblem("regimen_overrides", AGENT_OF_REGIMEN, str(exc.args[0])))
    for code, given in (candidate.get("eligibility_settings") or {}).items():
        build, settings_class = RULESETS[code]
        try:
            build(replace(settings_class(), **given))
        except ValueError as exc:
            problems.append(CandidateProblem(json_path(["eligibility_settings", code]), SETTING, str(exc)))
    return tuple(problems)


def check_and_screen(candidate: Any) -> tuple[ScreeningReport | None, tuple[CandidateProblem, ...]]:
    """The screening report, or (None, every problem that stopped it)."""
    problems = schema_problems(candidate)
    if not problems:
        problems = rule_problems(candidate)
    if problems:
        return None, problems
    try:
        return screen_candidate(candidate), ()
    except ValueError as exc:  # a library rule not listed above
        return None, (CandidateProblem(TOP, SCREENING, str(exc)),)
