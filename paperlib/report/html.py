"""``make html``: every executed notebook of a results folder rendered to HTML beside it, one stylesheet they share,
and an index of the pages, the report, the tables and the figures (docs/decisions.md#html-pages)."""

from __future__ import annotations

import argparse
import base64
import html
import io
import os
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

STYLESHEET = "notebook.css"
"""The stylesheet every page links, at the top of the results folder: nbconvert's ``lab`` CSS, once."""
INDEX = "index.html"
"""The page that links every other."""
TEMPLATE = """{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
"""
"""nbconvert's ``lab`` page without the Mermaid loader (12 KB of script a page; no notebook here draws a diagram)."""
HEAD_STYLE = re.compile(r"\s*<style type=\"text/css\">(.*?)</style>", re.DOTALL)


def executed_notebooks(out: Path) -> list[Path]:
    """Every executed notebook under ``out`` (a notebook still being executed, ``*.part.ipynb``, left out), sorted."""
    found = [p for p in Path(out).rglob("*.ipynb") if not p.name.endswith(".part.ipynb")]
    return sorted(p for p in found if not any(part.startswith(".") for part in p.relative_to(out).parts))


def _palette_png(data: bytes) -> bytes:
    """A PNG re-encoded with a palette of 256 colours when that is smaller: a plot's few colours are kept, at a third
    to a quarter of the bytes (the notebook keeps the original)."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.open(io.BytesIO(data)).quantize(256, method=Image.Quantize.FASTOCTREE).save(buffer, "PNG", optimize=True)
    return min(buffer.getvalue(), data, key=len)


def _extract_images(parsed: Any, folder: str) -> dict[str, bytes]:
    """Each PNG output of a parsed notebook moved to a file of ``folder`` (``<notebook>_files/``) that its page links
    by name, as nbconvert's ExtractOutputPreprocessor does: ``{file name: bytes}``."""
    files = {}
    for c, cell in enumerate(parsed.cells):
        for o, output in enumerate(cell.get("outputs", [])):
            if "image/png" in output.get("data", {}):
                name = f"{folder}/output_{c}_{o}.png"
                files[name] = _palette_png(base64.b64decode(output["data"].pop("image/png")))
                output["data"]["image/png"] = ""
                output.setdefault("metadata", {}).setdefault("filenames", {})["image/png"] = name
    return files


def _exporter() -> Any:
    import jinja2
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    config = Config()
    config.CoalesceStreamsPreprocessor.enabled = True  # a progress bar's redraws shown once, as Jupyter shows them
    loader = jinja2.DictLoader({"page.html.j2": TEMPLATE})
    return HTMLExporter(config=config, template_name="lab", extra_loaders=[loader], template_file="page.html.j2")


def render(notebook: Path, stylesheet: Path, exporter: Any = None) -> tuple[str, str, dict[str, bytes]]:
    """One executed notebook as an HTML page that lies beside it and links ``stylesheet``: the page, the CSS it would
    have inlined and its images (``{path relative to the page: bytes}``). Markdown links are rebased to resolve
    from the page's folder."""
    import nbformat

    from paperlib.report.notebook import relinked

    notebook = Path(notebook)
    text = notebook.read_text(encoding="utf-8")
    parsed = nbformat.reads(relinked(text, notebook.parent) or text, as_version=4)
    images = _extract_images(parsed, f"{notebook.stem}_files")
    page, _ = (exporter or _exporter()).from_notebook_node(parsed, resources={"metadata": {"name": notebook.stem}})
    head, rest = page.split("</head>", 1)
    css = "\n".join(style.strip() for style in HEAD_STYLE.findall(head)) + "\n"
    link = Path(os.path.relpath(Path(stylesheet).resolve(), notebook.parent.resolve())).as_posix()
    head = HEAD_STYLE.sub("", head) + f'\n<link rel="stylesheet" href="{html.escape(link)}">\n'
    return head + "</head>" + rest, css, images


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.targets: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.targets += [value for name, value in attrs if name in ("href", "src") and value]


def broken_links(page: Path) -> list[str]:
    """The relative ``href``/``src`` targets of an HTML page that name no file (URLs, anchors, data: left out)."""
    parser = _Links()
    parser.feed(Path(page).read_text(encoding="utf-8"))
    relative = [t for t in parser.targets if not re.match(r"^([a-z][a-z0-9+.-]*:|#|/)", t)]
    return [t for t in relative if not (Path(page).parent / t.split("#")[0].split("?")[0]).exists()]


def _link(href: Path | str, text: str) -> str:
    return f'<a href="{html.escape(Path(href).as_posix())}">{html.escape(text)}</a>'


def index_page(out: Path, pages: list[Path]) -> str:
    """The index of ``out``: the report, the overview pages, one row per search (a link per seed), tables, figures."""
    from paperlib import paths

    out = Path(out)
    names = [p.relative_to(out) for p in pages]
    runs: dict[tuple[str, str], list[Path]] = {}
    for name in names:
        if name.parts[0] == "runs" and len(name.parts) == 5:
            runs.setdefault((name.parts[1], name.parts[2]), []).append(name)
    up = Path(os.path.relpath(paths.ROOT, out.resolve()))
    report = paths.RESULTS / "REPORT.md"
    lines = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(out.name)}: executed notebooks</title>",
        f'<link rel="stylesheet" href="{STYLESHEET}"></head>',
        '<body class="jp-Notebook" style="padding: 1em 2em; max-width: 60em">',
        f"<h1>Results <code>{html.escape(out.name)}</code>: the executed notebooks</h1>",
        "<p>Each page renders one executed notebook lying beside it; the run records are in the same folders.</p>",
    ]
    if report.exists():
        lines.append(f"<p>The report: {_link(os.path.relpath(report, out.resolve()), 'results/REPORT.md')}; ")
        lines.append(f"the paper's claims and how to read them: {_link(up / 'docs/paper.md', 'docs/paper.md')}.</p>")
    overview = [n for n in names if len(n.parts) == 1]
    lines += ["<h2>Overview</h2>", "<ul>"]
    lines += [f"<li>{_link(n.with_suffix('.html'), n.stem.replace('_', ' '))}</li>" for n in overview]
    lines += ["</ul>", "<h2>The searches</h2>", "<table><tr><th>dataset</th><th>row</th><th>seeds</th></tr>"]
    for (dataset, arm), seeds in sorted(runs.items()):
        cells = " ".join(_link(s.with_suffix(".html"), s.parts[3]) for s in seeds)
        lines.append(f"<tr><td>{html.escape(dataset)}</td><td>{html.escape(arm)}</td><td>{cells}</td></tr>")
    lines.append("</table>")
    for folder, pattern in (("tables", "*.md"), ("figures", "*.png")):
        files = sorted((out / folder).glob(pattern))
        if files:
            lines += [f"<h2>{folder.capitalize()}</h2>", "<ul>"]
            lines += [f"<li>{_link(f.relative_to(out), f.name)}</li>" for f in files]
            lines.append("</ul>")
    return "\n".join(lines + ["</body></html>"]) + "\n"


def _write_if_changed(path: Path, data: str | bytes) -> bool:
    from paperlib.experiment.records import atomic_write_bytes

    data = data.encode("utf-8") if isinstance(data, str) else data
    if path.exists() and path.read_bytes() == data:
        return False
    atomic_write_bytes(path, data)
    return True


def _write_page(notebook: Path, page: str, images: dict[str, bytes]) -> list[Path]:
    """A page and its images beside ``notebook``, images it no longer shows removed; returns the files written."""
    files = {notebook.with_suffix(".html"): page.encode("utf-8")}
    files |= {notebook.parent / name: data for name, data in images.items()}
    for stale in (notebook.parent / f"{notebook.stem}_files").glob("*.png"):
        if stale not in files:
            stale.unlink()
    return [path for path, data in files.items() if _write_if_changed(path, data)]


def build(out: Path) -> list[Path]:
    """Render every executed notebook under ``out`` beside it, its stylesheet and index; returns the files written
    (a page as it was is not rewritten, so the MANIFEST and git stay as they were)."""
    from paperlib.errors import RecordError

    out = Path(out)
    notebooks = executed_notebooks(out)
    if not notebooks:
        raise RecordError(f"{out} holds no executed notebook to render")
    exporter, stylesheet, written, shared = _exporter(), out / STYLESHEET, [], None
    for notebook in notebooks:
        page, css, images = render(notebook, stylesheet, exporter)
        if shared not in (None, css):
            raise RecordError(f"{notebook} renders with a stylesheet of its own: every page must share {STYLESHEET}")
        shared = css
        written += _write_page(notebook, page, images)
    written += [stylesheet] if _write_if_changed(stylesheet, shared or "") else []
    written += [out / INDEX] if _write_if_changed(out / INDEX, index_page(out, notebooks)) else []
    for page in [out / INDEX, *(n.with_suffix(".html") for n in notebooks)]:
        if broken := broken_links(page):
            raise RecordError(f"{page} links {len(broken)} file(s) that do not exist, e.g. {broken[0]}")
    return written


def add_html_parser(commands: Any) -> None:
    """``python -m paperlib html --out DIR``: the pages, stylesheet and index of a results folder (``make html``)."""
    parser = commands.add_parser("html", help="render every executed notebook of a results folder to HTML, indexed")
    parser.add_argument("--out", required=True, help="the results folder, e.g. results/quick")


def run_html_command(args: argparse.Namespace) -> int:
    written = build(Path(args.out))
    print(f"{args.out}: {len(written)} file(s) written, every other page as it was; open {Path(args.out) / INDEX}")
    return 0
