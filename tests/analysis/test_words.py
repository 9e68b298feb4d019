"""Words in the analysis's results are kept in English and put into the reader's language when shown."""

from __future__ import annotations

import datetime as dt
import pickle

from django.utils import translation
from django.utils.translation import gettext_noop

from remission.analysis.flow import REASONS, patient_flow, product_words
from remission.analysis.outcomes import SKIPPED, TOO_FEW_EVENTS
from remission.analysis.words import in_english, words


def test_a_note_is_english_until_shown_in_french() -> None:
    reason = words(TOO_FEW_EVENTS, events=4, terms=2, minimum="5")
    note = words(SKIPPED, what="Cox OS", stratum=words(gettext_noop("all")), reason=reason)
    assert str(note) == "Cox OS (all): not computed — 4 events for 2 terms (fewer than 5 per term)"
    with translation.override("fr"):
        assert str(note) == (
            "Cox OS (tous)\u00a0: non calculé — 4 événements pour 2 termes (moins de 5 par terme)"
        )
        assert f"• {note}".startswith("• Cox OS (tous)")  # an f-string shows it too
        assert in_english(note) == "Cox OS (all): not computed — 4 events for 2 terms (fewer than 5 per term)"


def test_values_are_shown_in_the_language_never_translated_as_part_of_the_template() -> None:
    after = words(
        REASONS["infused_after_cutoff"],
        selection=words("autologous HSCT").capitalised(),
        cutoff=dt.date(2024, 5, 31),
    )
    assert str(after) == "Autologous HSCT after the data cut-off (2024-05-31)"
    with translation.override("fr"):
        assert str(after) == "Autogreffe de CSH après la date de point (31/05/2024)"
        assert str(words("%(x)s", x=182.625)) == "182,625"


def test_the_flow_s_reasons_are_words_and_survive_the_cache() -> None:
    flow = patient_flow(
        in_registry=3,
        left_out=(),
        filtered=[("disease", "ssc", 1)],
        analysed=2,
        selection=words("autologous HSCT"),
        cutoff=None,
    )
    flow = pickle.loads(pickle.dumps(flow))  # the results cache pickles them
    reasons = [str(step.reason) for step in flow.steps]
    assert reasons[0] == "No infusion recorded" and reasons[-1] == "Outside the cohort filter (ssc)"
    with translation.override("fr"):
        reasons = [str(step.reason) for step in flow.steps]
        assert reasons[0] == "Aucune réinjection enregistrée"
        assert reasons[1] == "Autre thérapie cellulaire, sans autogreffe de CSH"
        assert str(product_words("car_t").capitalised()) == "Cellules CAR-T"
