"""British English, the source language: the registry writes short dates as ISO 8601 (``2024-05-31``),
as its exports and its documentation do; long dates, numbers and date input stay Django's ``en_GB``."""

SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
