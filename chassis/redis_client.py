"""A Redis client per service process, made when the container starts."""

import redis
from nameko.extensions import DependencyProvider

from chassis.settings import settings_of


class Redis(DependencyProvider):
    def setup(self):
        settings = settings_of(self.container)
        # Blocking: a burst waits for a free connection instead of failing.
        pool = redis.BlockingConnectionPool.from_url(
            settings.redis_url, decode_responses=True, max_connections=64, timeout=5,
            socket_timeout=5, health_check_interval=30)
        self.client = redis.Redis(connection_pool=pool)

    def stop(self):
        self.client.close()

    def get_dependency(self, worker_ctx):
        return self.client
