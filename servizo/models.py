from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True, db_index=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        abstract = True


class FailedTask(models.Model):
    """A background task that kept failing after its retries (servizo.tasks): kept for staff to see and retry."""

    class Status(models.TextChoices):
        FAILED = "failed", _("Failed (retry from the admin)")
        RETRIED = "retried", _("Queued again")

    task_id = models.CharField(max_length=64, unique=True, verbose_name=_("task id"))
    task_name = models.CharField(max_length=200, db_index=True, verbose_name=_("task name"))
    args = models.JSONField(default=list, blank=True, verbose_name=_("args"))
    kwargs = models.JSONField(default=dict, blank=True, verbose_name=_("kwargs"))
    error = models.TextField(verbose_name=_("error"))
    traceback = models.TextField(blank=True, verbose_name=_("traceback"))
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.FAILED, db_index=True, verbose_name=_("status")
    )
    failed_at = models.DateTimeField(auto_now_add=True, db_index=True, verbose_name=_("failed at"))
    retried_at = models.DateTimeField(null=True, blank=True, verbose_name=_("retried at"))

    class Meta:
        verbose_name = _("failed task")
        verbose_name_plural = _("failed tasks")
        ordering = ["-failed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.task_name} {self.task_id}"
