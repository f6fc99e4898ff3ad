import os

from django.core.wsgi import get_wsgi_application

# Only production servers (gunicorn, daphne) import this directly: they must never come up on the
# development settings. manage.py (runserver, tests) sets its own module first.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servizo.settings.production")

application = get_wsgi_application()
