from django.core.management.base import BaseCommand

from remediation.services.sla import run_sweep


class Command(BaseCommand):
    help = "Run one SLA sweep by hand: escalate every due remediation deadline (same service as the beat task)."

    def handle(self, *args, **options):
        result = run_sweep()
        self.stdout.write(
            f"missed and escalated: {result['missed']}; viewflow timers fired: {result['viewflow_timers']}"
        )
