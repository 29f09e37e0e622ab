"""The cache backend used for every cache alias when REDIS_URL is set (ascn/settings.py)."""

from django.core.cache.backends import redis


class RedisCache(redis.RedisCache):
    """
    Django's RedisCache, except that clear() empties this alias alone.

    The aliases share one Redis database under their own key prefixes; Django's clear() runs
    FLUSHDB, which would empty the data cache along with the page cache (and the uploads
    waiting for their confirmation). This deletes only the keys under this alias's prefix.
    """

    def clear(self):
        client = self._cache.get_client(write=True)
        # Keys are "<prefix>:<version>:<key>" (Django's default KEY_FUNCTION).
        pattern = self.key_prefix.replace("[", "\\[").replace("*", "\\*") + ":*"
        batch = []
        for key in client.scan_iter(match=pattern, count=1000):
            batch.append(key)
            if len(batch) == 1000:
                client.delete(*batch)
                batch = []
        if batch:
            client.delete(*batch)
        return True
