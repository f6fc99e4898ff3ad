import factory
from allauth.account.models import EmailAddress

from accounts.models import ProviderProfile, ServiceCategory, User
from places.tests.factories import PlaceFactory


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    full_name = factory.Faker("name")
    phone = "+39 055 1234"
    password = factory.django.Password("pass-1234-word")

    @factory.post_generation
    def verified(user, create, extracted, **kwargs):
        if create and extracted is not False:
            EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)


class CustomerFactory(UserFactory):
    role = User.Role.CUSTOMER


class StaffFactory(UserFactory):
    is_staff = True
    is_superuser = True


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceCategory
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Trade {n}")
    slug = factory.Sequence(lambda n: f"trade-{n}")
    suggested_price_cents = 5000


class ProviderProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProviderProfile
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory, role=User.Role.PROVIDER)
    base_place = factory.SubFactory(PlaceFactory)
    service_radius_km = 25
    service_area = "Florence"
    years_experience = 5
    bio = "Reliable and tidy."
    status = ProviderProfile.Status.APPROVED

    @factory.post_generation
    def categories(profile, create, extracted, **kwargs):
        if not create:
            return
        if extracted is None:
            extracted = list(ServiceCategory.objects.filter(slug__in=["electrician", "plumber"]))
        profile.categories.set(extracted)


def ProviderFactory(**kwargs) -> User:
    """An approved provider user; pass profile fields (status=..., base_place=...) as keywords."""
    return ProviderProfileFactory(**kwargs).user
