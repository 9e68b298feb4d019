"""Django settings: ``base`` (shared), ``test`` (the test suite) and ``production``.

The environment is read in one place, :mod:`remission.settings.environment`.
"""
