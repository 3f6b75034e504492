"""Notifications are written in the transaction of what they announce: no notice without the change."""

from .models import Notification


def notify(user, kind, message, link=""):
    return Notification.objects.create(recipient=user, kind=kind, message=message[:500], link=link)


def notify_many(users, kind, message, link=""):
    Notification.objects.bulk_create(
        [Notification(recipient=user, kind=kind, message=message[:500], link=link) for user in users]
    )


def unread_count(user):
    return Notification.objects.filter(recipient=user, read=False).count()


def mark_read(notification):
    if not notification.read:
        Notification.objects.filter(pk=notification.pk).update(read=True)
        notification.read = True
    return notification
