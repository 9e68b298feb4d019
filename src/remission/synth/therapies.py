"""Prior lines of therapy by disease, each with the year it became usual (so a 1998 patient never had
ocrelizumab). ◐ Approval years from memory (EMA/FDA), rounded; they only keep the history plausible."""

from __future__ import annotations

from types import MappingProxyType

# (agent, class, first year in use)
Agent = tuple[str, str, int]

_STEROIDS: Agent = ("corticosteroids", "glucocorticoid", 1990)
_MTX: Agent = ("methotrexate", "antimetabolite", 1990)
_MMF: Agent = ("mycophenolate mofetil", "antimetabolite", 1997)
_AZA: Agent = ("azathioprine", "antimetabolite", 1990)
_CYC: Agent = ("cyclophosphamide (IV pulses)", "alkylating agent", 1990)
_RTX: Agent = ("rituximab", "anti-CD20 antibody", 2003)
_IVIG: Agent = ("intravenous immunoglobulin", "immunoglobulin", 1990)

PRIOR_THERAPIES: MappingProxyType[str, tuple[Agent, ...]] = MappingProxyType(
    {
        "ms": (
            ("interferon beta", "immunomodulator", 1995),
            ("glatiramer acetate", "immunomodulator", 1997),
            ("mitoxantrone", "immunosuppressant", 1995),
            ("natalizumab", "anti-integrin antibody", 2006),
            ("fingolimod", "S1P modulator", 2011),
            ("dimethyl fumarate", "fumarate", 2014),
            ("alemtuzumab", "anti-CD52 antibody", 2013),
            ("cladribine", "purine analogue", 2017),
            ("ocrelizumab", "anti-CD20 antibody", 2018),
        ),
        "ssc": (_MTX, _MMF, _CYC, _RTX),
        "sle": (("hydroxychloroquine", "antimalarial", 1990), _AZA, _MMF, _CYC, _RTX,
                ("belimumab", "anti-BAFF antibody", 2011)),
        "ra": (_MTX, ("leflunomide", "DMARD", 1999), ("sulfasalazine", "DMARD", 1990),
               ("etanercept", "anti-TNF", 1999), ("infliximab", "anti-TNF", 1999),
               ("adalimumab", "anti-TNF", 2003), ("abatacept", "anti-CD80/86", 2007),
               ("tocilizumab", "anti-IL-6R", 2009), _RTX),
        "jia": (_MTX, _STEROIDS, ("etanercept", "anti-TNF", 2000), ("anakinra", "anti-IL-1", 2002),
                ("tocilizumab", "anti-IL-6R", 2011)),
        "crohn": (_AZA, _MTX, ("infliximab", "anti-TNF", 1998), ("adalimumab", "anti-TNF", 2007),
                  ("vedolizumab", "anti-integrin antibody", 2014), ("ustekinumab", "anti-IL-12/23", 2016)),
        "cidp": (_STEROIDS, _IVIG, ("plasma exchange", "apheresis", 1990), _AZA, _RTX),
        "aic": (_STEROIDS, _RTX, ("splenectomy", "surgery", 1990),
                ("ciclosporin", "calcineurin inhibitor", 1990),
                _IVIG),
        "nmo": (_AZA, _MMF, _RTX, ("eculizumab", "anti-C5 antibody", 2019),
                ("inebilizumab", "anti-CD19 antibody", 2021)),
        "vasculitis": (_STEROIDS, _CYC, _RTX, _AZA, _MTX),
        "myositis": (_STEROIDS, _MTX, _AZA, _IVIG, _RTX, _MMF),
        "other": (_STEROIDS, _MTX, _AZA, _RTX),
    }
)  # fmt: skip

# How many lines before transplant (min, max) ◐: our assumption (trials ask for failure of one or more lines).
LINES: MappingProxyType[str, tuple[int, int]] = MappingProxyType(
    {"ms": (2, 5), "ssc": (1, 3), "sle": (3, 6), "ra": (3, 6), "jia": (2, 4), "crohn": (3, 6), "cidp": (2, 4),
     "aic": (2, 4), "nmo": (2, 4), "vasculitis": (2, 4), "myositis": (2, 4), "other": (2, 3)}
)  # fmt: skip
STOP_REASONS = (("inefficacy", 0.70), ("toxicity", 0.18), ("other", 0.07), ("unknown", 0.05))
