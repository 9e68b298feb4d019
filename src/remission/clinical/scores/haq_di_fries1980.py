"""Health Assessment Questionnaire Disability Index (HAQ-DI).

References: Fries JF, Spitz P, Kraines RG, Holman HR. Measurement of patient outcome in arthritis.
Arthritis Rheum 1980;23:137-45 [@Fries1980]. Bruce B, Fries JF. The Stanford Health Assessment
Questionnaire: dimensions and practical applications. Health Qual Life Outcomes 2003;1:20 [@Bruce2003].
The scoring rules below ◐ are the standard HAQ-DI conventions (Stanford HAQ instructions); they are not in
the abstracts read, hence the settings.

Variables: 20 questions in 8 categories, each 0 (without any difficulty), 1 (with some difficulty),
2 (with much difficulty) or 3 (unable to do); per category, whether aids/devices or help from another
person are used (``<category>_aid``).

Scoring: a category's score is its highest answered question. With aids/devices or help for the
category, a 0 or 1 is raised to 2 (2 and 3 stay). HAQ-DI = sum of category scores / number of categories
answered, which must be at least 6; range 0–3. The aids/devices adjustment and the minimum are settings
(:class:`~remission.clinical.settings_scores.HaqDiSettings`).

Missing values: a category with no answered question is not counted. With fewer than 6 categories
answered the index is not computable. ``missing`` lists every unanswered question, also when the index
is computable.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from remission.clinical.scores._common import ItemSpec, ScoreResult, bool_item, check_items, int_item
from remission.clinical.settings_scores import HaqDiSettings

INSTRUMENT = "haq_di"
TITLE = "HAQ Disability Index"
SOURCE = (
    "Fries JF et al. Arthritis Rheum 1980;23:137-45 [@Fries1980]; "
    "Bruce B, Fries JF. Health Qual Life Outcomes 2003;1:20 [@Bruce2003] ◐"
)
SCORE_RANGE = (0.0, 3.0)

# category -> questions (Stanford HAQ, 20 questions)
CATEGORIES: Mapping[str, tuple[tuple[str, str], ...]] = {
    "dressing": (
        ("dress_self", "Dress yourself, including tying shoelaces and doing buttons"),
        ("shampoo_hair", "Shampoo your hair"),
    ),
    "arising": (
        ("stand_from_chair", "Stand up from a straight chair"),
        ("in_out_of_bed", "Get in and out of bed"),
    ),
    "eating": (
        ("cut_meat", "Cut your meat"),
        ("lift_cup", "Lift a full cup or glass to your mouth"),
        ("open_milk_carton", "Open a new milk carton"),
    ),
    "walking": (
        ("walk_outdoors", "Walk outdoors on flat ground"),
        ("climb_steps", "Climb up five steps"),
    ),
    "hygiene": (
        ("wash_dry_body", "Wash and dry your body"),
        ("take_tub_bath", "Take a tub bath"),
        ("on_off_toilet", "Get on and off the toilet"),
    ),
    "reach": (
        ("reach_object", "Reach and get down a 5-pound object from just above your head"),
        ("bend_pick_up", "Bend down to pick up clothing from the floor"),
    ),
    "grip": (
        ("open_car_doors", "Open car doors"),
        ("open_jars", "Open jars which have been previously opened"),
        ("turn_faucets", "Turn faucets on and off"),
    ),
    "activities": (
        ("run_errands", "Run errands and shop"),
        ("in_out_of_car", "Get in and out of a car"),
        ("chores", "Do chores such as vacuuming or yard work"),
    ),
}
QUESTIONS: tuple[ItemSpec, ...] = tuple(
    int_item(code, 0, 3, title) for questions in CATEGORIES.values() for code, title in questions
)
AIDS: tuple[ItemSpec, ...] = tuple(
    bool_item(f"{category}_aid", f"{category.capitalize()}: aids/devices or help from another person")
    for category in CATEGORIES
)
ITEMS: tuple[ItemSpec, ...] = (*QUESTIONS, *AIDS)
assert len(QUESTIONS) == 20 and len(CATEGORIES) == 8

AID_FLOOR = 2  # a category score of 0 or 1 is raised to 2 with aids/devices or help
DEFAULT_SETTINGS = HaqDiSettings()


def haq_di(items: Mapping[str, Any], *, settings: HaqDiSettings = DEFAULT_SETTINGS) -> ScoreResult:
    """HAQ-DI from question scores and ``<category>_aid`` flags; ``components`` = category scores."""
    values, missing = check_items(ITEMS, items)
    components: dict[str, float] = {}
    for category, questions in CATEGORIES.items():
        answered = [values[code] for code, _ in questions if code in values]
        if not answered:
            continue
        score = max(answered)  # highest question in the category
        if settings.use_aids_devices and values.get(f"{category}_aid"):
            score = max(score, AID_FLOOR)
        components[category] = float(score)
    missing_questions = tuple(name for name in missing if not name.endswith("_aid"))
    if len(components) < settings.min_categories:
        return ScoreResult(INSTRUMENT, None, None, components, missing_questions)
    return ScoreResult(
        INSTRUMENT, sum(components.values()) / len(components), None, components, missing_questions
    )
