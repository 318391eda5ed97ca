"""``manage.py catalogues update|check|compile``: translation catalogues without the gettext binaries."""

from django.core.management.base import BaseCommand, CommandError

from aftersales import catalogues


class Command(BaseCommand):
    help = "Update, check or compile the translation catalogues in locale/ (no gettext binaries needed)."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["update", "check", "compile"])

    def handle(self, *args, action, **options):
        if action == "update":
            for locale, missing in catalogues.update().items():
                self.stdout.write(f"{locale}: {missing} to translate")
        elif action == "compile":
            written = catalogues.compile_all()
            self.stdout.write(f"compiled {len(written)} catalogues")
        else:
            problems = catalogues.check()
            for problem in problems:
                self.stderr.write(str(problem))
            if problems:
                raise CommandError(f"{len(problems)} translation problems")
            self.stdout.write("catalogues complete")
