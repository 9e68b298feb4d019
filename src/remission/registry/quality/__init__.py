"""Data quality as a workflow: follow-up forms due (time points) and data-quality rules (queries).

Pure where it can be: schedules and rules compute from rows; the services write what they find.
"""
