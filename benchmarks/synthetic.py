"""A synthetic Arabic news site of N article pages, for the crawl benchmark.

    python benchmarks/synthetic.py OUT_DIR [-n 5000] [--texts unrelated|stitched]
    python benchmarks/synthetic.py OUT_DIR --real      # the real pages of ../shared/corpus as a site

Writes OUT_DIR/bench/ (a site folder the replay server serves: /news/N.html,
/rss.xml with the newest 100, /sitemap.xml indexing sitemaps of 1,000 URLs,
/robots.txt, /index.html) and OUT_DIR/sites.toml with its [sites.bench]
entry. Pages are 60-120 KB like real news pages: the article (6-14
paragraphs of Arabic news prose, unique per page) inside the clutter of the
snapshot sites (menus, a breaking-news ticker, breadcrumbs, a read-also box
inside the body, a Telegram promo, share bar, related list, comment form),
with the inline scripts, styles and mega-menus that make real pages heavy.
Deterministic for a given N.

Two kinds of article text (`texts`): `stitched`, each page 6-14 of the same ~100 snapshot paragraphs
(every article shares paragraphs with thousands of others: the reprint index's worst case, a few
huge stories), and `unrelated`, each paragraph words drawn from the word frequencies of real Arabic
news (../shared/seeds, tests/real_arabic), so pages share common words and no text, as the pages of
a real site do.

`build_real` lays out the real third-party pages of ../shared/corpus/extraction (bytes as saved,
each in its own language and charset) as one site of article pages, with a sitemap.
"""

from __future__ import annotations

import argparse
import gzip
import html
import json
import random
import re
import socket
import tomllib
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
TEXTS = ("unrelated", "stitched")
OTHER = tomllib.loads((ROOT / "seeds" / "tools" / "corpus.toml").read_text(encoding="utf-8"))["other"]

BASE = "https://bench.example"
BAGHDAD = ZoneInfo("Asia/Baghdad")
LEVANT = ["كانون الثاني", "شباط", "آذار", "نيسان", "أيار", "حزيران", "تموز", "آب", "أيلول", "تشرين الأول",
          "تشرين الثاني", "كانون الأول"]
PARAGRAPHS = [p for items in OTHER.values() for item in items for p in item["paragraphs"] if len(p) > 60]
TITLES = [item["title"] for items in OTHER.values() for item in items]
SECTIONS = ["سياسة", "اقتصاد", "محليات", "أمن", "ثقافة", "رياضة", "صحة", "تكنولوجيا"]
SITE_ENTRY = """[sites.bench]
name = "موقع القياس (benchmark site)"
base_url = "https://bench.example"
timezone = "Asia/Baghdad"
feeds = ["/rss.xml"]
sitemaps = ["/sitemap.xml"]
listings = ["/"]
article_patterns = ['^/news/\\d+\\.html$']
revisit = "15m"
download_delay = 0
"""


def free_port() -> int:
    """A free loopback port, for a server a benchmark starts beside the sites it serves (Redis,
    `rasid serve`)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def esc(text: str) -> str:
    return html.escape(text, quote=True)


def published(n: int, total: int) -> datetime:
    return datetime(2026, 11, 20, 8, 0, tzinfo=UTC) + timedelta(minutes=7 * (n - total))


def title(n: int) -> str:
    return f"{TITLES[n % len(TITLES)].split(':')[-1].strip()} ({n})"


_WORDS: list[str] = []


def arabic_words() -> list[str]:
    """Every word of the real Arabic news texts at hand, as often as it occurs there (so a draw from
    it follows their word frequencies): the seed articles of ../shared/seeds and the paragraphs of
    tests/real_arabic's pages."""
    if not _WORDS:
        texts = [p.read_text(encoding="utf-8") for p in sorted((SHARED / "seeds").glob("*.txt"))]
        for page_file in sorted((ROOT / "tests" / "real_arabic").glob("*.html")):
            raw = page_file.read_text(encoding="utf-8", errors="replace")
            texts += [html.unescape(re.sub(r"<[^>]+>", " ", p)) for p in re.findall(r"<p[^>]*>(.*?)</p>", raw, re.S)]
        _WORDS.extend(w for text in texts for w in re.findall(r"[\u0621-\u064a]{2,}", text))
    return _WORDS


def article_paragraphs(rng: random.Random, n: int, texts: str = "stitched") -> list[str]:
    count = rng.randint(6, 14)
    if texts == "unrelated":
        words = arabic_words()
        paragraphs = [" ".join(rng.choice(words) for _ in range(rng.randint(25, 70))) + "." for _ in range(count)]
    else:
        paragraphs = [rng.choice(PARAGRAPHS) for _ in range(count)]
    # one sentence unique to the page, so no two articles share a text
    paragraphs.insert(1, f"وقال مصدر مطلع للموقع إن الملف رقم {n} سيعرض على اللجنة المختصة خلال الأسبوع المقبل.")
    return paragraphs


def shuffled_text(rng: random.Random, paragraphs: int = 8) -> str:
    """An article text for the store benchmarks: `paragraphs` of the snapshot paragraphs with
    their words shuffled: Arabic as published (so search is measured on real words), but unrelated
    articles, not each other's copies."""
    chosen = [rng.choice(PARAGRAPHS).split() for _ in range(paragraphs)]
    for words in chosen:
        rng.shuffle(words)
    return "\n\n".join(" ".join(words) for words in chosen)


def heavy_parts(rng: random.Random) -> str:
    """What makes real pages 60-120 KB: tracking and config scripts, inline CSS, a mega-menu."""
    config = ",".join(f'"k{i}":"{rng.getrandbits(64):016x}"' for i in range(rng.randint(1000, 2000)))
    css = "\n".join(f".c{i}{{margin:{i % 9}px;padding:{i % 7}px;color:#{rng.getrandbits(24):06x}}}"
                    for i in range(rng.randint(450, 1000)))
    menu = "".join(f'<li><a href="/section/{i}">{esc(SECTIONS[i % len(SECTIONS)])} {i}</a></li>'
                   for i in range(rng.randint(200, 400)))
    return (f"<style>{css}</style>\n<script>window.__CONFIG__={{{config}}};</script>\n"
            f'<nav class="mega-menu"><ul>{menu}</ul></nav>')


def page(n: int, total: int, texts: str = "stitched") -> str:
    rng = random.Random(n)
    when = published(n, total).astimezone(BAGHDAD)
    head_title = title(n)
    body = []
    for i, p in enumerate(article_paragraphs(rng, n, texts)):
        if i == 3:
            other = rng.randrange(1, total + 1)
            body.append(f'<div class="read-also"><strong>اقرأ أيضاً:</strong> '
                        f'<a href="/news/{other}.html">{esc(title(other))}</a></div>')
        body.append(f"<p>{esc(p)}</p>")
    ticker = "".join(f'<li><a href="/news/{rng.randrange(1, total + 1)}.html">{esc(rng.choice(TITLES))}</a></li>'
                     for _ in range(10))
    related = "".join(f'<li><a href="/news/{rng.randrange(1, total + 1)}.html">{esc(rng.choice(TITLES))}</a></li>'
                      for _ in range(8))
    return f"""<!DOCTYPE html>
<html lang="ar" dir="rtl"><head><meta charset="utf-8"><title>{esc(head_title)} - موقع القياس</title>
<link rel="canonical" href="{BASE}/news/{n}.html">
<meta property="og:title" content="{esc(head_title)}"><meta property="og:site_name" content="موقع القياس">
<meta property="article:published_time" content="{when.isoformat()}">
<meta property="article:section" content="{esc(SECTIONS[n % len(SECTIONS)])}">
{heavy_parts(rng)}
</head><body>
<header class="site-header"><div class="top-bar"><span class="today">الاثنين 23 تشرين الثاني 2026</span>
<a href="https://t.me/bench">تابعونا على تلغرام</a></div>
<div class="breaking-news"><span>عاجل</span><ul class="ticker">{ticker}</ul></div></header>
<main><div class="breadcrumb"><a href="/">الرئيسية</a> / <span>{esc(head_title)}</span></div>
<article class="post"><h1 class="post-title">{esc(head_title)}</h1>
<div class="post-meta"><span class="date">{when.day} {LEVANT[when.month - 1]} {when.year} {when:%H:%M}</span></div>
<div class="telegram-promo"><a href="https://t.me/bench">ليصلك المزيد من الأخبار اشترك بقناتنا على التليكرام</a></div>
<div class="entry-content">
{chr(10).join(body)}
</div>
<div class="share-links"><a href="#">فيسبوك</a><a href="#">تويتر</a><a href="#">واتساب</a></div>
</article>
<div class="related-posts"><h3>أخبار ذات صلة</h3><ul>{related}</ul></div>
<div id="respond"><h3>اترك رد</h3><form><textarea></textarea></form></div></main>
<footer><p>جميع الحقوق محفوظة © 2026</p><a id="go-to-top" href="#">زر الذهاب إلى الأعلى</a></footer>
</body></html>
"""


def build(out: Path, total: int, per_sitemap: int = 1000, texts: str = "stitched") -> Path:
    """Write the site; return the path of its sites.toml."""
    site = out / "bench"
    (site / "news").mkdir(parents=True, exist_ok=True)
    for n in range(1, total + 1):
        (site / "news" / f"{n}.html").write_text(page(n, total, texts), encoding="utf-8")
    newest = range(total, max(0, total - 100), -1)
    items = "".join(f"<item><title>{esc(title(n))}</title><link>{BASE}/news/{n}.html</link>"
                    f"<pubDate>{format_datetime(published(n, total))}</pubDate></item>\n" for n in newest)
    (site / "rss.xml").write_text(f'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
                                  f"<title>bench</title>\n{items}</channel></rss>\n", encoding="utf-8")
    maps = []
    for k, start in enumerate(range(1, total + 1, per_sitemap)):
        urls = "".join(f"<url><loc>{BASE}/news/{n}.html</loc><lastmod>{published(n, total).isoformat()}</lastmod>"
                       f"</url>\n" for n in range(start, min(total, start + per_sitemap - 1) + 1))
        (site / f"sitemap-{k}.xml").write_text(
            f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            f"{urls}</urlset>\n", encoding="utf-8")
        maps.append(f"<sitemap><loc>{BASE}/sitemap-{k}.xml</loc></sitemap>")
    (site / "sitemap.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        + "".join(maps) + "</sitemapindex>\n", encoding="utf-8")
    (site / "robots.txt").write_text(f"User-agent: *\nDisallow: /search\nSitemap: {BASE}/sitemap.xml\n")
    links = "".join(f'<li><a href="/news/{n}.html">{esc(title(n))}</a></li>' for n in list(newest)[:50])
    (site / "index.html").write_text(f'<!DOCTYPE html><html lang="ar"><head><meta charset="utf-8"><title>bench'
                                     f"</title></head><body><ul>{links}</ul></body></html>", encoding="utf-8")
    sites_toml = out / "sites.toml"
    sites_toml.write_text(SITE_ENTRY, encoding="utf-8")
    return sites_toml


def build_real(out: Path, corpus: Path = SHARED / "corpus") -> Path:
    """The pages of ../shared/corpus/extraction as the site's articles (/news/N.html, bytes as saved,
    in the corpus's order), listed in one sitemap; return the path of its sites.toml."""
    site = out / "bench"
    (site / "news").mkdir(parents=True, exist_ok=True)
    rows = [json.loads(line) for line in (corpus / "extraction" / "truth.jsonl").read_text().splitlines() if line]
    urls = []
    for n, row in enumerate(rows, 1):
        raw = gzip.decompress((corpus / "extraction" / "pages" / f"{row['id']}.html.gz").read_bytes())
        (site / "news" / f"{n}.html").write_bytes(raw)
        urls.append(f"<url><loc>{BASE}/news/{n}.html</loc></url>\n")
    (site / "sitemap.xml").write_text('<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns='
                                      f'"http://www.sitemaps.org/schemas/sitemap/0.9">\n{"".join(urls)}</urlset>\n',
                                      encoding="utf-8")
    (site / "rss.xml").write_text('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
                                  "<title>bench</title></channel></rss>\n", encoding="utf-8")
    (site / "robots.txt").write_text(f"User-agent: *\nSitemap: {BASE}/sitemap.xml\n")
    (site / "index.html").write_text("<!DOCTYPE html><html><head><title>bench</title></head><body></body></html>")
    sites_toml = out / "sites.toml"
    sites_toml.write_text(SITE_ENTRY, encoding="utf-8")
    return sites_toml


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("-n", type=int, default=5000)
    parser.add_argument("--texts", choices=TEXTS, default="stitched")
    parser.add_argument("--real", action="store_true", help="the real pages of ../shared/corpus, not synthetic ones")
    args = parser.parse_args()
    if args.real:
        build_real(args.out)
    else:
        build(args.out, args.n, texts=args.texts)
    sizes = [p.stat().st_size for p in (args.out / "bench" / "news").iterdir()]
    print(f"{len(sizes)} pages, {min(sizes) // 1024}-{max(sizes) // 1024} KB, in {args.out / 'bench'}")


if __name__ == "__main__":
    main()
