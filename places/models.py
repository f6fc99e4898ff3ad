"""Places: cities with coordinates, loaded from the packaged GeoNames dataset (`load_places`)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from places.names import NAME_KEY_LENGTH


class Place(models.Model):
    """A city (GeoNames, >= 15,000 inhabitants). Offers happen at one; providers work around one."""

    geoname_id = models.PositiveIntegerField(_("GeoNames id"), unique=True)
    name = models.CharField(_("name"), max_length=200)
    ascii_name = models.CharField(_("name in ASCII"), max_length=200)
    country_code = models.CharField(_("country"), max_length=2)
    admin_region = models.CharField(_("region"), max_length=100, blank=True, help_text=_("State or region, if known."))
    latitude = models.FloatField(_("latitude"))
    longitude = models.FloatField(_("longitude"))
    time_zone = models.CharField(_("time zone"), max_length=40)
    population = models.PositiveIntegerField(_("population"), default=0)

    class Meta:
        ordering = ["-population", "id"]
        verbose_name = _("place")
        verbose_name_plural = _("places")
        # The distance filters' bounding box is a range on latitude, then longitude (places.geo).
        indexes = [models.Index(fields=["latitude", "longitude"])]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """What people see and pick: "Florence, IT" or "Florence, Alabama, US"."""
        return ", ".join(part for part in (self.name, self.admin_region, self.country_code) if part)


class PlaceName(models.Model):
    """One searchable name of a place in `places.names.name_key` form: its name, alternate names, codes ("flr")."""

    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="names")
    key = models.CharField(max_length=NAME_KEY_LENGTH)
    population = models.PositiveIntegerField(default=0)  # the place's, so a prefix search ranks without a join

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "place"], name="one_place_name_per_key")]

    def __str__(self) -> str:
        return self.key
