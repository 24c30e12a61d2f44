"""What citizens are told: the inbox, the live stream, preferences and subscriptions,
the carrier's receipts; and the partner's webhook and event feed.

Routes of GatewayService (gateway/service.py), which holds their dependencies:
each handler checks whose citizen it is, asks one service and answers.
"""

from werkzeug.wrappers import Response

from chassis.crypto import transit
from gateway import schemas
from gateway.entrypoint import api
from gateway.streams import event_stream


class NotificationRoutes:
    @api("GET", "/v1/citizens/<citizen_id>/notifications", query=schemas.NotificationsQuery,
         answers={200: schemas.NotificationPage})
    def list_notifications(self, request, partner_id, citizen_id, query):
        """The citizen's inbox, newest first, a page at a time, with the unread count."""
        self._check_owner(partner_id, citizen_id)
        return 200, self.notify.list_notifications(citizen_id, query.limit, query.cursor)

    @api("GET", "/v1/citizens/<citizen_id>/notifications/stream",
         answers={200: "text/event-stream"},
         headers={"Last-Event-ID": "the id of the last notification the client got"})
    def notification_stream(self, request, partner_id, citizen_id):
        """Live notifications as Server-Sent Events, resumable with Last-Event-ID."""
        self._check_owner(partner_id, citizen_id)
        subscription = self.streams.subscribe(citizen_id)  # before the replay: no gap
        try:
            last = request.headers.get("Last-Event-ID")
            replay = self.notify.since(citizen_id, last) if last else []
        except BaseException:
            self.streams.unsubscribe(subscription)
            raise
        request.environ["eventlet.minimum_write_chunk_size"] = 0  # each event at once
        return Response(event_stream(self.streams, subscription, replay, last),
                        mimetype="text/event-stream", direct_passthrough=True,
                        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    # <uuid:…>: notification ids are uuids, so /notifications/stream and
    # /notifications/read-all are never taken for one.
    @api("GET", "/v1/citizens/<citizen_id>/notifications/<uuid:notification_id>",
         answers={200: schemas.NotificationDetail})
    def get_notification(self, request, partner_id, citizen_id, notification_id):
        """One notification and each channel it went out on, with delivery statuses."""
        self._check_owner(partner_id, citizen_id)
        return 200, self.notify.get_notification(citizen_id, str(notification_id))

    @api("GET", "/v1/citizens/<citizen_id>/notification-preferences",
         answers={200: schemas.Preferences})
    def get_preferences(self, request, partner_id, citizen_id):
        """Which channels carry each category, beyond the inbox."""
        self._check_owner(partner_id, citizen_id)
        return 200, self.notify.get_preferences(citizen_id)

    @api("PUT", "/v1/citizens/<citizen_id>/notification-preferences",
         body=schemas.PutPreferences, answers={200: schemas.Preferences})
    def put_preferences(self, request, partner_id, citizen_id, body):
        """Turn channels on or off per category (422 category_is_critical for security)."""
        self._check_owner(partner_id, citizen_id)
        changes = {category: choice.model_dump(exclude_none=True)
                   for category, choice in body.categories.items()}
        return 200, self.notify.put_preferences(citizen_id, changes)

    @api("POST", "/v1/citizens/<citizen_id>/subscriptions", body=schemas.AcceptSubscription,
         answers={201: schemas.Subscription, 200: schemas.Subscription})
    def accept_subscription(self, request, partner_id, citizen_id, body):
        """The citizen accepted your mini-program's subscription message for a template
        (201 the first time; 200 when it adds a credit to, or makes long-term, the
        subscription there is)."""
        self._check_owner(partner_id, citizen_id)
        accepted = self.notify.accept_subscription(citizen_id, body.template_id, body.kind)
        return (201 if accepted["created"] else 200), accepted["subscription"]

    @api("GET", "/v1/citizens/<citizen_id>/subscriptions",
         answers={200: schemas.SubscriptionList})
    def list_subscriptions(self, request, partner_id, citizen_id):
        """The citizen's subscriptions to your pushes, with one-time credits left."""
        self._check_owner(partner_id, citizen_id)
        return 200, self.notify.list_subscriptions(citizen_id)

    @api("DELETE", "/v1/citizens/<citizen_id>/subscriptions/<template_id>",
         answers={204: None})
    def withdraw_subscription(self, request, partner_id, citizen_id, template_id):
        """The citizen withdrew their subscription to a template (again: no change)."""
        self._check_owner(partner_id, citizen_id)
        self.notify.withdraw_subscription(citizen_id, template_id)
        return Response(status=204)

    @api("POST", "/callbacks/sms", signed=False, callback=True,
         answers={200: schemas.Receipt})
    def sms_receipt(self, request):
        """The SMS gateway's delivery receipts (signed by the gateway, not a partner)."""
        known = self.notify.sms_receipt(request.get_data(as_text=True),
                                        request.headers.get("X-Receipt-Signature", ""))
        return 200, {"received": known["known"]}

    @api("POST", "/v1/citizens/<citizen_id>/notifications/<notification_id>/read",
         answers={200: schemas.Notification})
    def mark_notification_read(self, request, partner_id, citizen_id, notification_id):
        """Mark one notification read (again: no change)."""
        self._check_owner(partner_id, citizen_id)
        return 200, self.notify.mark_read(citizen_id, notification_id)

    @api("POST", "/v1/citizens/<citizen_id>/notifications/read-all",
         answers={200: schemas.AllRead})
    def mark_all_notifications_read(self, request, partner_id, citizen_id):
        """Mark every notification of the citizen read."""
        self._check_owner(partner_id, citizen_id)
        return 200, self.notify.mark_all_read(citizen_id)

    @api("PUT", "/v1/partner/webhook", body=schemas.PutWebhook,
         answers={201: schemas.Webhook, 200: schemas.Webhook})
    def put_webhook(self, request, partner_id, body):
        """Register the partner's webhook endpoint (201, with its signing secret this
        once) or change, pause or re-enable it (200)."""
        answer = self.notify.put_webhook(partner_id, body.url, body.categories, body.enabled,
                                         body.requires_subscription)
        webhook = answer["webhook"]
        if webhook.get("secret"):
            webhook["secret"] = self.cipher.open(webhook["secret"], transit("webhook_secret"))
        return (201 if answer["created"] else 200), webhook

    @api("GET", "/v1/partner/webhook", answers={200: schemas.Webhook})
    def get_webhook(self, request, partner_id):
        """The endpoint, its status and how many deliveries wait."""
        return 200, self.notify.get_webhook(partner_id)

    @api("DELETE", "/v1/partner/webhook", answers={204: None})
    def remove_webhook(self, request, partner_id):
        """Remove the endpoint; pending deliveries are cancelled (the feed keeps them)."""
        self.notify.remove_webhook(partner_id)
        return Response(status=204)

    @api("GET", "/v1/partner/webhook/deliveries", query=schemas.DeliveriesQuery,
         answers={200: schemas.DeliveryList})
    def webhook_deliveries(self, request, partner_id, query):
        """Recent deliveries, newest first, with their last attempt."""
        return 200, self.notify.webhook_deliveries(partner_id, query.status, query.limit,
                                                   query.cursor)

    @api("POST", "/v1/partner/webhook/deliveries/<delivery_id>/retry",
         answers={202: schemas.Delivery})
    def retry_delivery(self, request, partner_id, delivery_id):
        """Send one delivery again, soon (whatever became of it)."""
        return 202, self.notify.retry_delivery(partner_id, delivery_id)

    @api("GET", "/v1/partner/events", query=schemas.PartnerEventsQuery,
         answers={200: schemas.PartnerEventList})
    def partner_events(self, request, partner_id, query):
        """The partner's events in order, to pull instead of (or to replay) webhooks."""
        return 200, self.notify.partner_events(partner_id, query.after, query.limit)
