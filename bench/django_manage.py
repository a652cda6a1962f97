"""``manage.py`` of the minimal Django project bench/run.py times (settings: ``django_settings``).

Owns: nothing but starting Django's command line, as a project's ``manage.py`` does.
"""

from __future__ import annotations

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "django_settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
