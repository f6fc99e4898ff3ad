from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = _("Reviews")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from accounts.models import PortfolioPhoto, ProviderProfile
        from bookings.models import Booking
        from bookings.services import register_transition_hook
        from reviews.models import ProviderReputation, Review, ReviewReply
        from reviews.services import booking_completed
        from reviews.signals import portfolio_changed, provider_row_changed

        register_transition_hook(Booking.Status.COMPLETED, booking_completed)
        # Cache invalidation only: what a provider's public profile page shows (servizo.pagecache).
        for model in (Review, ReviewReply, ProviderReputation, ProviderProfile):
            post_save.connect(provider_row_changed, sender=model, dispatch_uid=f"profile_pages_{model.__name__}")
        post_save.connect(portfolio_changed, sender=PortfolioPhoto, dispatch_uid="profile_pages_portfolio_save")
        post_delete.connect(portfolio_changed, sender=PortfolioPhoto, dispatch_uid="profile_pages_portfolio_delete")
