from notifications.services import user_group
from servizo.consumers import SafeJsonWebsocketConsumer


class NotificationConsumer(SafeJsonWebsocketConsumer):
    """Per-user push channel: the base template opens it on every page of a logged-in user."""

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        self.group = user_group(user.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def notify(self, event):
        await self.send_json(event["payload"])
