"""Who hears what, and delivering it: in-app inbox always, SMS where a phone is known, e-mail where
an address is known.

Rows are created inside the business transaction with a unique `dedupe_key` (event, channel,
recipient), so an event can never produce a second message. E-mail and SMS go out after commit
through a Celery task. Sending claims the row first (queued/failed → sending, committed) and only then
calls the provider, so a duplicate task, a retry or the requeue sweep never sends a claimed row again.
A provider's refusal puts the row back to `failed` (retried: nothing went out); no answer puts it to
`unknown`, which the system never resends: neither Alibaba nor Tencent SendSms takes an idempotency
key, so a person checks the provider's records (our id is in OutId / SessionContext) and settles it.
"""

import json
import logging
import re
from datetime import timedelta

from celery import current_app
from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from accounts import city
from accounts.models import Organization, User
from audit import services as audit
from cases.models import Label
from core.bulk import id_list, insert_select
from core.enqueue import enqueue_on_commit, send_safely

from . import sms
from .models import Deadline, Escalation, Level, Notification, ProblemKind, RemediationCase, Step

logger = logging.getLogger(__name__)

State = Notification.State


def _active_users(org_filter):
    """Active users matching the filter: the one definition of an audience (its lists and the sweep's SQL)."""
    return User.objects.filter(is_active=True, **org_filter)


def _members(org_filter, cache=None):
    """Active users matching the filter; `cache` (a dict) reuses the answer within one sweep batch."""
    key = tuple(sorted(org_filter.items()))
    if cache is not None and key in cache:
        return cache[key]
    users = list(_active_users(org_filter).order_by("pk"))
    if cache is not None:
        cache[key] = users
    return users


ASSOCIATION = {"organization__kind": Organization.Kind.ASSOCIATION}


def _regulator():
    """The current city's regulator (accounts.City.regulator); every regulator organisation while none is set."""
    regulator_id = city.current_city().regulator_id
    return {"organization_id": regulator_id} if regulator_id else {"organization__kind": Organization.Kind.REGULATOR}


def association_users(cache=None):
    return _members(ASSOCIATION, cache)


def regulator_users(cache=None):
    return _members(_regulator(), cache)


def organization_users(organization_id, cache=None):
    return _members({"organization_id": organization_id}, cache) if organization_id else []


dealer_users = organization_users

# Stands for the case's own dealer in an audience list.
CASE_DEALER = None


def _escalation_audience(level):
    """Who hears of an escalation, in message order: organisation filters, CASE_DEALER for the case's dealer."""
    if level == Level.ASSOCIATION:
        return [ASSOCIATION, CASE_DEALER]
    return [_regulator(), ASSOCIATION]


def _case_path(pk) -> str:
    # One reverse() per process, not per message: a sweep batch writes thousands.
    global _CASE_PATH
    if _CASE_PATH is None:
        _CASE_PATH = reverse("remediation:case", args=[0]).replace("/0/", "/{}/")
    return _CASE_PATH.format(pk)


def case_url(case):
    return settings.PUBLIC_BASE_URL + _case_path(case.pk)


_CASE_PATH = None


def local_time(when) -> str:
    return timezone.localtime(when).strftime("%m-%d %H:%M") if when else "-"


# The columns of a notification row as row_values builds it (and the sweep's INSERT … SELECT names them).
ROW_COLUMNS = [
    "dedupe_key",
    "channel",
    "recipient_id",
    "address",
    "case_id",
    "escalation_id",
    "template",
    "params",
    "link",
    "subject",
    "body",
    "created_at",
    "state",
    "sent_at",
]


def row_values(
    users, key_prefix, *, template, params, subject, body="", link="", case_id=None, escalation_id=None, now
):
    """Tuples in ROW_COLUMNS order: an inbox message for each user, plus e-mail and SMS where the user has them."""
    text = sms.render(template, params)
    link = link.removeprefix(settings.PUBLIC_BASE_URL)  # the inbox opens a path on this site
    # An SMS carries exactly the approved template; inbox and e-mail may say more.
    long_text = body or text
    common = (case_id, escalation_id, template, params, link, subject)
    rows = []
    for user in users:
        key = f"{key_prefix}:{{}}:u{user.pk}"
        channels = [(Notification.Channel.INBOX, "", long_text, State.SENT, now)]
        if user.email:
            channels.append((Notification.Channel.EMAIL, user.email, long_text, State.QUEUED, None))
        if user.phone:
            channels.append((Notification.Channel.SMS, user.phone, text, State.QUEUED, None))
        for channel, address, message, state, sent_at in channels:
            rows.append((key.format(channel), channel, user.pk, address, *common, message, now, state, sent_at))
    return rows


def rows_for_users(users, key_prefix, *, template, params, subject, body="", link="", case=None, escalation=None):
    """Unsaved rows: an inbox message for each user, plus e-mail and SMS where the user has them."""
    values = row_values(
        users,
        key_prefix,
        template=template,
        params=params,
        subject=subject,
        body=body,
        link=link,
        case_id=getattr(case, "pk", None),
        escalation_id=getattr(escalation, "pk", None),
        now=timezone.now(),
    )
    return [Notification(**dict(zip(ROW_COLUMNS, row, strict=True))) for row in values]


def resident_row(phone, key, *, template, params, case=None):
    """One SMS to a resident (no account: only the phone number they gave)."""
    text = sms.render(template, params)
    return Notification(
        dedupe_key=f"{key}:sms",
        channel=Notification.Channel.SMS,
        address=phone,
        case=case,
        template=template,
        params=params,
        subject=text[:200],
        body=text,
        created_at=timezone.now(),
    )


def store(rows):
    """Insert the rows that are new; return ids of the e-mail/SMS rows still to send."""
    if not rows:
        return []
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    return list(
        Notification.objects.filter(dedupe_key__in=[row.dedupe_key for row in rows], state=State.QUEUED)
        .exclude(channel=Notification.Channel.INBOX)
        .values_list("pk", flat=True)
    )


def notify(rows):
    """Store and queue for sending after commit: the one call the other apps make."""
    schedule_delivery(store(rows))


# --- remediation cases ------------------------------------------------------------------------


def _case_body(case, subject):
    return _("%(subject)s。问题：%(kind)s；编码：%(code)s。详情：%(url)s") % {
        "subject": subject,
        "kind": case.get_kind_display(),
        "code": case.code or "-",
        "url": case_url(case),
    }


def notify_escalation(escalation):
    """Tell everyone an escalation reaches; returns outbound ids for schedule_delivery."""
    return store(escalation_rows(escalation))


def escalation_rows(escalation, cache=None):
    """The unsaved notification rows for an escalation: association (+ dealer) or regulator (+ association)."""
    values = escalation_row_values(
        escalation_id=escalation.pk, level=escalation.level, case=escalation.case, cache=cache, now=timezone.now()
    )
    return [Notification(**dict(zip(ROW_COLUMNS, row, strict=True))) for row in values]


def _escalation_texts(level, cache):
    """The translated wording of an escalation message, looked up once per sweep batch (gettext is not free)."""
    key = ("texts", level, get_language())
    if cache is not None and key in cache:
        return cache[key]
    if level == Level.ASSOCIATION:
        subject = _("整改单 #%(pk)s 超时，已转协会督办")
    else:
        subject = _("整改单 #%(pk)s 已上报行业主管部门")
    texts = {
        "subject": subject,
        "body": _("%(subject)s。问题：%(kind)s；编码：%(code)s。详情：%(url)s"),
        "level": str(Level(level).label),
        "kinds": {value: str(label) for value, label in ProblemKind.choices},
    }
    if cache is not None:
        cache[key] = texts
    return texts


def escalation_row_values(*, escalation_id: int, level: str, case, cache: dict | None, now) -> list[tuple]:
    """escalation_rows as ROW_COLUMNS tuples."""
    users = [
        user
        for audience in _escalation_audience(level)
        for user in (dealer_users(case.dealer_id, cache) if audience is CASE_DEALER else _members(audience, cache))
    ]
    texts = _escalation_texts(level, cache)
    subject = texts["subject"] % {"pk": case.pk}
    url = case_url(case)
    # The same wording as _case_body, from the looked-up templates.
    body = texts["body"] % {
        "subject": subject,
        "kind": texts["kinds"].get(case.kind, case.kind),
        "code": case.code or "-",
        "url": url,
    }
    return row_values(
        users,
        f"esc{escalation_id}",
        template="case_escalated",
        params={"case": case.pk, "level": texts["level"]},
        subject=subject,
        body=body,
        link=url,
        case_id=case.pk,
        escalation_id=escalation_id,
        now=now,
    )


def _mark(name: str) -> str:
    return f"\x00{name}\x00"


def _sql_text(rendered: str, parts: dict[str, tuple[str, list]]) -> tuple[str, list]:
    """SQL writing `rendered` (a template filled with _mark(name)s) with each mark replaced by parts[name]'s SQL.

    The translated template is formatted by Python once, so the database only concatenates.
    """
    sql, params = [], []
    for i, piece in enumerate(re.split("\x00(\\w+)\x00", rendered)):
        if i % 2:
            expr, expr_params = parts[piece]
            sql.append(expr)
            params += expr_params
        elif piece:
            sql.append("%s")
            params.append(piece)
    return "(" + (" || ".join(sql) or "''") + ")", params


def _escalation_branch(level, rank, audience, ids, json_cast):
    """The SELECT of one audience of one level: a row per (escalation, user), with the messages' texts."""
    texts = _escalation_texts(level, None)
    kinds = " ".join("WHEN %s THEN %s" for _kind in texts["kinds"])
    parts = {
        "pk": ("CAST(c.process_ptr_id AS TEXT)", []),
        "kind": (f"CASE c.kind {kinds} ELSE c.kind END", [v for pair in texts["kinds"].items() for v in pair]),
        # RemediationCase.code, or "-"
        "code": ("COALESCE(NULLIF(CASE WHEN c.label_id IS NULL THEN c.typed_code ELSE l.serial END, ''), '-')", []),
    }
    subject = texts["subject"] % {"pk": _mark("pk")}
    url = settings.PUBLIC_BASE_URL + _case_path(_mark("pk"))
    body = texts["body"] % {"subject": subject, "kind": _mark("kind"), "code": _mark("code"), "url": url}
    message = sms.render("case_escalated", {"case": _mark("pk"), "level": texts["level"]})
    params_json = '{"case": ' + _mark("pk") + ', "level": ' + json.dumps(texts["level"]) + "}"
    columns, params = [], []
    for name, rendered in (
        ("subject", subject),
        ("body", body),
        ("sms_text", message),
        ("link", url.removeprefix(settings.PUBLIC_BASE_URL)),
        ("params", params_json),
    ):
        expr, expr_params = _sql_text(rendered, parts)
        columns.append(f"{json_cast.format(expr) if name == 'params' else expr} AS {name}")
        params += expr_params
    if audience is CASE_DEALER:
        users, user_params = _active_users({}).values("id", "email", "phone", "organization_id").query.sql_with_params()
        on = "u.organization_id = c.dealer_id"
    else:
        users, user_params = _active_users(audience).values("id", "email", "phone").query.sql_with_params()
        on = "1 = 1"
    sql = (
        f"SELECT e.id AS escalation_id, c.process_ptr_id AS case_id, {rank} AS audience, u.id AS user_id, "
        f"u.email AS email, u.phone AS phone, {', '.join(columns)} "
        f"FROM {Escalation._meta.db_table} e JOIN {RemediationCase._meta.db_table} c ON c.process_ptr_id = e.case_id "
        f"LEFT JOIN {Label._meta.db_table} l ON l.id = c.label_id JOIN ({users}) u ON {on} "
        f"WHERE e.id IN ({id_list(ids)})"
    )
    return sql, params + list(user_params)


def insert_escalation_rows(escalations: list[tuple[int, int, str]], *, now) -> list[int]:
    """The rows of escalation_rows for many new escalations, (id, case_id, level) each, in one INSERT … SELECT.

    The database joins each escalation to its case and to the users of its audience (the querysets of
    _escalation_audience, compiled into the statement) and writes the texts from the translated templates,
    so a batch costs one statement and no Python per row. Returns the e-mail/SMS ids to deliver.
    """
    ids = {}
    for pk, _case_id, level in escalations:
        ids.setdefault(level, []).append(pk)
    json_cast = "CAST({} AS jsonb)" if connection.vendor == "postgresql" else "{}"
    branches, params = [], []
    for level, level_ids in sorted(ids.items()):
        for rank, audience in enumerate(_escalation_audience(level)):
            sql, branch_params = _escalation_branch(level, rank, audience, level_ids, json_cast)
            branches.append(sql)
            params += branch_params
    if not branches:
        return []
    inbox, email, phone = Notification.Channel.INBOX, Notification.Channel.EMAIL, Notification.Channel.SMS
    at = connection.ops.adapt_datetimefield_value(now)  # raw SQL: SQLite stores naive UTC text
    select = (
        "SELECT 'esc' || CAST(r.escalation_id AS TEXT) || ':' || ch.channel || ':u' || CAST(r.user_id AS TEXT) "
        "AS dedupe_key, ch.channel AS channel, r.user_id AS recipient_id, "
        "CASE ch.n WHEN 1 THEN r.email WHEN 2 THEN r.phone ELSE '' END AS address, r.case_id AS case_id, "
        "r.escalation_id AS escalation_id, %s AS template, r.params AS params, r.link AS link, r.subject AS subject, "
        "CASE ch.n WHEN 2 THEN r.sms_text ELSE r.body END AS body, %s AS created_at, "
        "CASE ch.n WHEN 0 THEN %s ELSE %s END AS state, CASE ch.n WHEN 0 THEN %s END AS sent_at, "
        "r.audience AS audience, ch.n AS n "
        f"FROM ({' UNION ALL '.join(branches)}) r "
        "CROSS JOIN (SELECT %s AS channel, 0 AS n UNION ALL SELECT %s, 1 UNION ALL SELECT %s, 2) ch "
        # An inbox message for each user, plus e-mail and SMS where the user has them (row_values).
        "WHERE ch.n = 0 OR (ch.n = 1 AND COALESCE(r.email, '') <> '') OR (ch.n = 2 AND COALESCE(r.phone, '') <> '')"
    )
    rows = insert_select(
        Notification,
        ROW_COLUMNS,
        select,
        ["case_escalated", at, State.SENT, State.QUEUED, at, *params, inbox, email, phone],
        order_by="q.escalation_id, q.audience, q.recipient_id, q.n",
        returning=["id", "channel"],
    )
    return sorted(pk for pk, channel in rows if channel != inbox)


def _pending_due(case, step):
    return Deadline.objects.filter(case=case, step=step).values_list("due_at", flat=True).first()


def notify_dealer_assigned(case):
    subject = _("新整改单 #%(pk)s：请在时限内联系用户") % {"pk": case.pk}
    rows = rows_for_users(
        dealer_users(case.dealer_id),
        f"case{case.pk}:assigned:o{case.dealer_id}",
        template="case_new",
        params={"case": case.pk, "kind": case.get_kind_display(), "due": local_time(_pending_due(case, Step.CONTACT))},
        subject=subject,
        body=_case_body(case, subject),
        link=case_url(case),
        case=case,
    )
    return store(rows)


def _association_review(case, key, subject, reason):
    rows = rows_for_users(
        association_users(),
        key,
        template="case_review",
        params={"case": case.pk, "reason": reason},
        subject=subject,
        body=_case_body(case, subject),
        link=case_url(case),
        case=case,
    )
    return store(rows)


def notify_unassigned(case):
    subject = _("整改单 #%(pk)s 未找到责任代理商，请指派") % {"pk": case.pk}
    return _association_review(case, f"case{case.pk}:unassigned", subject, _("未找到责任代理商"))


def notify_unsold_review(case):
    subject = _("整改单 #%(pk)s：报告的标识尚未售出，请协会审核") % {"pk": case.pk}
    return _association_review(case, f"case{case.pk}:unsold", subject, _("标识尚未售出"))


def due_soon_rows(deadline, cache=None):
    """The dealer's warning 30 minutes before one of its deadlines."""
    case = deadline.case
    subject = _("整改单 #%(pk)s “%(step)s”将于 %(due)s 到期") % {
        "pk": case.pk,
        "step": Step(deadline.step).label,
        "due": local_time(deadline.due_at),
    }
    return rows_for_users(
        dealer_users(case.dealer_id, cache),
        f"dl{deadline.pk}:soon",
        template="case_due_soon",
        params={"case": case.pk, "step": str(Step(deadline.step).label), "due": local_time(deadline.due_at)},
        subject=subject,
        body=_case_body(case, subject),
        link=case_url(case),
        case=case,
    )


def notify_resident_taken(case):
    """The dealer took the case (recorded the contact): tell the resident who is handling it."""
    if not case.resident_phone:
        return []
    params = {"case": case.pk, "dealer": case.dealer.name if case.dealer_id else "-"}
    return store(
        [resident_row(case.resident_phone, f"case{case.pk}:taken", template="case_taken", params=params, case=case)]
    )


def recall_audience(recall):
    """Who hears of a recall: the manufacturer, the model's dealers and designated installers, every gas supplier."""
    model = recall.appliance_model
    org_ids = [model.manufacturer_id]
    org_ids += list(model.dealers.values_list("pk", flat=True))
    org_ids += list(model.designated_installers.values_list("pk", flat=True))
    org_ids += list(Organization.objects.filter(kind=Organization.Kind.GAS_SUPPLIER).values_list("pk", flat=True))
    return list(User.objects.filter(is_active=True, organization_id__in=org_ids).order_by("pk"))


def notify_recall(recall, *, lifted=False):
    """Tell the recall's audience (inbox, e-mail, SMS template) that it starts or ends; returns outbound ids."""
    values = {
        "model": str(recall.appliance_model),
        "scope": str(recall.get_scope_display()),
        "count": recall.label_count,
        "day": str(recall.recalled_on),
        "reason": recall.lift_reason if lifted else recall.reason,
    }
    if lifted:
        template, params = "recall_lifted", {"model": values["model"], "scope": values["scope"]}
        subject = _("召回解除：%(model)s（%(scope)s）") % values
        body = _("%(model)s 的召回（%(scope)s，%(count)s 个标识）已解除：%(reason)s") % values
    else:
        template = "recall_new"
        params = {"model": values["model"], "scope": values["scope"], "date": values["day"]}
        subject = _("召回：%(model)s（%(scope)s），请勿销售、安装或点火") % values
        body = (
            _(
                "%(model)s 自 %(day)s 起召回（%(scope)s，%(count)s 个标识）：%(reason)s。"
                "已售出、安装或点火的燃具请配合协会跟进。"
            )
            % values
        )
    rows = rows_for_users(
        recall_audience(recall),
        f"recall{recall.pk}:{'lift' if lifted else 'new'}",
        template=template,
        params=params,
        subject=subject[:200],
        body=body,
    )
    for row in rows:
        row.recall = recall
    return store(rows)


def notify_resident_closed(case):
    """Tell the resident (by SMS, if they left a phone number) to book installation/ignition again."""
    if not case.resident_phone:
        return []
    row = resident_row(
        case.resident_phone, f"case{case.pk}:closed", template="case_closed", params={"case": case.pk}, case=case
    )
    return store([row])


# --- other processes: bookings, declarations, permits ---------------------------------------


def notify_organization(organization_id, key, *, template, params, subject, link=""):
    """Everyone of one organisation: inbox, plus SMS/e-mail where known. Call inside the change's transaction."""
    rows = rows_for_users(
        organization_users(organization_id),
        key,
        template=template,
        params=params,
        subject=subject,
        body=_("%(subject)s。详情：%(url)s") % {"subject": subject, "url": settings.PUBLIC_BASE_URL + link}
        if link
        else "",
        link=link,
    )
    schedule_delivery(store(rows))


def notify_resident(phone, key, *, template, params):
    """One SMS to a resident's phone. Call inside the change's transaction."""
    if phone:
        schedule_delivery(store([resident_row(phone, key, template=template, params=params)]))


# --- delivery ---------------------------------------------------------------------------------


def _delivery_task():
    # By name: remediation.tasks sits above the services it calls (it imports this module), never below them.
    return current_app.signature("remediation.tasks.deliver_notifications")


def schedule_delivery(ids):
    """Queue the e-mail/SMS rows for sending once the current transaction commits."""
    ids = list(ids)
    if not ids:
        return
    enqueue_on_commit(_delivery_task(), ids)  # broker down: logged; requeue_unsent() sends it later


def requeue_unsent(older_than=None, max_attempts=10):
    """Queue again the e-mail/SMS rows still unsent after `older_than` (a broker outage, a lost task).

    Run by every SLA sweep. A row claimed (`sending`) that long ago belongs to a worker that died
    mid-send: whether it went out is unknown, so it goes to a person, not back to the queue.
    Rows that failed max_attempts times are left for a person too.
    """
    if older_than is None:
        # A delivery task normally runs within seconds; older unsent rows lost theirs.
        older_than = timedelta(seconds=getattr(settings, "NOTIFICATION_REQUEUE_SECONDS", 300))
    cutoff = timezone.now() - older_than
    stuck = Notification.objects.filter(state=State.SENDING, claimed_at__lt=cutoff).update(
        state=State.UNKNOWN, last_error=_("发送中断：请向服务商核实是否已发出")
    )
    if stuck:
        logger.error("%s notifications interrupted mid-send: marked unknown for a person to check", stuck)
    ids = list(
        Notification.objects.filter(
            state__in=[State.QUEUED, State.FAILED], created_at__lt=cutoff, attempts__lt=max_attempts
        )
        .exclude(channel=Notification.Channel.INBOX)
        .order_by("pk")
        .values_list("pk", flat=True)[:1000]
    )
    if ids:
        send_safely(_delivery_task(), ids)
    return len(ids)


def _send(row) -> sms.SendResult | None:
    if row.channel == Notification.Channel.EMAIL:
        send_mail(row.subject, row.body, settings.DEFAULT_FROM_EMAIL, [row.address])
        return None
    return sms.send_sms(phone=row.address, template=row.template, params=row.params, message_id=row.message_id)


def deliver(notification_id) -> bool:
    """Send one e-mail/SMS row unless another worker has it or it went out; raises when it may be retried."""
    now = timezone.now()
    # The claim: one conditional UPDATE, committed (autocommit) before anything leaves. Whoever
    # loses the race updates no row and stops here.
    claimed = (
        Notification.objects.filter(pk=notification_id, state__in=[State.QUEUED, State.FAILED])
        .exclude(channel=Notification.Channel.INBOX)
        .update(state=State.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    )
    if not claimed:
        return False
    row = Notification.objects.get(pk=notification_id)
    try:
        result = _send(row)
    except sms.OutcomeUnknown as exc:
        Notification.objects.filter(pk=row.pk).update(state=State.UNKNOWN, last_error=str(exc)[:255])
        logger.error("notification %s: outcome unknown, left for a person to check: %s", row.pk, exc)
        return False
    except Exception as exc:
        Notification.objects.filter(pk=row.pk).update(state=State.FAILED, last_error=str(exc)[:255])
        logger.warning("notification %s failed: %s", notification_id, exc)
        raise
    fields = {"state": State.SENT, "sent_at": timezone.now(), "last_error": ""}
    if result is not None:
        fields.update(provider=result.provider, provider_id=result.provider_id, delivery_status=result.status)
    Notification.objects.filter(pk=row.pk).update(**fields)
    return True


def settle_unknown(*, notification_id: int, went_out: bool, origin=None) -> bool:
    """A person checked the provider's records: it went out (sent), or it did not (queued again)."""
    with transaction.atomic():
        row = Notification.objects.select_for_update().filter(pk=notification_id, state=State.UNKNOWN).first()
        if row is None:
            return False
        if went_out:
            Notification.objects.filter(pk=row.pk).update(
                state=State.SENT, sent_at=timezone.now(), delivery_status="checked"
            )
        else:
            Notification.objects.filter(pk=row.pk).update(state=State.QUEUED)
            schedule_delivery([row.pk])
        audit.record(
            action="notification.settle",
            obj=row,
            origin=origin,
            from_state=State.UNKNOWN,
            to_state=State.SENT if went_out else State.QUEUED,
        )
    return True
