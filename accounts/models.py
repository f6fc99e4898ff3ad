import os

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from places.models import Place
from servizo.models import TimeStampedModel
from servizo.timezones import default_zone_name, is_zone


def validate_zone(value: str) -> None:
    if not is_zone(value):
        raise ValidationError(_("Pick a time zone from the list."))


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in by email. Customers and providers have a role; staff may have none."""

    class Role(models.TextChoices):
        CUSTOMER = "customer", _("Customer")
        PROVIDER = "provider", _("Service provider")

    email = models.EmailField(_("email address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=150)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, blank=True)
    is_staff = models.BooleanField(_("staff status"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    # What the user agreed to at signup (LegalPage version of the terms); empty for accounts made before.
    terms_version = models.PositiveIntegerField(_("terms version accepted"), null=True, blank=True, editable=False)
    terms_accepted_at = models.DateTimeField(_("terms accepted at"), null=True, blank=True, editable=False)
    # IANA name; every time is shown to the user in it (servizo.timezones). Guessed by the browser at signup.
    time_zone = models.CharField(_("time zone"), max_length=64, default=default_zone_name, validators=[validate_zone])
    # A code from settings.LANGUAGES (the signup page's, then the user's choice); empty: the browser's.
    # Pages after signing in and the emails and notices written to the user use it (servizo.languages).
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["email"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @property
    def is_customer(self) -> bool:
        return self.role == self.Role.CUSTOMER

    @property
    def is_provider(self) -> bool:
        return self.role == self.Role.PROVIDER


class ServiceCategory(models.Model):
    name = models.CharField(_("name"), max_length=80, unique=True)
    # Category names are data, not catalog strings: each has its Urdu name here (`display_name` picks it).
    name_ur = models.CharField(
        _("name in Urdu"), max_length=80, blank=True, help_text=_("Shown on Urdu pages; empty: the English name.")
    )
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    description = models.TextField(_("description"), blank=True)
    icon = models.CharField(
        _("icon"), max_length=40, blank=True, help_text=_("Bootstrap icon name, e.g. 'lightning-charge'.")
    )
    suggested_price_cents = models.PositiveIntegerField(_("suggested price"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    ordering = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["ordering", "name"]
        verbose_name = _("service category")
        verbose_name_plural = _("service categories")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """The name in the active language: the Urdu name on Urdu pages when it is filled in, else `name`."""
        if self.name_ur and (get_language() or "").split("-")[0] == "ur":
            return self.name_ur
        return self.name


class PrivateMediaStorage(FileSystemStorage):
    """Files kept under settings.PRIVATE_MEDIA_ROOT with no public URL.

    The root is read on every use (tests move it per test); files are served only by
    authorizing views such as accounts.views.provider_document.
    """

    @property
    def base_location(self):
        return settings.PRIVATE_MEDIA_ROOT

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        raise ValueError("Private files have no public URL; serve them through an authorizing view.")


def _private_storage() -> FileSystemStorage:
    return PrivateMediaStorage()


SERVICE_RADIUS_KM_MIN = 1
SERVICE_RADIUS_KM_MAX = 100  # the offers-side matching prefilters by a box this size (offers.selectors)
SERVICE_RADIUS_KM_DEFAULT = 25
HOURLY_RATE_MIN_CENTS, HOURLY_RATE_MAX_CENTS = 100, 100_000


class ProviderProfile(TimeStampedModel):
    """What a provider told us at signup, and where the verification stands."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending review")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        SUSPENDED = "suspended", _("Suspended")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="provider_profile", verbose_name=_("user")
    )
    # Where the provider works from and how far they travel: offers within the radius match (offers.selectors).
    # Empty only for profiles whose free-text city `match_places` could not place: they see no offers
    # until they pick one.
    base_place = models.ForeignKey(
        Place, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("base city")
    )
    service_radius_km = models.PositiveSmallIntegerField(
        _("service radius (km)"),
        default=SERVICE_RADIUS_KM_DEFAULT,
        validators=[MinValueValidator(SERVICE_RADIUS_KM_MIN), MaxValueValidator(SERVICE_RADIUS_KM_MAX)],
    )
    legacy_city = models.CharField(
        _("city as typed"), max_length=100, blank=True, help_text=_("The free-text city typed before places.")
    )
    service_area = models.CharField(_("service area"), max_length=200, blank=True)
    categories = models.ManyToManyField(ServiceCategory, related_name="providers", verbose_name=_("services"))
    years_experience = models.PositiveSmallIntegerField(_("years of experience"), default=0)
    bio = models.TextField(_("short bio"), max_length=1000, blank=True)
    # Optional, shown on the public profile; the directory files it under a price level (directory.models).
    hourly_rate_cents = models.PositiveIntegerField(
        _("hourly rate"),
        null=True,
        blank=True,
        validators=[MinValueValidator(HOURLY_RATE_MIN_CENTS), MaxValueValidator(HOURLY_RATE_MAX_CENTS)],
        help_text=_("Your typical hourly rate (optional)."),
    )
    document = models.FileField(
        _("document"), upload_to="provider-documents/%Y/%m/", storage=_private_storage, blank=True
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True)
    status_reason = models.TextField(_("reason for the status"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    # Stripe Connect (payments issue): the connected account and whether it can receive transfers.
    stripe_account_id = models.CharField(_("Stripe account"), max_length=64, blank=True)
    payouts_enabled = models.BooleanField(_("payouts enabled"), default=False)
    # Profile photo (servizo.images, square thumbnail): public with the profile once approved
    # (accounts.views.provider_photo); `{% provider_avatar %}` shows it or the initials.
    avatar = models.FileField(
        _("profile photo"), upload_to="provider-photos/%Y/%m/", storage=_private_storage, blank=True
    )
    avatar_thumbnail = models.FileField(
        _("profile photo thumbnail"), upload_to="provider-photos/%Y/%m/", storage=_private_storage, blank=True
    )
    avatar_content_type = models.CharField(_("profile photo type"), max_length=20, blank=True)

    class Meta:
        ordering = ["-submitted_at"]
        verbose_name = _("provider profile")
        verbose_name_plural = _("provider profiles")
        permissions = [("review_providerprofile", _("Can approve, reject, suspend and reinstate providers"))]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_status_display()})"

    @property
    def is_approved(self) -> bool:
        return self.status == self.Status.APPROVED

    @property
    def has_started(self) -> bool:
        """Approved now or before (suspended): has jobs and earnings to look at, unlike an applicant."""
        return self.status in (self.Status.APPROVED, self.Status.SUSPENDED)

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING

    @property
    def is_rejected(self) -> bool:
        return self.status == self.Status.REJECTED

    @property
    def is_suspended(self) -> bool:
        return self.status == self.Status.SUSPENDED


class ProviderStatusEvent(models.Model):
    """Audit row for every verification transition: who, from, to, when, why."""

    profile = models.ForeignKey(
        ProviderProfile, on_delete=models.CASCADE, related_name="events", verbose_name=_("provider profile")
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("by"),
    )
    from_status = models.CharField(_("from"), max_length=16, choices=ProviderProfile.Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=16, choices=ProviderProfile.Status.choices)
    reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("provider status change")
        verbose_name_plural = _("provider status changes")

    def __str__(self) -> str:
        return f"{self.from_status or '—'} → {self.to_status}"


class LegalPage(models.Model):
    """The operator-editable text of /terms/ and /privacy/; with no row the page shows the default text.

    Each save through `accounts.services.legal_page_publish` raises `version`, which signups record.
    """

    class Kind(models.TextChoices):
        TERMS = "terms", _("Terms of service")
        PRIVACY = "privacy", _("Privacy notice")

    kind = models.CharField(_("page"), max_length=16, choices=Kind.choices, unique=True)
    body = models.TextField(
        _("text"), max_length=20000, help_text=_("Plain text: a blank line starts a new paragraph.")
    )
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
        verbose_name=_("updated by"),
    )

    class Meta:
        verbose_name = _("legal page")
        verbose_name_plural = _("legal pages")

    def __str__(self) -> str:
        return _("%(kind)s (version %(version)s)") % {"kind": self.get_kind_display(), "version": self.version}


class PortfolioPhoto(models.Model):
    """A photo of the provider's past work (servizo.images), shown on their public profile once approved."""

    profile = models.ForeignKey(
        ProviderProfile, on_delete=models.CASCADE, related_name="portfolio", verbose_name=_("provider profile")
    )
    image = models.FileField(_("photo"), upload_to="provider-photos/%Y/%m/", storage=_private_storage)
    thumbnail = models.FileField(_("thumbnail"), upload_to="provider-photos/%Y/%m/", storage=_private_storage)
    content_type = models.CharField(_("type"), max_length=20)
    caption = models.CharField(_("caption"), max_length=140, blank=True)
    created_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("portfolio photo")
        verbose_name_plural = _("portfolio photos")

    def __str__(self) -> str:
        return self.caption or _("Portfolio photo %(id)s") % {"id": self.pk}
