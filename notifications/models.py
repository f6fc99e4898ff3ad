from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=40)
    text = models.CharField(max_length=500)
    link = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"]), models.Index(fields=["recipient", "created_at"])]

    def __str__(self) -> str:
        return self.text

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class OutgoingEmail(models.Model):
    """An email kept until the mail server takes it: a failed send is retried with backoff
    (`manage.py send_pending_emails`), and one that keeps failing stays visible in the admin."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending (to send or retry)")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed (gave up; retry from the admin)")

    to = models.JSONField(help_text="Recipient addresses.", verbose_name=_("to"))
    subject = models.CharField(max_length=300, verbose_name=_("subject"))
    body = models.TextField(verbose_name=_("body"))
    html_body = models.TextField(blank=True, verbose_name=_("html body"))
    from_email = models.CharField(max_length=254, blank=True, verbose_name=_("from email"))
    headers = models.JSONField(default=dict, blank=True, verbose_name=_("headers"))
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING, verbose_name=_("status"))
    attempts = models.PositiveIntegerField(default=0, verbose_name=_("attempts"))
    last_error = models.TextField(blank=True, verbose_name=_("last error"))
    next_attempt_at = models.DateTimeField(default=timezone.now, verbose_name=_("next attempt at"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    sent_at = models.DateTimeField(null=True, blank=True, verbose_name=_("sent at"))

    class Meta:
        verbose_name = _("outgoing email")
        verbose_name_plural = _("outgoing emails")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return self.subject
