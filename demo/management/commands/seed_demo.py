from django.core.management.base import BaseCommand

from demo.city import DEMO_PASSWORD, seed_demo
from demo.permits import permit_lines


class Command(BaseCommand):
    help = "Create the demo city (organisations, one login per role, appliance models). Safe to run again."

    def handle(self, *args, **options):
        logins = seed_demo()
        self.stdout.write(self.style.SUCCESS(f"Demo city ready. Logins (password for all: {DEMO_PASSWORD}):"))
        for username, role, org in logins:
            self.stdout.write(f"  {username:<12} {role}  ({org})")
        for line in permit_lines():
            self.stdout.write(line)
