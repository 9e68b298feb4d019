"""Date and number formats per language, where the registry differs from Django's (settings
``FORMAT_MODULE_PATH``; docs/languages.md). Every other language uses Django's own formats."""
