"""What a share link's access log keeps of a visitor: a coarse device class and the
network's prefix, never the address or the browser's full user agent (TRUST.md SHR-12)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

# Link previews (chat apps fetching the URL to show a card) and scripts: not a person's
# device. Checked first, since many of them also claim to be a desktop browser.
_NOT_A_PERSON = ("bot", "crawl", "spider", "preview", "facebookexternalhit", "whatsapp",
                 "curl", "wget", "python", "httpclient", "headless")
_TABLETS = ("ipad", "tablet", "kindle", "silk/", "playbook")
_PHONES = ("iphone", "ipod", "windows phone", "mobile")
_DESKTOPS = ("windows nt", "macintosh", "mac os x", "x11", "linux", "cros")


def device_class(user_agent: str | None) -> str:
    """"phone", "tablet", "desktop" or "other" for a User-Agent header."""
    ua = (user_agent or "").lower()
    if not ua or any(word in ua for word in _NOT_A_PERSON):
        return "other"
    # Android tablets are the Android browsers that don't say "mobile".
    if any(word in ua for word in _TABLETS) or ("android" in ua and "mobile" not in ua):
        return "tablet"
    if any(word in ua for word in _PHONES) or "android" in ua:
        return "phone"
    if any(word in ua for word in _DESKTOPS):
        return "desktop"
    return "other"


def ip_prefix(address: str | None) -> str | None:
    """The network an address belongs to, at most: its /24 (IPv4) or /48 (IPv6), as
    "203.0.113.0/24" or "2001:db8:1::/48". None for anything that is not an address."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    bits = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{bits}", strict=False))


@dataclass(frozen=True)
class Visit:
    """One opening of a share page, as the access log keeps it."""

    device_class: str
    ip_prefix: str | None

    @classmethod
    def of(cls, user_agent: str | None, address: str | None) -> Visit:
        return cls(device_class(user_agent), ip_prefix(address))
