"""A curator's walk through the admin in a real browser, each step saved as a screenshot for the
curation guide (docs/curation.md, docs/img/curation/).

Log in; add an official with a post; add a statement whose citation's excerpt is wrong and see
the error on that field; fix it and save; see the draft absent from the anonymous API and present
with a curator's token; mark it reviewed and see it public; edit it and revert to the first
version from its history; delete it and restore it.
"""

from __future__ import annotations

import io
import os
import re
import tempfile
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command

from server.diplomacy.models import Official, Statement

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# The guide's pictures are refreshed on demand (`make screenshots`); a plain test run keeps the
# work tree clean and leaves its screenshots in a temporary folder.
SHOTS = Path(
    os.environ.get("DETENTE_SCREENSHOTS")
    or Path(tempfile.gettempdir()) / "detente-curation-screenshots"
)
PASSWORD = "a long curator passphrase"
ARTICLE = 1  # the source that stores the article's full text
QUOTE = "pursue the course of good-neighborliness and friendship"
EXCERPT = "Beijing and Seoul should pursue the course of good-neighborliness and friendship"
WRONG_EXCERPT = "Beijing and Seoul should pursue eternal friendship"


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def pick(page, select_id: str, search: str, choice: str) -> None:
    """Choose in an admin autocomplete (select2): open it, type, click the match."""
    page.click(f"#{select_id} + .select2 .select2-selection")
    page.fill(".select2-container--open .select2-search__field", search)
    page.click(f".select2-results__option:has-text('{choice}')")


def header_is_styled(page) -> bool:
    colour = page.evaluate("getComputedStyle(document.querySelector('#header')).backgroundColor")
    return colour not in ("", "rgba(0, 0, 0, 0)", "transparent")


def test_a_curator_adds_reviews_reverts_and_restores_a_statement(live_server, browser):
    call_command("seed", "--if-empty", verbosity=0)
    curator = User.objects.create_user("carla", password=PASSWORD, is_staff=True)
    curator.groups.add(Group.objects.get(name="curators"))
    token_out = io.StringIO()
    call_command("createtoken", "carla", stdout=token_out, stderr=io.StringIO())
    token = token_out.getvalue().strip()
    base = live_server.url
    context = browser.new_context(viewport={"width": 1200, "height": 860})
    anonymous = browser.new_context(viewport={"width": 1200, "height": 700})
    context.set_default_timeout(10_000)
    anonymous.set_default_timeout(10_000)
    page = context.new_page()
    public = anonymous.new_page()
    try:
        # 1. Log in.
        page.goto(f"{base}/admin/login/?next=/admin/")
        assert header_is_styled(page), "the admin's CSS did not load"
        page.fill("#id_username", "carla")
        page.fill("#id_password", PASSWORD)
        shot(page, "01-login")
        page.click("input[type=submit]")
        page.wait_for_url(f"{base}/admin/")

        # 2. Add an official with a post, its citation in the same row.
        page.goto(f"{base}/admin/diplomacy/official/add/")
        page.locator("#id_name").press_sequentially("Han Testwalker")
        assert page.input_value("#id_slug") == "han-testwalker"  # filled from the name
        page.fill("#id_country", "KR")
        page.click("text=Add another Post held")
        page.fill("#id_positions-0-title", "Special Envoy")
        page.fill("#id_positions-0-start", "2024-07")
        pick(page, "id_positions-0-citation_source", "Column", "Column by John Burton")
        page.fill("#id_positions-0-citation_excerpt", "Han Testwalker was named special envoy.")
        shot(page, "02-add-official")
        page.click("input[name=_save]")
        page.wait_for_url(re.compile(r".*/admin/diplomacy/official/$"))
        official = Official.objects.get(slug="han-testwalker")
        post = official.positions.get()
        assert (post.title, str(post.start), post.review_state) == (
            "Special Envoy",
            "2024-07",
            "draft",
        )
        assert post.citations.get().excerpt == "Han Testwalker was named special envoy."

        # 3. Add a statement whose excerpt is not in the article: the error is on that field.
        page.goto(f"{base}/admin/diplomacy/statement/add/")
        page.fill("#id_text", QUOTE)
        page.select_option("#id_kind", "quote")
        pick(page, "id_speaker", "Testwalker", "Han Testwalker")
        page.fill("#id_said", "2024-07-26")
        pick(page, "id_citations-0-source", "Asmolov", "Article by Konstantin Asmolov")
        page.fill("#id_citations-0-excerpt", WRONG_EXCERPT)
        page.fill("#id_citations-0-locator", "paragraph 3")
        page.click("input[name=_continue]")
        error = page.locator("#citations-0 .field-excerpt .errorlist")
        assert f"not in the text of source {ARTICLE}" in error.inner_text()
        assert not Statement.objects.filter(text=QUOTE).exists()  # nothing saved
        error.scroll_into_view_if_needed()
        shot(page, "03-excerpt-error")

        # 4. Fix the excerpt and save.
        page.fill("#id_citations-0-excerpt", EXCERPT)
        page.click("input[name=_continue]")
        page.wait_for_url(re.compile(r".*/admin/diplomacy/statement/\d+/change/$"))
        statement = Statement.objects.get(text=QUOTE)
        assert (statement.version, statement.review_state) == (1, "draft")
        api_link = page.locator(f"a[href='/api/v1/statements/{statement.pk}/?review=all']")
        assert api_link.count() == 1  # "view in API"
        shot(page, "04-saved-draft")

        # 5. A draft: not in the anonymous API, there for a curator.
        detail = f"{base}/api/v1/statements/{statement.pk}/"
        assert anonymous.request.get(detail).status == 404
        curated = context.request.get(
            detail + "?review=all", headers={"Authorization": f"Token {token}"}
        )
        assert curated.status == 200
        assert curated.json()["review_state"] == "draft"
        assert context.request.get(detail + "?review=all").status == 200  # the session, too
        public.goto(detail)
        shot(public, "05-api-anonymous-draft")
        page.goto(detail + "?review=all")
        shot(page, "06-api-curator-draft")

        # 6. Mark it reviewed from the list: it is public.
        page.goto(f"{base}/admin/diplomacy/statement/?review_state=draft")
        page.check(f"input[name=_selected_action][value='{statement.pk}']")
        page.select_option("select[name=action]", "mark_reviewed")
        page.click("button[name=index]")
        assert "Marked 1 as reviewed" in page.inner_text(".messagelist")
        statement.refresh_from_db()
        assert (statement.version, statement.review_state, statement.reviewed_by) == (
            2,
            "reviewed",
            curator,
        )
        shot(page, "07-marked-reviewed")
        assert anonymous.request.get(detail).json()["reviewed_by"] == "carla"
        public.goto(detail)
        shot(public, "08-api-anonymous-reviewed")

        # 7. Edit it (back to draft), then revert to version 1 from its history.
        page.goto(f"{base}/admin/diplomacy/statement/{statement.pk}/change/")
        page.fill("#id_said", "2024-07")
        page.click("input[name=_continue]")
        page.wait_for_selector(".messagelist")
        statement.refresh_from_db()
        assert (str(statement.said), statement.version, statement.review_state) == (
            "2024-07",
            3,
            "draft",
        )
        page.click("a.historylink")
        rows = page.locator("#change-history tbody tr")
        assert rows.count() == 3
        assert "said" in rows.first.inner_text()  # the newest change, field by field
        shot(page, "09-history")
        rows.last.locator("a").first.click()  # version 1
        page.wait_for_selector("#revert-form")
        shot(page, "10-version-1")
        page.click("input[name=revert]")
        page.wait_for_url(re.compile(r".*/admin/diplomacy/statement/\d+/change/$"))
        assert "Reverted" in page.inner_text(".messagelist")
        statement.refresh_from_db()
        assert (str(statement.said), statement.version) == ("2024-07-26", 4)
        assert statement.citations.get().excerpt == EXCERPT
        shot(page, "11-reverted")

        # 8. Delete it, and restore it from the Deleted page.
        page.click("a.deletelink")
        page.click("input[type=submit]")
        page.wait_for_url(re.compile(r".*/admin/diplomacy/statement/$"))
        assert not Statement.objects.filter(pk=statement.pk).exists()
        page.click(".object-tools a[href$='/deleted/']")
        shot(page, "12-deleted")
        page.click(f"input[name=restore-{statement.pk}]")
        page.wait_for_url(re.compile(rf".*/admin/diplomacy/statement/{statement.pk}/change/$"))
        restored = Statement.objects.get(pk=statement.pk)
        assert (restored.text, restored.version) == (QUOTE, 6)
        assert "Restored" in page.inner_text(".messagelist")
        shot(page, "13-restored")
    finally:
        context.close()
        anonymous.close()
