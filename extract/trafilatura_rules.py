"""trafilatura's own rules that Rasid's extraction reasons about, as trafilatura 2.3 writes them
(trafilatura/xpaths.py; Apache-2.0, Adrien Barbaresi): its first two guesses at where an article's
body is, and the rules it prunes elements by before extracting (comments; navigation, sharing,
related-stories and other page furniture; hidden elements; captions, as images are not extracted).

Owned here rather than imported: trafilatura.xpaths is not part of trafilatura's public API, its
lists change between releases, and Rasid relies on an order (the first two body guesses are its
strongest). A trafilatura release that changes them changes what trafilatura does to a page (which
Rasid asks through the public `trafilatura.extract`, extract/article.py), not which element Rasid
protects as the body (extract/body.py)."""

from __future__ import annotations

from lxml.etree import XPath

_RE = {"re": "http://exslt.org/regular-expressions"}

# where trafilatura looks for the body first: article-body classes and ids, then the first <article>
BODY_GUESSES = (
    XPath(".//*[self::article or self::div or self::main or self::section]["
          "@class='post' or @class='entry' or @itemprop='articleBody' or @id='articleContent' or "
          "re:test(@id, '(?:entry|article|art)-content|article__content|article(?:-|__)?body|articleBody|body-text') or "
          "re:test(@class, 'post[-_]text|post-body|post-?entry|post[-_]?content|postContent|post_inner_wrapper|"
          "article-?text|articleText|(?:entry|page|text|article|art)-content|article__content|article(?:-|__)?body|"
          "articleBody|ArticleContent|body-text|article__container')][1]", namespaces=_RE),
    XPath("(.//article)[1]"),
)

# what trafilatura removes before extracting, whatever the element holds
PRUNING = (
    XPath(".//*[self::div or self::list or self::section or self::details]["
          "re:test(@id, '^(?:[Cc]omment(?!ary)|comol|disqus_thread|dsq-comments)') or "
          "re:test(@class, '^[Cc]omment(?!ary)|(?:article|post)-comments')]", namespaces=_RE),
    XPath(".//*[self::div or self::item or self::list or self::p or self::section or self::span]["
          "@data-lp-replacement-content or contains(translate(@role, 'N', 'n'), 'nav') or "
          "contains(@data-component, 'MostPopularStories') or re:test(@id|@class, 'cookie') or "
          "re:test(@id, '^shar|social|viral|newsletter|syndication|tags|sidebar|banner|bread-?crumb|button|author|"
          "^(?:jp-|dpsp-content)|bmdh|footer|Footer|share|Share|nav|Nav|menu|related|message-container|premium|^ad-') or "
          "re:test(@class, '^shar|social|viral|newsletter|syndication|tags|sidebar|banner|bread-?crumb|button|author|"
          "^(?:nav|post-nav|ZendeskForm)|subnav|avigation|navbar|navbox|menu|bar| ad |-ad-|(?:^| )ad-|dfp[Aa]d|"
          "outbrain|taboola|criteo|paid-?content|widget|footer|Footer|byline|Byline|share-|sociable|embedded|embed|"
          "tag-list|consent|modal-content|permission|elated|next-|-stories|most-popular|more-on|meta|rating|"
          "attachment|timestamp|user-info|user-profile|-icon|article-infos|message-container|slide|viewport|overlay|"
          "options|expand|obfuscated|blurred|mol-factbox|yin|zlylin|nfoline')]", namespaces=_RE),
    XPath(".//*[@class='comments-title' or starts-with(@id|@class, 'reply-') or re:test(@id|@style, 'hidden') or "
          "contains(@style, 'display:none') or contains(@style, 'display: none') or "
          "re:test(@id, 'reader-comments|akismet') or "
          "re:test(@class, '^hide-|comments-title|nocomments|-reply-|message|akismet|suggest-links|-hide-|hide-print|"
          " hidden| hide|noprint|notloaded') or @aria-hidden='true']", namespaces=_RE),
    XPath(".//*[self::div or self::item or self::list or self::p or self::section or self::span]["
          "contains(@id, 'caption') or contains(@class, 'caption')]"),
)
