"""manage.py load_city <fixture.json>: set up (or update) a city, its districts and regulator from a file."""

import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.city_setup import load_city


class Command(BaseCommand):
    help = "Set up a city from a JSON fixture (see docs/cities/shenzhen.json); --current makes it the current city."

    def add_arguments(self, parser):
        parser.add_argument("fixture")
        parser.add_argument("--current", action="store_true", help="make this city the current one")

    def handle(self, *args, fixture, current, **options):
        try:
            with open(fixture, encoding="utf-8") as f:
                data = json.load(f)
        except (OSError, ValueError) as e:
            raise CommandError(f"cannot read {fixture}: {e}") from e
        if current and isinstance(data, dict):
            data["current"] = True
        try:
            city = load_city(data=data)
        except ValidationError as e:
            raise CommandError("; ".join(e.messages)) from e
        names = ", ".join(f"{d.code}={d.name}" for d in city.districts.order_by("order", "code"))
        state = "current" if city.is_current else "not current"
        self.stdout.write(f"{city.name} ({state}): {names}")
