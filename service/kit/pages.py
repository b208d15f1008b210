"""What every server-rendered page shares: the page shell, its stylesheet, its language.

Each package with pages keeps its templates in its own `templates/` folder; they extend
`base.html` here, which inlines `static/pages.css` so a page (or an exported file) fetches
nothing else. Labels of the shell (and of the error page) are here; each package adds its own.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import ChoiceLoader, Environment, PackageLoader, select_autoescape
from markupsafe import Markup

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"
SHELL_LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "html_lang": "zh-CN",
        "sign_in": "登录",
        "sign_out": "退出",
        "forbidden": "无权访问",
        "forbidden_text": "只有该园区的运营人员或管理员可以查看此看板。",
        "not_found": "未找到",
        "bad_request": "请求有误",
    },
    "en": {
        "html_lang": "en",
        "sign_in": "Sign in",
        "sign_out": "Sign out",
        "forbidden": "Forbidden",
        "forbidden_text": "Only an operator of this park or an admin may read this dashboard.",
        "not_found": "Not found",
        "bad_request": "Bad request",
    },
}


def pick_language(accept_language: str | None) -> str:
    """The best of zh/en for an Accept-Language header; zh when neither is asked for."""
    if not accept_language:
        return DEFAULT_LANGUAGE
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept_language.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary in LANGUAGES and quality > 0:
            ranked.append((-quality, position, primary))
    return min(ranked)[2] if ranked else DEFAULT_LANGUAGE


def request_language(request: Request) -> str:
    """zh or en, from the browser's Accept-Language."""
    return pick_language(request.headers.get("accept-language"))


def with_shell_labels(own: dict[str, dict[str, str]], lang: str) -> dict[str, str]:
    """The shell's labels in LANG plus a package's OWN (the default language if LANG is unknown)."""
    lang = lang if lang in own and lang in SHELL_LABELS else DEFAULT_LANGUAGE
    return {**SHELL_LABELS[lang], **own[lang]}


@lru_cache(maxsize=1)
def stylesheet() -> Markup:
    """The pages' CSS, inlined into every page so nothing else is fetched."""
    css = resources.files("service.kit").joinpath("static", "pages.css").read_text("utf-8")
    return Markup(css)


class PageTemplates:
    """The templates of PACKAGE (its `templates/` folder) over the shared shell."""

    def __init__(self, package: str) -> None:
        self._environment = Environment(
            loader=ChoiceLoader(
                [PackageLoader(package, "templates"), PackageLoader("service.kit", "templates")]
            ),
            autoescape=select_autoescape(["html"]),
            trim_blocks=True,
            lstrip_blocks=True,
        )

    def render(self, template: str, **context: Any) -> str:
        """TEMPLATE rendered with the inline stylesheet."""
        return self._environment.get_template(template).render(css=stylesheet(), **context)

    def error_page(
        self, *, t: dict[str, str], status: int, heading: str, message: str
    ) -> HTMLResponse:
        """An HTML error page with STATUS, labelled by T."""
        html = self.render("error.html", t=t, status=status, heading=heading, message=message)
        return HTMLResponse(html, status_code=status)
