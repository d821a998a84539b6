import pytest

from bot.errors import CorpusError
from bot.ingest.sources import MAX_UPLOAD_BYTES, article_from_html, article_from_upload, text_digest

HTML = """<html><head><title>Bridge reopens | Gazette</title>
<meta property="article:published_time" content="2026-03-14">
<script>document.write('evil')</script></head>
<body><nav>Home | News | Sport</nav><article><h1>Bridge reopens</h1>
<p>The Kestrel Harbour bridge reopened to traffic on Saturday after two years of repairs.
The city spent 48 million euros on new cables.</p>
<p>Mayor Ana Duarte said the bridge would carry 30,000 vehicles a day.</p></article>
<footer>Copyright Gazette</footer></body></html>"""


def test_html_page_becomes_an_article_with_metadata():
    article = article_from_html(HTML, url="https://example.org/bridge", id_prefix="g1")
    assert article.meta.title == "Bridge reopens"
    assert article.meta.url == "https://example.org/bridge"
    assert article.meta.published.iso() == "2026-03-14"
    assert article.meta.id.startswith("g1/bridge-reopens-")
    assert "30,000 vehicles" in article.text
    assert "evil" not in article.text and "Home | News" not in article.text


@pytest.mark.parametrize(
    "html",
    ["<html><script>var a = 1;</script></html>", "<html><body><nav>Home</nav><script>x()</script></body></html>", ""],
)
def test_html_without_article_text_is_refused(html):
    with pytest.raises(CorpusError, match="no article text"):
        article_from_html(html, url=None, id_prefix="g1")


def test_upload_of_markdown_and_text():
    data = b"---\ntitle: Robot library\n---\nPip reads picture books aloud to children."
    md = article_from_upload("notes.md", data, id_prefix="g5")
    assert md.meta.title == "Robot library" and md.meta.id.startswith("g5/robot-library-")
    txt = article_from_upload("frost-damage.txt", b"Frost hit the valley. Apples suffered.", id_prefix="all")
    assert txt.meta.title == "Frost damage"


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("a.pdf", b"%PDF", "only"),
        ("a.txt", b"\x00\x01binary", "binary"),
        ("a.txt", "caf\xe9".encode("latin-1"), "not UTF-8"),
        ("a.txt", b"   \n ", "no article text"), ("a.txt", b"Too short.", "no article text"),
        ("a.txt", b"x" * (MAX_UPLOAD_BYTES + 1), "limit"),
    ],
)
def test_bad_uploads(name, data, message):
    with pytest.raises(CorpusError, match=message):
        article_from_upload(name, data, id_prefix="g1")


def test_digest_ignores_spacing_and_case():
    assert text_digest("A  b\nC") == text_digest("a b c")
