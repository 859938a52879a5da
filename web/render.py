"""HTML pieces of the newsroom view, pure functions of their data: the highlighted word diff, query
words marked in an excerpt, times in a site's zone, and the home page's small bar charts as inline
SVG (drawn here: no JavaScript and no chart library to ship, and nothing is fetched from elsewhere;
users run this offline and behind firewalls)."""

from __future__ import annotations

from datetime import UTC

from markupsafe import Markup, escape

from extract import instants
from extract.arabic import highlighted
from monitor.diff import word_ops


def diff_html(old: str, new: str) -> Markup:
    """The edit from `old` to `new`, every word kept: deletions in <del>, insertions in <ins>."""
    parts = []
    for tag, removed, added in word_ops(old, new):
        if tag == "equal":
            parts.append(escape(removed))
            continue
        if removed:
            parts.append(Markup('<del class="rasid-del">{}</del>').format(removed))
        if added:
            parts.append(Markup('<ins class="rasid-ins">{}</ins>').format(added))
    return Markup(" ").join(parts)


def text_diff_html(old: str, new: str) -> Markup:
    """The edit of a text, paragraph by paragraph where the paragraphs line up: only the paragraphs
    that changed, each as diff_html, with a count of the unchanged ones between them."""
    old_paragraphs, new_paragraphs = old.split("\n\n"), new.split("\n\n")
    if len(old_paragraphs) != len(new_paragraphs):
        return Markup("<p>{}</p>").format(diff_html(old, new))
    parts, unchanged = [], 0
    for a, b in zip(old_paragraphs, new_paragraphs, strict=True):
        if a == b:
            unchanged += 1
            continue
        if unchanged:
            parts.append(Markup('<p class="rasid-meta">… {} فقرات لم تتغير · unchanged paragraphs</p>').format(unchanged))
            unchanged = 0
        parts.append(Markup("<p>{}</p>").format(diff_html(a, b)))
    if unchanged and parts:
        parts.append(Markup('<p class="rasid-meta">… {} فقرات لم تتغير · unchanged paragraphs</p>').format(unchanged))
    return Markup("").join(parts) or Markup('<p class="rasid-meta">النص لم يتغير · the text did not change</p>')


def marked(text: str, query: str) -> Markup:
    """`text` with the words search matched for `query` in <mark>."""
    return Markup("").join(Markup("<mark>{}</mark>").format(piece) if hit else escape(piece)
                           for piece, hit in highlighted(text, query))


def local_time(value: str | None, zone: str | None) -> dict | None:
    """A stored time in the site's zone: {local, utc, iso}; whatever is no instant (a day, or a value
    extract.instants cannot read as a time) as written, never an error."""
    if not value:
        return None
    moment = instants.instant(value)
    if moment is None:
        return {"local": value, "utc": value, "iso": value}
    return {"local": moment.astimezone(instants.zone(zone)).isoformat(sep=" ", timespec="minutes"),
            "utc": moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC"), "iso": moment.isoformat()}


def bar_chart(days: list[str], series: dict[str, list[int]], label: str) -> Markup:
    """Stacked bars, one per day, a colour per series (site): an inline SVG with a <title> per bar."""
    width, height, gap = 600, 120, 2
    bar = width / max(1, len(days))
    top = max([sum(values) for values in zip(*series.values(), strict=True)] or [0]) or 1
    colours = ["#2b6cb0", "#c05621", "#2f855a", "#6b46c1", "#b83280", "#4a5568", "#b7791f"]
    rects = []
    for i, day in enumerate(days):
        y = height
        for n, (name, values) in enumerate(series.items()):
            h = values[i] * (height - 10) / top
            if values[i]:
                y -= h
                # written with escape() and an f-string: Markup.format per bar was most of the home page's time
                rects.append(f'<rect x="{i * bar:.1f}" y="{y:.1f}" width="{max(bar - gap, 1):.1f}" height="{h:.1f}" '
                             f'fill="{colours[n % len(colours)]}"><title>{escape(day)} {escape(name)}: '
                             f'{escape(values[i])}</title></rect>')
    legend = Markup(" ").join(Markup('<span class="rasid-key" style="background:{}"></span>{}').format(
        colours[n % len(colours)], name) for n, name in enumerate(series))
    return Markup('<figure class="rasid-chart"><svg viewBox="0 0 {w} {h}" width="100%" height="{h}" role="img" '
                  'aria-label="{label}" preserveAspectRatio="none">{rects}</svg><figcaption>{label} · {legend}'
                  "</figcaption></figure>").format(w=width, h=height, label=label, rects=Markup("".join(rects)),
                                                   legend=legend)
