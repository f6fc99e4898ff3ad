"""The admin pages several apps show something on, each built here in one place.

Read a line to know what its page shows: the owning app's ModelAdmin, then each panel in order
(console.composition explains panels). Every other model's admin is registered by its own app.
"""

from accounts.admin import ProviderProfileAdmin
from accounts.models import ProviderProfile
from bookings.admin import BookingAdmin, CompletedJobsPanel, ReliabilityPanel
from bookings.models import Booking
from chat.admin import BookingConversationPanel
from console.composition import admin_page
from payments.admin import BookingMoneyPanel
from reviews.admin import ReputationPanel
from servizo.admin import admin_site

# The booking: its snapshot and timeline; payments, ledger and the decision link; its conversation.
admin_site.register(Booking, admin_page(BookingAdmin, BookingMoneyPanel, BookingConversationPanel))
# The provider queue: the applications; completed jobs; cancelled paid bookings; rating.
admin_site.register(
    ProviderProfile, admin_page(ProviderProfileAdmin, CompletedJobsPanel, ReliabilityPanel, ReputationPanel)
)
