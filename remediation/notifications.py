"""Who hears about a case, and delivering it: in-app inbox, e-mail, SMS.

Rows are created inside the business transaction with a unique `dedupe_key`
(escalation or event, channel, recipient), so an escalation can never produce a
second message. E-mail and SMS go out after commit through a Celery task that
retries; each row is sent under a row lock and stamped `sent_at`, so a retry or a
duplicate task skips what already went out.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organization, User

from . import sms
from .models import Level, Notification

logger = logging.getLogger(__name__)


def _members(org_filter, cache=None):
    """Active users matching the filter; `cache` (a dict) reuses the answer within one sweep batch."""
    key = tuple(sorted(org_filter.items()))
    if cache is not None and key in cache:
        return cache[key]
    users = list(User.objects.filter(is_active=True, **org_filter).order_by("pk"))
    if cache is not None:
        cache[key] = users
    return users


def association_users(cache=None):
    return _members({"organization__kind": Organization.Kind.ASSOCIATION}, cache)


def regulator_users(cache=None):
    return _members({"organization__kind": Organization.Kind.REGULATOR}, cache)


def dealer_users(dealer_id, cache=None):
    return _members({"organization_id": dealer_id}, cache) if dealer_id else []


def case_url(case):
    # One reverse() per process, not per message: a sweep batch writes thousands.
    global _CASE_URL
    if _CASE_URL is None:
        _CASE_URL = settings.PUBLIC_BASE_URL + reverse("remediation:case", args=[0]).replace("/0/", "/{}/")
    return _CASE_URL.format(case.pk)


_CASE_URL = None


def _rows_for(users, key_prefix, case, escalation, subject, body, now):
    rows = []
    for user in users:
        rows.append(Notification(channel=Notification.Channel.INBOX, sent_at=now, recipient=user))
        if user.email:
            rows.append(Notification(channel=Notification.Channel.EMAIL, recipient=user, address=user.email))
        if user.phone:
            rows.append(Notification(channel=Notification.Channel.SMS, recipient=user, address=user.phone))
    for row in rows:
        row.dedupe_key = f"{key_prefix}:{row.channel}:u{row.recipient_id}"
        row.case = case
        row.escalation = escalation
        row.subject = subject
        row.body = body
        row.created_at = now
    return rows


def store(rows):
    """Insert the rows that are new; return ids of the e-mail/SMS rows still to send."""
    if not rows:
        return []
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    return list(
        Notification.objects.filter(dedupe_key__in=[row.dedupe_key for row in rows], sent_at__isnull=True)
        .exclude(channel=Notification.Channel.INBOX)
        .values_list("pk", flat=True)
    )


def notify_escalation(escalation):
    """Tell everyone an escalation reaches; returns outbound ids for schedule_delivery."""
    return store(escalation_rows(escalation))


def escalation_rows(escalation, cache=None):
    """The unsaved notification rows for an escalation: association (+ dealer) or regulator (+ association)."""
    case = escalation.case
    now = timezone.now()
    if escalation.level == Level.ASSOCIATION:
        users = association_users(cache) + dealer_users(case.dealer_id, cache)
        subject = _("整改单 #%(pk)s 超时，已转协会督办") % {"pk": case.pk}
    else:
        users = regulator_users(cache) + association_users(cache)
        subject = _("整改单 #%(pk)s 已上报行业主管部门") % {"pk": case.pk}
    body = _("%(subject)s。问题：%(kind)s；编码：%(code)s。详情：%(url)s") % {
        "subject": subject,
        "kind": case.get_kind_display(),
        "code": case.code or "-",
        "url": case_url(case),
    }
    return _rows_for(users, f"esc{escalation.pk}", case, escalation, subject, body, now)


def _notify_case(case, users, prefix, subject):
    body = _("%(subject)s。问题：%(kind)s；编码：%(code)s。详情：%(url)s") % {
        "subject": subject,
        "kind": case.get_kind_display(),
        "code": case.code or "-",
        "url": case_url(case),
    }
    return store(_rows_for(users, prefix, case, None, subject, body, timezone.now()))


def notify_dealer_assigned(case):
    subject = _("新整改单 #%(pk)s：请在时限内联系用户") % {"pk": case.pk}
    return _notify_case(case, dealer_users(case.dealer_id), f"case{case.pk}:assigned:o{case.dealer_id}", subject)


def notify_unassigned(case):
    subject = _("整改单 #%(pk)s 未找到责任代理商，请指派") % {"pk": case.pk}
    return _notify_case(case, association_users(), f"case{case.pk}:unassigned", subject)


def notify_unsold_review(case):
    subject = _("整改单 #%(pk)s：报告的标识尚未售出，请协会审核") % {"pk": case.pk}
    return _notify_case(case, association_users(), f"case{case.pk}:unsold", subject)


def notify_resident_closed(case):
    """Tell the resident (by SMS, if they left a phone number) to book installation/ignition again."""
    if not case.resident_phone:
        return []
    text = _("您的燃具整改单 #%(pk)s 已处理完毕，请重新预约安装或点火通气。") % {"pk": case.pk}
    row = Notification(
        dedupe_key=f"case{case.pk}:closed:sms",
        channel=Notification.Channel.SMS,
        address=case.resident_phone,
        case=case,
        subject=text,
        body=text,
        created_at=timezone.now(),
    )
    return store([row])


def schedule_delivery(ids):
    """Queue the e-mail/SMS rows for sending once the current transaction commits."""
    ids = list(ids)
    if not ids:
        return
    from project.enqueue import enqueue_on_commit

    from .tasks import deliver_notifications

    enqueue_on_commit(deliver_notifications, ids)  # broker down: logged; requeue_unsent() sends it later


def requeue_unsent(older_than=None, max_attempts=10):
    """Queue again the e-mail/SMS rows still unsent after `older_than` (a broker outage, a lost task).

    Run by every SLA sweep. Safe to overlap with a task still retrying: deliver() locks the row
    and skips it once sent_at is set. Rows that failed max_attempts times are left for a person.
    """
    from project.enqueue import send_safely

    from .tasks import deliver_notifications

    if older_than is None:
        # A delivery task normally runs within seconds; older unsent rows lost theirs.
        older_than = timedelta(seconds=getattr(settings, "NOTIFICATION_REQUEUE_SECONDS", 300))
    cutoff = timezone.now() - older_than
    ids = list(
        Notification.objects.filter(sent_at__isnull=True, created_at__lt=cutoff, attempts__lt=max_attempts)
        .exclude(channel=Notification.Channel.INBOX)
        .order_by("pk")
        .values_list("pk", flat=True)[:1000]
    )
    if ids:
        send_safely(deliver_notifications, ids)
    return len(ids)


def _send(row):
    if row.channel == Notification.Channel.EMAIL:
        send_mail(row.subject, row.body, settings.DEFAULT_FROM_EMAIL, [row.address])
    elif row.channel == Notification.Channel.SMS:
        sms.send_sms(row.address, row.body)


def deliver(notification_id):
    """Send one e-mail/SMS row unless it already went out; raises on failure (the task retries)."""
    try:
        with transaction.atomic():
            # The lock makes a duplicate task wait here and then see sent_at.
            row = Notification.objects.select_for_update().filter(pk=notification_id).first()
            if row is None or row.sent_at is not None:
                return False
            _send(row)
            Notification.objects.filter(pk=row.pk).update(sent_at=timezone.now(), attempts=F("attempts") + 1)
        return True
    except Exception as exc:
        Notification.objects.filter(pk=notification_id).update(attempts=F("attempts") + 1, last_error=str(exc)[:255])
        logger.warning("notification %s failed: %s", notification_id, exc)
        raise
