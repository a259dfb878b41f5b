"""Set a new coalition up from the command line, for scripted installs (no browser needed)."""

import getpass
import os
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from coalition.errors import RuleBroken
from coalition.selectors import setup_needed
from coalition.services import coalition_init, language_check, time_zone_check

PASSWORD_VARIABLE = "COALITION_ADMIN_PASSWORD"  # noqa: S105  # nosec B105 - a variable's name


class Command(BaseCommand):
    help = (
        "Create the coalition, its first steward (verified, able to log in), its places "
        "and its privacy policy, and mark setup done. Run again, it changes nothing. "
        f"The steward's password comes from {PASSWORD_VARIABLE} or a prompt."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--name", required=True, help="The coalition's name.")
        parser.add_argument(
            "--admin-email", required=True, help="Email address of the first steward."
        )
        parser.add_argument(
            "--admin-name", default="", help="The first steward's name (default: from the email)."
        )
        parser.add_argument("--cause", default="", help="The cause, in one sentence.")
        parser.add_argument(
            "--language", default=settings.LANGUAGE_CODE, help="Default language: en or fr."
        )
        parser.add_argument(
            "--time-zone", default=settings.TIME_ZONE, help="Time zone, e.g. Europe/Paris."
        )
        parser.add_argument(
            "--places-file",
            type=Path,
            default=None,
            metavar="PATH",
            help="A text file of places, one per line, indented under the place they sit in.",
        )
        parser.add_argument(
            "--no-input",
            action="store_true",
            help=f"Never prompt: the password must be in {PASSWORD_VARIABLE}.",
        )

    def handle(self, *args, **options) -> None:
        if not setup_needed():
            self.stdout.write("Coalition is already set up; nothing changed.")
            return
        try:
            language = language_check(options["language"])
            time_zone = time_zone_check(options["time_zone"])
        except RuleBroken as problem:
            raise CommandError(problem.message) from None
        outline = ""
        if options["places_file"] is not None:
            try:
                outline = options["places_file"].read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as error:
                raise CommandError(
                    f"Cannot read the places file {options['places_file']}: {error}"
                ) from None
        email = options["admin_email"].strip()
        try:
            coalition = coalition_init(
                name=options["name"],
                cause=options["cause"],
                language=language,
                time_zone=time_zone,
                admin_email=email,
                admin_name=options["admin_name"].strip() or email.partition("@")[0],
                admin_password=self._password(no_input=options["no_input"]),
                places_outline=outline,
            )
        except RuleBroken as problem:
            raise CommandError(problem.message) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"{coalition.name} is set up. Log in as {email.lower()} at "
                f"{settings.SITE_URL}/accounts/login/ and follow the next steps."
            )
        )

    def _password(self, *, no_input: bool) -> str:
        password = os.environ.get(PASSWORD_VARIABLE, "")
        if password:
            return password
        if no_input:
            raise CommandError(
                f"--no-input needs the first steward's password in {PASSWORD_VARIABLE}."
            )
        password = getpass.getpass("Password for the first steward: ")
        if getpass.getpass("The same password again: ") != password:
            raise CommandError("The two passwords differ; nothing was changed.")
        return password
