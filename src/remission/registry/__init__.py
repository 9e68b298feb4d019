"""remission.registry: the Django app that holds the registry.

* ``models/`` — the tables, with the invariants the database can hold as constraints;
* ``codes`` — the code lists (one place, versioned);
* ``services/`` — every write: validated, centre- and role-checked, in a transaction, audited;
* ``selectors/`` — every read, centre-scoped by construction;
* ``access`` — who may read and write which centre's records;
* ``validation`` — the cross-record rules (dates in a possible order, plausible ranges, known units).
"""
