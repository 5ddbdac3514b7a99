"""System checks: a wrong setting is reported by ``manage.py check``, not at the first payment."""
