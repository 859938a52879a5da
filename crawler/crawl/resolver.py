"""The crawl's DNS resolver: the address policy enforced on the address actually connected to.

Checking a host name's addresses in a middleware and letting Scrapy resolve the name again to
connect is a DNS-rebinding window: a name that answers a public address to the check and
127.0.0.3 to the connection was fetched from 127.0.0.3. Here the check and the use are one
lookup: Scrapy connects to what this resolver returns, and it returns only public addresses
(IP literals are judged by SafeAddressMiddleware, which knows each site's own origin). A failed
lookup is a failed request, never a pass. Names of the sites' own fetch origins (a mirror on
`localhost`) are trusted through the RASID_TRUSTED_HOSTS setting.
"""

from __future__ import annotations

from scrapy.resolver import CachingThreadedResolver
from twisted.internet.error import DNSLookupError

from crawler.net.addresses import is_ip, is_public


class PublicOnlyResolver(CachingThreadedResolver):
    def __init__(self, reactor, cache_size: int, timeout: float, trusted: frozenset[str] = frozenset()):
        super().__init__(reactor, cache_size, timeout)
        self.trusted = trusted

    @classmethod
    def from_crawler(cls, crawler, reactor):
        resolver = super().from_crawler(crawler, reactor)
        resolver.trusted = frozenset(h.lower() for h in crawler.settings.getlist("RASID_TRUSTED_HOSTS"))
        return resolver

    def getHostByName(self, name: str, timeout=()):  # noqa: N802 (Twisted's interface)
        answer = super().getHostByName(name, timeout)
        if is_ip(name) or name.lower() in self.trusted:
            return answer  # a literal is the middleware's to judge; a site's own mirror is trusted

        def public_only(address: str) -> str:
            if not is_public(address):
                raise DNSLookupError(f"{name} resolves to a non-public address ({address}): refused")
            return address

        return answer.addCallback(public_only)
