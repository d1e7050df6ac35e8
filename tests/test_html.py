"""`make html`: executed notebooks rendered beside themselves, sharing one stylesheet, indexed, every link working."""

import re
import shutil
from html.parser import HTMLParser

import pytest
from PIL import Image

from paperlib import paths
from paperlib.cli import main
from paperlib.report.html import INDEX, STYLESHEET, broken_links, build

QUICK = paths.RESULTS / "quick"
NOTEBOOKS = ("data_and_lenet.ipynb", "runs/mnist/random/seed0/search.ipynb")
"""Two executed notebooks of the quick profile: the intro, and a search with three figures and links to docs/."""


class Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def tags(path):
    parser = Tags()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser.tags


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The two notebooks copied into a results folder of their own and rendered there (the index, its stylesheet)."""
    out = tmp_path_factory.mktemp("quick")
    for name in NOTEBOOKS:
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(QUICK / name, out / name)
    return out, build(out)


def test_every_page_links_the_one_stylesheet_instead_of_inlining_it(site):
    out, written = site
    pages = [out / n.replace(".ipynb", ".html") for n in NOTEBOOKS]
    assert set(pages) | {out / STYLESHEET, out / INDEX} <= set(written)
    assert ".jp-Notebook" in (out / STYLESHEET).read_text(encoding="utf-8")  # nbconvert's lab CSS, once
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert "<style" not in text.split("</head>")[0]
        sheets = [a["href"] for tag, a in tags(page) if tag == "link" and a.get("rel") == "stylesheet"]
        assert len(sheets) == 1 and (page.parent / sheets[0]).resolve() == (out / STYLESHEET).resolve()


def test_the_index_links_every_page_and_no_page_links_a_missing_file(site):
    out, _ = site
    linked = {(out / a["href"]).resolve() for tag, a in tags(out / INDEX) if tag == "a"}
    assert {(out / n.replace(".ipynb", ".html")).resolve() for n in NOTEBOOKS} <= linked
    assert (paths.RESULTS / "REPORT.md").resolve() in linked
    for page in [out / INDEX, *out.rglob("*.html")]:
        assert broken_links(page) == [], page
    search = (out / NOTEBOOKS[1]).with_suffix(".html")
    docs = [a["href"] for tag, a in tags(search) if tag == "a" and "docs/paper.md" in a.get("href", "")]
    assert docs and all((search.parent / d.split("#")[0]).resolve() == paths.ROOT / "docs/paper.md" for d in docs)


def test_a_page_is_small_its_figures_are_palette_pngs_and_a_rebuild_writes_nothing(site):
    out, _ = site
    search = (out / NOTEBOOKS[1]).with_suffix(".html")
    images = [a["src"] for tag, a in tags(search) if tag == "img"]
    assert len(images) == 3 and all(re.fullmatch(r"search_files/output_\d+_\d+\.png", s) for s in images)
    assert all(Image.open(search.parent / s).mode == "P" for s in images)
    for name in NOTEBOOKS:
        page = (out / name).with_suffix(".html")
        files = [page, *page.parent.glob(f"{page.stem}_files/*.png")]
        assert sum(f.stat().st_size for f in files) < 150_000, name  # 680 KB each with nbconvert's defaults
    assert build(out) == []


def test_broken_links_names_only_relative_targets_that_are_missing(tmp_path):
    (tmp_path / "there.css").write_text("")
    page = tmp_path / "page.html"
    page.write_text(
        '<link rel="stylesheet" href="there.css"><a href="gone.html#x">a</a><a href="#top">b</a>'
        '<a href="https://example.org/x">c</a><img src="data:image/png;base64,AA"><img src="gone.png">'
    )
    assert broken_links(page) == ["gone.html#x", "gone.png"]


def test_a_folder_without_executed_notebooks_is_an_error(tmp_path, capsys):
    assert main(["html", "--out", str(tmp_path)]) == 2
    assert "holds no executed notebook" in capsys.readouterr().err


def test_the_committed_quick_pages_are_one_per_executed_notebook_linked_and_small():
    """What `make html` committed: a page beside every executed notebook of the quick profile, no page left from
    a notebook that is gone, no broken link, 125 kB per executed notebook at most on average (10 MB for the 82
    notebooks of five seeds; 57 MB with nbconvert's defaults), so the pages grow with the seeds, not faster."""
    notebooks = {p for p in QUICK.rglob("*.ipynb") if not p.name.endswith(".part.ipynb")}
    pages = set(QUICK.rglob("*.html")) - {QUICK / INDEX}
    assert {p.with_suffix(".html") for p in notebooks} == pages
    for page in [QUICK / INDEX, *pages]:
        assert broken_links(page) == [], page
    rendered = [*pages, QUICK / INDEX, QUICK / STYLESHEET, *QUICK.rglob("*_files/*.png")]
    assert sum(p.stat().st_size for p in rendered) <= 125_000 * len(notebooks)
