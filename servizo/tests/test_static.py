"""Production's static storage (whitenoise's compressed manifest) must be able to collect every file."""

from django.core.management import call_command
from django.test import override_settings


def test_collectstatic_works_with_the_production_storage(tmp_path):
    """A vendored file naming a source map that is not shipped (`sourceMappingURL`) fails post-processing."""
    storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    with override_settings(STATIC_ROOT=tmp_path, STORAGES=storages):
        call_command("collectstatic", interactive=False, verbosity=0)

    assert (tmp_path / "staticfiles.json").exists()
    assert list(tmp_path.glob("vendor/bootstrap/bootstrap.min.*.css"))
