"""Strings of allauth and Django that our account pages show and that their own catalogs lack in Urdu.

allauth ships no Urdu catalog, and Django's leaves the password validators and a few form errors
untranslated. Listed here (marked, never called), makemessages puts them in the project catalog
(locale/ur/LC_MESSAGES/django.po), whose translations take precedence over every app's and Django's
(LOCALE_PATHS): the login, signup, password and email pages then read in Urdu from end to end.
The same English text as in the library, exactly; accounts/tests/test_urdu.py checks that each is
translated. allauth's flash messages and emails come from our templates (templates/account/messages/,
templates/account/email/), not from here.
"""

from django.utils.translation import gettext_noop, ngettext_lazy

ALLAUTH = (
    # Field labels and placeholders (allauth.account.forms, allauth.account.fields).
    gettext_noop("Email"),
    gettext_noop("Email address"),
    gettext_noop("Password"),
    gettext_noop("Password (again)"),
    gettext_noop("Remember Me"),
    gettext_noop("Current Password"),
    gettext_noop("New Password"),
    gettext_noop("New Password (again)"),
    gettext_noop("Forgot your password?"),
    # Form errors (allauth.account.forms, DefaultAccountAdapter.error_messages).
    gettext_noop("You must type the same password each time."),
    gettext_noop("This account is currently inactive."),
    gettext_noop("You cannot remove your primary email address."),
    gettext_noop("This email address is already associated with this account."),
    gettext_noop("The email address and/or password you specified are not correct."),
    gettext_noop("A user is already registered with this email address."),
    gettext_noop("Please type your current password."),
    gettext_noop("Incorrect password."),
    gettext_noop("Invalid or expired key."),
    gettext_noop("The password reset token was invalid."),
    gettext_noop("You cannot add more than %d email addresses."),
    gettext_noop("Too many failed login attempts. Try again later."),
    gettext_noop("The email address is not assigned to any user account."),
    gettext_noop("Please select only one."),
    gettext_noop("The new value must be different from the current one."),
    gettext_noop("Be patient, you are sending too many requests."),
)

DJANGO = (
    gettext_noop("Enter a valid email address."),
    ngettext_lazy(
        "Ensure this value has at most %(limit_value)d character (it has %(show_value)d).",
        "Ensure this value has at most %(limit_value)d characters (it has %(show_value)d).",
        "limit_value",
    ),
    # django.contrib.auth.password_validation: the errors and the help under the password field.
    ngettext_lazy(
        "This password is too short. It must contain at least %d character.",
        "This password is too short. It must contain at least %d characters.",
        "min_length",
    ),
    ngettext_lazy(
        "Your password must contain at least %(min_length)d character.",
        "Your password must contain at least %(min_length)d characters.",
        "min_length",
    ),
    gettext_noop("The password is too similar to the %(verbose_name)s."),
    gettext_noop("Your password can’t be too similar to your other personal information."),
    gettext_noop("This password is too common."),
    gettext_noop("Your password can’t be a commonly used password."),
    gettext_noop("This password is entirely numeric."),
    gettext_noop("Your password can’t be entirely numeric."),
)
